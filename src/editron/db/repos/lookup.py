"""Finding a row by the start of its id, as git finds a commit: every kind of object people
name on the command line, and the shortest prefix that still names one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editron.db.models import (
    EditSession,
    Feedback,
    MediaBatch,
    MediaBatchAnalysis,
    MediaFile,
    Project,
    RenderJob,
)
from editron.db.models_ops import ApiToken, DropboxSource, JobRun

__all__ = ["KINDS", "ids_with_prefix", "longest_shared_prefix"]

# The kinds of object an id may name, in the order an ambiguous prefix is reported.
KINDS: dict[str, Any] = {
    "batch": MediaBatch, "edit session": EditSession, "render job": RenderJob,
    "analysis": MediaBatchAnalysis, "file": MediaFile, "project": Project,
    "job": JobRun, "feedback": Feedback, "Dropbox source": DropboxSource,
    "API token": ApiToken,
}


def ids_with_prefix(session: Session, kind: str, prefix: str, *, limit: int = 10
                    ) -> list[str]:
    """Ids of ``kind`` that start with ``prefix`` (case-insensitive), at most ``limit``."""
    model = KINDS[kind]
    query = select(model.id).where(func.lower(model.id).startswith(prefix.lower(),
                                                                   autoescape=True))
    return list(session.scalars(query.order_by(model.id).limit(limit)))


def longest_shared_prefix(session: Session, kind: str, row_id: str) -> int:
    """How many leading characters ``row_id`` shares with the nearest other id of its kind
    (so one more character is always a unique prefix)."""
    model = KINDS[kind]
    before = session.scalar(select(func.max(model.id)).where(model.id < row_id))
    after = session.scalar(select(func.min(model.id)).where(model.id > row_id))
    shared = 0
    for other in (before, after):
        if other is not None:
            n = 0
            while n < min(len(other), len(row_id)) and other[n] == row_id[n]:
                n += 1
            shared = max(shared, n)
    return shared
