"""Real database backends for contract tests: a fresh SQLite file and a fresh PostgreSQL
database on the local server (queue backends live in ``tests/queue_backends.py``)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway database on the local PostgreSQL server, dropped after the session."""
    require_service(_reachable(5432), "PostgreSQL (127.0.0.1:5432)")
    from sqlalchemy import create_engine, text

    name = f"editron_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        from editron.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'contract.db'}"
    else:
        url = str(request.getfixturevalue("postgres_server"))
        _truncate(url)
    monkeypatch.setenv("EDITRON_DATABASE_URL", url)
    from editron.config import reset_settings

    reset_settings()
    return url


def _truncate(url: str) -> None:
    from sqlalchemy import inspect, text

    from editron.db.migrate import upgrade
    from editron.db.session import get_engine

    upgrade(url)
    engine = get_engine(url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) +
                          " RESTART IDENTITY CASCADE"))
