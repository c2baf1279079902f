"""Edit sessions: one per deliverable request, holding a timeline per aspect ratio."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import EditSession, MediaBatch
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise, page_bounds, set_status
from editron.db.repos.events import append_event
from editron.domain.status import SESSION_TRANSITIONS, SessionStatus
from editron.errors import NotFoundError

__all__ = [
    "create_edit_session",
    "get_edit_session",
    "list_edit_sessions",
    "set_session_status",
    "update_edit_session",
]

_UPDATABLE = frozenset(c.key for c in EditSession.__mapper__.column_attrs) - {
    "id", "batch_id", "created_at", "status"}


def _project_of(session: Session, batch_id: str) -> str | None:
    return session.scalar(select(MediaBatch.project_id).where(MediaBatch.id == batch_id))


def create_edit_session(session: Session, *, batch_id: str, deliverable_type: str,
                        aspect_ratios: Sequence[str], analysis_id: str | None = None,
                        reference_style: str | None = None, include_captions: bool = True,
                        imovie_project: str | None = None, variants: int = 1,
                        parent_id: str | None = None, revision: int = 1,
                        request: dict[str, Any] | None = None) -> EditSession:
    row = EditSession(batch_id=batch_id, analysis_id=analysis_id,
                      deliverable_type=deliverable_type, aspect_ratios=list(aspect_ratios),
                      reference_style=reference_style, include_captions=include_captions,
                      imovie_project=imovie_project, variants=variants, parent_id=parent_id,
                      revision=revision, request=dict(request or {}),
                      status=SessionStatus.ASSEMBLING.value)
    session.add(row)
    session.flush()
    append_event(session, entity_type="edit_session", entity_id=row.id,
                 event_type="edit_session.created", batch_id=batch_id,
                 project_id=_project_of(session, batch_id),
                 payload={"status": row.status, "deliverable_type": deliverable_type,
                          "aspect_ratios": list(aspect_ratios), "variants": variants,
                          "parent_id": parent_id, "revision": revision})
    return row


def get_edit_session(session: Session, session_id: str, *, lock: bool = False) -> EditSession:
    """The session; ``lock`` holds its row (FOR UPDATE on PostgreSQL) until the transaction
    ends, so writers that decide from the session's renders take turns."""
    if not lock:
        return get_or_raise(session, EditSession, "edit session", session_id)
    row = session.get(EditSession, session_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError("edit session", session_id)
    return row


def list_edit_sessions(session: Session, *, batch_id: str | None = None,
                       status: SessionStatus | None = None, limit: int = 50,
                       offset: int = 0, batch_ids: Sequence[str] | None = None,
                       parent_id: str | None = None) -> list[EditSession]:
    """Newest first; filtered by batch (or any of ``batch_ids``), status or parent."""
    limit, offset = page_bounds(limit, offset)
    query = select(EditSession)
    if batch_id is not None:
        query = query.where(EditSession.batch_id == batch_id)
    if batch_ids is not None:
        query = query.where(EditSession.batch_id.in_(list(batch_ids)))
    if parent_id is not None:
        query = query.where(EditSession.parent_id == parent_id)
    if status is not None:
        query = query.where(EditSession.status == status.value)
    query = query.order_by(EditSession.created_at.desc(), EditSession.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def set_session_status(session: Session, row: EditSession, status: SessionStatus, *,
                       last_error: str | None = None) -> EditSession:
    """Move along the session status machine and log it; an illegal move raises
    InvalidStateError and changes nothing."""
    set_status(session, row, status.value, entity_type="edit_session", label="edit session",
               machine=SESSION_TRANSITIONS,
               scope={"batch_id": row.batch_id,
                      "project_id": _project_of(session, row.batch_id)},
               payload={"error": last_error} if last_error else None)
    if status is SessionStatus.FAILED:
        row.last_error = last_error
    return row


def update_edit_session(session: Session, row: EditSession, **fields: Any) -> EditSession:
    """Store timelines, exports, preview paths...; status goes through set_session_status."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"EditSession has no updatable column(s) {sorted(unknown)}")
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush()
    return row
