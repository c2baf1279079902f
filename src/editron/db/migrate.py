"""Schema migrations, run programmatically (no alembic.ini): ``upgrade(url)`` brings any
database to the newest revision, and does nothing when it is already there.

The migration scripts ship inside the package (``editron/db/migrations``), so an installed
wheel migrates its own database. Several processes may start at once: SQLite is serialised
by an exclusive file lock beside the database, PostgreSQL by a transaction-scoped advisory
lock, so the second caller waits and then finds the schema current."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from editron.db.secrets import SecretBox
from editron.db.session import get_engine, translate
from editron.errors import DatabaseBusyError, DatabaseError

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")
PG_LOCK_KEY = 0x45444954  # "EDIT": one advisory-lock key for every Editron process


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged scripts (for ``command.*`` in tools/tests)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _safe(url: str) -> str:
    """The URL as it may appear in an error: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is shown with nothing after the scheme
        return url.split(":", 1)[0] + ":..."


@contextmanager
def _sqlite_lock(url: str) -> Iterator[None]:
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        yield  # private to this process: nobody to race with
        return
    lock_path = Path(database + ".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_upgrade(connection: Connection, box: SecretBox | None) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    config.attributes["secret_box"] = box  # what seals credentials (0007); None: the process's
    command.upgrade(config, "head")


def _upgrade_sqlite(url: str, box: SecretBox | None) -> None:
    engine = get_engine(url)
    with _sqlite_lock(url), engine.connect() as connection:
        # Batch mode rebuilds a table by copy-and-drop; with foreign keys on, dropping the
        # old media_batches would cascade-delete every file row. The pragma only takes
        # effect outside a transaction, hence the commit before begin().
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                # pysqlite leaves DDL in autocommit; an explicit write transaction makes the
                # whole upgrade atomic and also excludes writers that skip the file lock.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                _run_upgrade(connection, box)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise DatabaseError(
                        f"migration left {len(broken)} dangling foreign key(s), first in "
                        f"table {broken[0][0]!r}; rolled back", path=_safe(url))
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _upgrade_postgresql(url: str, box: SecretBox | None) -> None:
    with get_engine(url).begin() as connection:
        # PostgreSQL DDL is transactional: the lock, the DDL and the version stamp commit
        # together, and a concurrent caller blocks here until then.
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        _run_upgrade(connection, box)


def upgrade(url: str, *, box: SecretBox | None = None) -> None:
    """Bring the database at ``url`` to the newest schema revision (idempotent). A database
    already at the newest revision is only read, so a command is not held up by another
    process writing. ``box`` seals the credentials a migration encrypts (default: the key of
    the process's settings)."""
    if current_revision(url) == head_revision():
        return
    try:
        if make_url(url).get_backend_name() == "sqlite":
            _upgrade_sqlite(url, box)
        else:
            _upgrade_postgresql(url, box)
    except SQLAlchemyError as exc:
        translated = translate(exc, url)
        if isinstance(translated, DatabaseBusyError):
            raise translated from exc
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"cannot migrate the database: {reason}", path=_safe(url)) from exc


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    try:
        with get_engine(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"cannot read the schema revision: {reason}",
                            path=_safe(url)) from exc


def head_revision() -> str | None:
    """The newest revision shipped with this version of Editron."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
