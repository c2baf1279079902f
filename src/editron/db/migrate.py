"""Schema migrations, run programmatically (no alembic.ini): ``upgrade(url)`` brings any
database to the newest revision. Safe when several processes start at once: SQLite is
serialised by a file lock beside the database, PostgreSQL by an advisory lock."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from editron.db.session import get_engine

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
PG_LOCK_KEY = 0x45444954  # "EDIT"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _sqlite_lock(url: str) -> Iterator[None]:
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:":
        yield
        return
    lock_path = Path(path + ".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade(url: str) -> None:
    engine = get_engine(url)
    if engine.dialect.name == "sqlite":
        with _sqlite_lock(url), engine.begin() as connection:
            _run_upgrade(connection)
        return
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        _run_upgrade(connection)


def current_revision(url: str) -> str | None:
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
