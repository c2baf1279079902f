"""Reading the event log (the live feed behind SSE and ``--wait``) and queued jobs' states."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models_ops import Event
from editron.db.repos.events import SETTLE_SECONDS
from editron.db.runtime import db
from editron.errors import NotFoundError

__all__ = ["EventPublic", "JobState", "job_state", "latest_event_id", "read_events"]


class EventPublic(BaseModel):
    id: int
    entity_type: str
    entity_id: str
    event_type: str
    batch_id: str | None
    session_id: str | None
    job_id: str | None
    payload: dict[str, Any]
    created_at: str

    @classmethod
    def of(cls, row: Event) -> EventPublic:
        return cls(id=row.id, entity_type=row.entity_type, entity_id=row.entity_id,
                   event_type=row.event_type, batch_id=row.batch_id,
                   session_id=row.session_id, job_id=row.job_id, payload=dict(row.payload),
                   created_at=row.created_at)


def read_events(settings: Settings, after: int, *, batch_id: str | None = None,
                session_id: str | None = None, job_id: str | None = None,
                limit: int = 1000) -> list[EventPublic]:
    """Events after ``after`` matching every given id, oldest first, for a follower that
    remembers the last id it saw (late commits with lower ids are waited for)."""
    with db(settings) as session:
        return [EventPublic.of(e) for e in repos.events.events_after(
            session, after, batch_id=batch_id, session_id=session_id, job_id=job_id,
            limit=limit, settle_seconds=SETTLE_SECONDS)]


def latest_event_id(settings: Settings) -> int:
    with db(settings) as session:
        return repos.events.latest_event_id(session)


class JobState(BaseModel):
    id: str
    operation: str
    status: str
    attempts: int


def job_state(job_id: str, *, settings: Settings) -> JobState:
    """Where a queued job is (NotFoundError for an unknown id)."""
    with db(settings) as session:
        snap = repos.job_runs.get_run(session, job_id)
        if snap is None:
            raise NotFoundError("job", job_id)
        return JobState(id=snap.id, operation=snap.operation, status=snap.status,
                        attempts=snap.attempts)
