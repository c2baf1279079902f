"""Database backends for the data-layer contract tests: SQLite and PostgreSQL.

``database_url`` is a migrated, empty database, parameterised over both backends:

- SQLite: the schema is migrated once per session into a template file; each test gets its
  own fresh copy of that file (a copy costs far less than a migration).
- PostgreSQL: one uniquely named database on 127.0.0.1:5432 per test session, migrated once,
  truncated before each test, dropped at the end.

``empty_database_url`` is a never-migrated database on each backend, for migration tests.
An unreachable PostgreSQL skips with the reason shown, and fails when CI=true.

Use by importing the fixtures into a test module::

    from tests.db_backends import (  # noqa: F401
        database_url, empty_database_url, pg_database, sqlite_template)
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service

__all__ = ["PG_ADMIN_URL", "database_url", "empty_database_url", "pg_database",
           "sqlite_template", "truncate_all"]

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _create_pg_database(prefix: str) -> tuple[str, str]:
    """A new, uniquely named database; returns (name, url)."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name, f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"


def _drop_pg_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    from editron.db.session import dispose_engines

    dispose_engines()  # our own pooled connections would otherwise hold the database open
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _use(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point Editron's settings at ``url`` too, for code that reads the configured database."""
    from editron.config import reset_settings

    monkeypatch.setenv("EDITRON_DATABASE_URL", url)
    reset_settings()
    return url


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """This session's migrated PostgreSQL database (its URL); dropped at the end."""
    require_service(_pg_reachable(), f"PostgreSQL ({PG_HOST}:{PG_PORT})")
    from editron.db.migrate import upgrade

    name, url = _create_pg_database("editron_test")
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    from editron.db.migrate import upgrade
    from editron.db.session import dispose_engines

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    dispose_engines()
    # Fold the write-ahead log into the main file, so copying that one file is enough.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def truncate_all(url: str) -> None:
    """Empty every table but the schema version, and restart the event ids.

    DELETE, child tables first, rather than TRUNCATE: on tables this small it is ten times
    faster, and this runs before every PostgreSQL test."""
    from sqlalchemy import text

    from editron.db import models  # noqa: F401  (every table on the metadata)
    from editron.db.orm import Base
    from editron.db.session import get_engine

    with get_engine(url).begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), 1, false)"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with no rows, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "editron.db"
        shutil.copyfile(template, path)
        return _use(f"sqlite:///{path}", monkeypatch)
    url: str = request.getfixturevalue("pg_database")
    truncate_all(url)
    return _use(url, monkeypatch)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database that was never migrated, on each backend (PostgreSQL: created per test)."""
    if request.param == "sqlite":
        yield _use(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch)
        return
    require_service(_pg_reachable(), f"PostgreSQL ({PG_HOST}:{PG_PORT})")
    name, url = _create_pg_database("editron_empty")
    try:
        yield _use(url, monkeypatch)
    finally:
        _drop_pg_database(name)
