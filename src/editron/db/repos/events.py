"""The append-only event log: every state change adds a row; readers follow it by id.

On PostgreSQL ids come from a sequence when the row is inserted, not when it commits, so two
writers can commit out of id order: a reader polling between the two commits sees id N+1
before id N exists. ``events_after(..., settle_seconds=S)`` guards followers against that: it
stops before the first hole in the ids unless the event after the hole is older than S seconds
(by then the hole is taken to be a rolled-back transaction, which never fills). SQLite writers
are serialised, so its ids always commit in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editron.db.models_ops import Event
from editron.domain.redact import redact_text

__all__ = [
    "SECRET_MARKERS",
    "SETTLE_SECONDS",
    "append_event",
    "events_after",
    "latest_event_id",
    "scrub",
    "settled_horizon",
]

SECRET_MARKERS = ("token", "secret", "password", "authorization", "api_key", "apikey")


def scrub(payload: Any) -> Any:
    """Drop keys that look like secrets and redact the credentials of URLs quoted in texts,
    at any depth, so no event ever carries one."""
    if isinstance(payload, str):
        return redact_text(payload)
    if isinstance(payload, Mapping):
        return {
            str(k): scrub(v)
            for k, v in payload.items()
            if not any(marker in str(k).lower() for marker in SECRET_MARKERS)
        }
    if isinstance(payload, list | tuple):
        return [scrub(v) for v in payload]
    return payload


def append_event(
    session: Session,
    *,
    entity_type: str,
    entity_id: str,
    event_type: str,
    payload: Mapping[str, Any] | None = None,
    batch_id: str | None = None,
    session_id: str | None = None,
    job_id: str | None = None,
    project_id: str | None = None,
) -> Event:
    """Add an event in the caller's transaction (a rolled-back change leaves no event)."""
    event = Event(
        entity_type=entity_type,
        entity_id=entity_id,
        event_type=event_type,
        payload=scrub(dict(payload or {})),
        batch_id=batch_id or (entity_id if entity_type == "batch" else None),
        session_id=session_id or (entity_id if entity_type == "edit_session" else None),
        job_id=job_id or (entity_id if entity_type == "render_job" else None),
        project_id=project_id,
    )
    session.add(event)
    session.flush()
    return event


# How long a gap in the ids may still be filled by a transaction that has not committed yet;
# longer than any transaction that appends events should take.
SETTLE_SECONDS = 5.0


def latest_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)


def settled_horizon(session: Session, last_id: int, *, settle_seconds: float,
                    scan: int = 2000) -> int:
    """The highest id up to which the log after ``last_id`` has no hole that may still fill."""
    rows = session.execute(select(Event.id, Event.created_at).where(Event.id > last_id)
                           .order_by(Event.id).limit(scan)).all()
    young = (datetime.now(UTC) - timedelta(seconds=settle_seconds)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    horizon = last_id
    for event_id, created_at in rows:
        if event_id != horizon + 1 and created_at > young:
            break  # a writer may still commit the missing ids
        horizon = event_id
    return horizon


def events_after(
    session: Session,
    last_id: int,
    *,
    batch_id: str | None = None,
    session_id: str | None = None,
    job_id: str | None = None,
    project_id: str | None = None,
    entity_type: str | None = None,
    event_type: str | None = None,
    limit: int = 500,
    settle_seconds: float | None = None,
) -> list[Event]:
    """Events with id greater than ``last_id`` matching every given filter, oldest first.

    A follower that remembers the last id it saw should pass ``settle_seconds`` (a few
    seconds) so that an event committed late with a lower id is not skipped; see the module
    docstring."""
    query = select(Event).where(Event.id > last_id)
    if settle_seconds is not None and session.get_bind().dialect.name != "sqlite":
        query = query.where(
            Event.id <= settled_horizon(session, last_id, settle_seconds=settle_seconds))
    if batch_id is not None:
        query = query.where(Event.batch_id == batch_id)
    if session_id is not None:
        query = query.where(Event.session_id == session_id)
    if job_id is not None:
        query = query.where(Event.job_id == job_id)
    if project_id is not None:
        query = query.where(Event.project_id == project_id)
    if entity_type is not None:
        query = query.where(Event.entity_type == entity_type)
    if event_type is not None:
        query = query.where(Event.event_type == event_type)
    return list(session.scalars(query.order_by(Event.id).limit(limit)))
