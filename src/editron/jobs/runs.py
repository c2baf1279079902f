"""The durable job record (``job_runs``): claimed with a lease, kept alive by heartbeats,
re-queued by the recovery sweep when its worker dies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from editron.db.events import append_event
from editron.db.models import JobRun, utcnow

__all__ = ["RunSnapshot", "claim", "create_run", "finish", "heartbeat", "release_for_retry",
           "stale_runs"]


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    id: str
    operation: str
    arguments: dict[str, Any]
    attempts: int
    max_attempts: int
    priority: str


def _ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_run(session: Session, *, operation: str, arguments: dict[str, Any], priority: str,
               entity_type: str | None, entity_id: str | None, max_attempts: int) -> JobRun:
    run = JobRun(operation=operation, arguments=arguments, priority=priority,
                 entity_type=entity_type, entity_id=entity_id, max_attempts=max_attempts,
                 status="queued")
    session.add(run)
    session.flush()
    append_event(session, entity_type="job", entity_id=run.id, event_type="job.queued",
                 payload={"operation": operation, "priority": priority},
                 batch_id=entity_id if entity_type == "batch" else None)
    return run


def claim(session: Session, run_id: str, *, worker_id: str, stale_after: float
          ) -> RunSnapshot | None:
    """Atomically take the job if it is queued, or running with a dead lease; else None.

    A duplicate queue message for a job that is done, or held by a live worker, does nothing.
    """
    now = utcnow()
    result = session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .where(or_(JobRun.status == "queued",
                   (JobRun.status == "running") & (JobRun.heartbeat_at < _ago(stale_after))))
        .values(status="running", worker_id=worker_id, heartbeat_at=now,
                attempts=JobRun.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    run = session.get(JobRun, run_id)
    assert run is not None
    session.refresh(run)
    append_event(session, entity_type="job", entity_id=run.id, event_type="job.started",
                 payload={"operation": run.operation, "attempt": run.attempts,
                          "worker": worker_id},
                 batch_id=run.entity_id if run.entity_type == "batch" else None)
    return RunSnapshot(run.id, run.operation, dict(run.arguments), run.attempts,
                       run.max_attempts, run.priority)


def heartbeat(session: Session, run_id: str, worker_id: str) -> bool:
    result = session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.worker_id == worker_id,
                             JobRun.status == "running")
        .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish(session: Session, run_id: str, *, status: str, error: str | None = None) -> None:
    run = session.get(JobRun, run_id)
    if run is None:
        return
    run.status = status
    run.last_error = error
    run.updated_at = utcnow()
    append_event(session, entity_type="job", entity_id=run.id, event_type=f"job.{status}",
                 payload={"operation": run.operation, "attempts": run.attempts,
                          "error": error},
                 batch_id=run.entity_id if run.entity_type == "batch" else None)


def release_for_retry(session: Session, run_id: str, *, error: str) -> None:
    run = session.get(JobRun, run_id)
    if run is None:
        return
    run.status = "queued"
    run.worker_id = None
    run.last_error = error
    run.updated_at = utcnow()
    append_event(session, entity_type="job", entity_id=run.id, event_type="job.retrying",
                 payload={"operation": run.operation, "attempts": run.attempts, "error": error},
                 batch_id=run.entity_id if run.entity_type == "batch" else None)


def stale_runs(session: Session, *, stale_after: float, queued_grace: float) -> list[JobRun]:
    """Running jobs whose worker stopped heartbeating, and queued jobs nobody picked up."""
    query = select(JobRun).where(or_(
        (JobRun.status == "running") & (JobRun.heartbeat_at < _ago(stale_after)),
        (JobRun.status == "queued") & (JobRun.updated_at < _ago(queued_grace)),
    ))
    return list(session.scalars(query))
