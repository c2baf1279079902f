"""Render jobs: one per (session, aspect ratio, variant, format), ordered by priority."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from editron.db.models import EditSession, RenderJob
from editron.db.models_ops import Event
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise, set_status
from editron.db.repos.events import append_event
from editron.domain.status import JOB_TRANSITIONS, JobStatus, Priority
from editron.errors import InvalidStateError

__all__ = [
    "create_render_job",
    "get_render_job",
    "list_render_jobs",
    "next_queued_render_job",
    "recent_finished_jobs",
    "set_job_progress",
    "set_job_status",
    "update_render_job",
]

_UPDATABLE = frozenset(c.key for c in RenderJob.__mapper__.column_attrs) - {
    "id", "edit_session_id", "created_at", "status", "progress_percent"}

# rush > standard > low; the rank lives in the domain so Huey and SQL agree.
_PRIORITY_RANK = case({p.value: p.rank for p in Priority}, value=RenderJob.priority, else_=-1)


def _batch_of(session: Session, edit_session_id: str) -> str | None:
    return session.scalar(select(EditSession.batch_id).where(EditSession.id == edit_session_id))


def create_render_job(session: Session, *, edit_session_id: str, aspect_ratio: str,
                      format: str, profile: str, variant: int = 1,
                      destination: str | None = None,
                      priority: Priority = Priority.STANDARD) -> RenderJob:
    row = RenderJob(edit_session_id=edit_session_id, aspect_ratio=aspect_ratio, format=format,
                    profile=profile, variant=variant, destination=destination,
                    priority=priority.value, status=JobStatus.QUEUED.value,
                    progress_percent=0.0)
    session.add(row)
    session.flush()
    append_event(session, entity_type="render_job", entity_id=row.id,
                 event_type="render_job.created", session_id=edit_session_id,
                 batch_id=_batch_of(session, edit_session_id),
                 payload={"status": row.status, "priority": row.priority,
                          "aspect_ratio": aspect_ratio, "format": format, "variant": variant})
    return row


def get_render_job(session: Session, job_id: str) -> RenderJob:
    return get_or_raise(session, RenderJob, "render job", job_id)


def list_render_jobs(session: Session, *, edit_session_id: str | None = None,
                     status: JobStatus | None = None, limit: int | None = None
                     ) -> list[RenderJob]:
    """In the order they would run: priority, then age (the first ``limit`` when given)."""
    query = select(RenderJob)
    if edit_session_id is not None:
        query = query.where(RenderJob.edit_session_id == edit_session_id)
    if status is not None:
        query = query.where(RenderJob.status == status.value)
    query = query.order_by(_PRIORITY_RANK.desc(), RenderJob.created_at, RenderJob.id)
    return list(session.scalars(query if limit is None else query.limit(limit)))


def recent_finished_jobs(session: Session, *, limit: int = 50) -> list[RenderJob]:
    """The most recently finished (complete, failed, cancelled) jobs, newest first."""
    finished = [s.value for s in (JobStatus.COMPLETE, JobStatus.FAILED, JobStatus.CANCELLED)]
    query = (select(RenderJob).where(RenderJob.status.in_(finished))
             .order_by(RenderJob.updated_at.desc(), RenderJob.id.desc()).limit(limit))
    return list(session.scalars(query))


def next_queued_render_job(session: Session, *, lock: bool = False) -> RenderJob | None:
    """The queued job to run next: rush before standard before low, oldest first.

    ``lock=True`` takes the row with FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers
    claiming at once get different jobs (SQLite serialises writers anyway)."""
    query = (select(RenderJob).where(RenderJob.status == JobStatus.QUEUED.value)
             .order_by(_PRIORITY_RANK.desc(), RenderJob.created_at, RenderJob.id).limit(1))
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def set_job_status(session: Session, row: RenderJob, status: JobStatus, *,
                   last_error: str | None = None) -> RenderJob:
    """Move along the render-job status machine and log it; stamps started/completed times
    and counts attempts. An illegal move raises InvalidStateError and changes nothing."""
    if status not in JOB_TRANSITIONS[JobStatus(row.status)]:
        raise InvalidStateError(
            f"render job {row.id} is {row.status}; it cannot become {status.value}")
    now = utcnow()
    if status is JobStatus.RENDERING:
        row.attempts += 1
        row.started_at = now
        row.completed_at = None
    elif status is JobStatus.QUEUED:
        row.progress_percent = 0.0
    elif status is JobStatus.COMPLETE:
        row.progress_percent = 100.0
        row.completed_at = now
    else:
        row.completed_at = now
    if status is JobStatus.FAILED:
        row.last_error = last_error
    payload: dict[str, Any] = {"progress_percent": row.progress_percent}
    if last_error:
        payload["error"] = last_error
    set_status(session, row, status.value, entity_type="render_job", label="render job",
               scope={"session_id": row.edit_session_id,
                      "batch_id": _batch_of(session, row.edit_session_id)},
               payload=payload)
    return row


def set_job_progress(session: Session, row: RenderJob, percent: float, *,
                     eta_seconds: float | None = None, fps: float | None = None,
                     speed: float | None = None) -> RenderJob:
    """Record progress (clamped to 0..100) and log it with the ETA and encode speed when
    known; the runner decides how often."""
    row.progress_percent = max(0.0, min(100.0, float(percent)))
    row.updated_at = utcnow()
    payload: dict[str, Any] = {"progress_percent": round(row.progress_percent, 2)}
    for key, value in (("eta_seconds", eta_seconds), ("fps", fps), ("speed", speed)):
        if value is not None:
            payload[key] = round(float(value), 2)
    append_event(session, entity_type="render_job", entity_id=row.id,
                 event_type="render_job.progress", session_id=row.edit_session_id,
                 batch_id=_batch_of(session, row.edit_session_id), payload=payload)
    session.flush()
    return row


def latest_progress(session: Session, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each job's last progress payload (percent, ETA, fps, speed as the runner logged them),
    by job id; jobs that logged none are left out. One query for a page of jobs."""
    if not job_ids:
        return {}
    last = (select(func.max(Event.id))
            .where(Event.entity_type == "render_job", Event.entity_id.in_(job_ids),
                   Event.event_type == "render_job.progress")
            .group_by(Event.entity_id))
    rows = session.execute(select(Event.entity_id, Event.payload).where(Event.id.in_(last)))
    return {entity_id: dict(payload or {}) for entity_id, payload in rows}


def update_render_job(session: Session, row: RenderJob, **fields: Any) -> RenderJob:
    """Store output_urls, qc, destination...; status and progress have their own functions."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"RenderJob has no updatable column(s) {sorted(unknown)}")
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush()
    return row
