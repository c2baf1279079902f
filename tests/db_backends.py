"""Database backends for the data-layer contract tests: SQLite and PostgreSQL.

``database_url`` is a migrated, empty database, parameterised over both backends:

- SQLite: the schema is migrated once per session into a template file; each test gets its
  own fresh copy of that file (a copy costs far less than a migration).
- PostgreSQL: a uniquely named template database on 127.0.0.1:5432, migrated once per
  session; each test gets its own database created from it (``CREATE DATABASE ... TEMPLATE``:
  0.05 to 0.5 s, by load), dropped after the test. So a test sees no row another test
  wrote, whatever the order; no lock a test left behind can hold up the next; and sessions
  running at once never share a database.

``empty_database_url`` is a never-migrated database on each backend, for migration tests.
An unreachable PostgreSQL skips with the reason shown, and fails when CI=true.

Use by importing the fixtures into a test module::

    from tests.db_backends import (  # noqa: F401
        database_url, empty_database_url, pg_database, pg_template, sqlite_template)
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

__all__ = ["PG_ADMIN_URL", "database_url", "empty_database_url", "pg_database", "pg_template",
           "sqlite_template"]

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def _create_pg_database(prefix: str, template: str | None = None) -> tuple[str, str]:
    """A new, uniquely named database (a copy of ``template``, if given); returns (name, url)."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
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
def pg_template() -> Iterator[str]:
    """This session's migrated PostgreSQL template database (its name); dropped at the end.
    Nothing connects to it after the migration: PostgreSQL copies only an idle template."""
    require_service(_pg_reachable(), f"PostgreSQL ({PG_HOST}:{PG_PORT})")
    from editron.db.migrate import upgrade
    from editron.db.session import dispose_engines

    name, url = _create_pg_database("editron_tpl")
    try:
        upgrade(url)
        dispose_engines()
        yield name
    finally:
        _drop_pg_database(name)


@pytest.fixture()
def pg_database(pg_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own (its URL), with no rows."""
    name, url = _create_pg_database("editron_test", template=pg_template)
    try:
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
