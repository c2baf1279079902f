"""Engines and sessions. SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL is as is."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from editron.config import get_settings
from editron.errors import (
    DatabaseBusyError,
    DatabaseConflictError,
    DatabaseError,
    DatabaseUnavailableError,
)

__all__ = ["create_private", "dispose_engines", "get_engine", "get_sessionmaker", "session_scope",
           "translate"]


def _sqlite_pragmas(busy_seconds: float) -> Callable[[Any, Any], None]:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return apply


def create_private(path: Path) -> None:
    """Make ``path`` empty with mode 0600 unless it exists, so SQLite (which gives its -wal and
    -shm files the database's mode) never makes it readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None: in memory, or a ``file:`` URI SQLite opens itself)."""
    database = make_url(url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = _sqlite_file(url)
        if path is not None:
            with contextlib.suppress(OSError):  # unusable: SQLite's own error says why
                create_private(path)
        busy = get_settings().database_busy_seconds
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": busy})
        event.listen(engine, "connect", _sqlite_pragmas(busy))
        _engines.append(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    _engines.append(engine)
    return engine


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def translate(exc: SQLAlchemyError, url: str) -> DatabaseError:
    """The database error as one of ours, with a line a person can act on (pure). Messages
    never carry the URL (they reach network callers); ``editron doctor`` shows which database
    is configured. The driver's own text is kept short."""
    del url  # kept in the signature for callers that log it; never in the message
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    lowered = detail.lower()
    if isinstance(exc, IntegrityError):
        return DatabaseConflictError(f"the database refused a write ({detail}); something "
                                     "changed it meanwhile, try again")
    if "locked" in lowered or "busy" in lowered:
        return DatabaseBusyError("the database is locked by another Editron process (a long "
                                 "write); try again in a moment")
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseError("the database is read-only: make it and its folder writable, or "
                             "set EDITRON_HOME to a folder you can write")
    if "unable to open" in lowered:
        return DatabaseError("cannot open the database: check that its folder exists and is "
                             "writable, or set EDITRON_HOME / EDITRON_DATABASE_URL "
                             "(`editron doctor` shows which database is configured)")
    if isinstance(exc, OperationalError | InterfaceError) or getattr(
            exc, "connection_invalidated", False):
        return DatabaseUnavailableError("cannot reach the database server; check that it runs "
                                        "and EDITRON_DATABASE_URL (`editron doctor`)")
    return DatabaseError(f"database error: {detail}")


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Database failures
    (locked, unreachable, a broken constraint) leave as DatabaseError and its kinds."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except SQLAlchemyError as exc:
        _rollback(session)
        raise translate(exc, url) from exc
    except BaseException:
        _rollback(session)
        raise
    finally:
        session.close()


def _rollback(session: Session) -> None:
    # A connection that is gone cannot roll back; closing the session is all that is left.
    with contextlib.suppress(SQLAlchemyError):
        session.rollback()


_engines: list[Engine] = []


def dispose_engines() -> None:
    """Close every pooled connection (tests, and workers after a fork)."""
    for engine in _engines:
        engine.dispose()
    _engines.clear()
    get_sessionmaker.cache_clear()
    get_engine.cache_clear()
