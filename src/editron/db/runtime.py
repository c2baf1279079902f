"""Process-wide database plumbing every layer above db shares: ``ready`` (home folders made,
schema migrated, once per database URL) and ``db`` (one transaction against the configured
database)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from editron.config import Settings, get_settings
from editron.db.migrate import upgrade
from editron.db.secrets import bind_box, box_for
from editron.db.session import session_scope

__all__ = ["db", "ping", "ready"]

_migrated: set[str] = set()
_lock = threading.Lock()


def ready(settings: Settings | None = None) -> Settings:
    """Settings with the home folders made and the schema at the newest revision (once per URL)."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if url not in _migrated:
        with _lock:
            if url not in _migrated:
                settings.ensure_dirs()
                upgrade(url, box=box_for(settings))
                _migrated.add(url)
    return settings


@contextmanager
def db(settings: Settings) -> Iterator[Session]:
    """One transaction against the configured database, its credentials sealed and opened
    with the key of ``settings``."""
    with session_scope(settings.resolved_database_url) as session:
        bind_box(session, box_for(settings))
        yield session


def ping(settings: Settings) -> None:
    """Raise DatabaseError unless the configured database answers a trivial query."""
    with db(settings) as session:
        session.execute(text("SELECT 1"))
