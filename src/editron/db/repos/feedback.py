"""Client feedback on edit sessions (tier 5): approve, reject or revise, with adjustments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import EditSession, Feedback, MediaBatch
from editron.db.repos.base import get_or_raise
from editron.db.repos.events import append_event

__all__ = ["Decision", "get_feedback", "list_feedback", "record_feedback"]

Decision = Literal["approve", "changes", "reject"]


def record_feedback(session: Session, edit_session: EditSession, *, decision: Decision,
                    notes: str | None = None,
                    adjustments: Mapping[str, Any] | None = None,
                    reading: Mapping[str, Any] | None = None,
                    revision_id: str | None = None) -> Feedback:
    """Store a decision; moving the session's status is the service's choice, not ours."""
    project_id = session.scalar(
        select(MediaBatch.project_id).where(MediaBatch.id == edit_session.batch_id))
    row = Feedback(edit_session_id=edit_session.id, project_id=project_id, decision=decision,
                   notes=notes, adjustments=dict(adjustments or {}),
                   reading=dict(reading or {}), revision_id=revision_id)
    session.add(row)
    session.flush()
    append_event(session, entity_type="feedback", entity_id=row.id,
                 event_type="feedback.recorded", session_id=edit_session.id,
                 batch_id=edit_session.batch_id, project_id=project_id,
                 payload={"decision": decision, "revision_id": revision_id})
    return row


def get_feedback(session: Session, feedback_id: str) -> Feedback:
    return get_or_raise(session, Feedback, "feedback", feedback_id)


def list_feedback(session: Session, *, edit_session_id: str | None = None,
                  project_id: str | None = None, batch_id: str | None = None
                  ) -> list[Feedback]:
    """Oldest first, so preferences can be replayed in the order they were given."""
    query = select(Feedback)
    if edit_session_id is not None:
        query = query.where(Feedback.edit_session_id == edit_session_id)
    if project_id is not None:
        query = query.where(Feedback.project_id == project_id)
    if batch_id is not None:
        query = query.join(EditSession).where(EditSession.batch_id == batch_id)
    return list(session.scalars(query.order_by(Feedback.created_at, Feedback.id)))
