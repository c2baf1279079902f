"""The durable job record (``job_runs``), the source of truth the queue messages point at.

Every change of status is one guarded ``UPDATE`` (compare-and-set on status, and on the
worker holding the lease), so two workers, or a worker and the recovery sweep, racing on
the same row cannot both win. A queue message is only a hint to look at a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from editron.db.models_ops import JobRun
from editron.db.orm import db_time
from editron.db.repos.base import set_status
from editron.db.repos.events import append_event

__all__ = [
    "RunSnapshot",
    "cancel",
    "claim",
    "create_run",
    "fail_stale",
    "fail_unsent",
    "find_queued",
    "finish",
    "get_run",
    "heartbeat",
    "latest_for",
    "lost_queued",
    "queued_by_operation",
    "release",
    "requeue_stale",
    "stale_running",
    "touch_queued",
]


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """What a worker needs from the row, detached from the session."""

    id: str
    operation: str
    arguments: dict[str, Any]
    attempts: int
    max_attempts: int
    priority: str
    status: str = "running"
    worker_id: str | None = None
    heartbeat_at: str | None = None
    last_error: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    created_at: str | None = None


def _ago(seconds: float) -> db_time:
    # Every lease time is written and compared on the database's clock, never a host's.
    return db_time(seconds)


def _snapshot(run: JobRun) -> RunSnapshot:
    return RunSnapshot(run.id, run.operation, dict(run.arguments), run.attempts,
                       run.max_attempts, run.priority, run.status, run.worker_id,
                       run.heartbeat_at, run.last_error, run.entity_type, run.entity_id,
                       run.created_at)


def _move(session: Session, run_id: str, status: str, *guard: ColumnElement[bool],
          note: dict[str, Any] | None = None, **values: Any) -> JobRun | None:
    """Compare-and-set the job's status (with ``values``) if the row still matches ``guard``;
    the updated row, or None when another worker or sweep got there first."""
    run = session.get(JobRun, run_id)
    if run is None:
        return None
    scope = {"batch_id": run.entity_id if run.entity_type == "batch" else None}
    moved = set_status(session, run, status, entity_type="job", label="job", guard=guard,
                       values=values, strict=False, scope=scope,
                       payload={"operation": run.operation, **(note or {})})
    return run if moved else None


def create_run(session: Session, *, operation: str, arguments: dict[str, Any], priority: str,
               entity_type: str | None, entity_id: str | None, max_attempts: int) -> JobRun:
    run = JobRun(operation=operation, arguments=arguments, priority=priority,
                 entity_type=entity_type, entity_id=entity_id, max_attempts=max_attempts,
                 status="queued", attempts=0)
    session.add(run)
    session.flush()
    append_event(session, entity_type="job", entity_id=run.id, event_type="job.created",
                 payload={"operation": operation, "status": run.status, "priority": priority},
                 batch_id=entity_id if entity_type == "batch" else None)
    return run


def find_queued(session: Session, *, operation: str, entity_id: str) -> str | None:
    """The id of a job of ``operation`` on ``entity_id`` still waiting to start, if any."""
    query = select(JobRun.id).where(JobRun.operation == operation,
                                    JobRun.entity_id == entity_id, JobRun.status == "queued")
    return session.scalars(query.order_by(JobRun.created_at).limit(1)).first()


def latest_for(session: Session, *, entity_id: str | Sequence[str],
               operations: tuple[str, ...] | None = None) -> RunSnapshot | None:
    """The newest job (queued or in-process) on ``entity_id`` (or on any of several ids; of
    one of ``operations``), whatever its status."""
    ids = [entity_id] if isinstance(entity_id, str) else list(entity_id)
    query = select(JobRun).where(JobRun.entity_id.in_(ids))
    if operations is not None:
        query = query.where(JobRun.operation.in_(operations))
    run = session.scalars(query.order_by(JobRun.created_at.desc(), JobRun.id).limit(1)).first()
    return None if run is None else _snapshot(run)


def get_run(session: Session, run_id: str) -> RunSnapshot | None:
    run = session.get(JobRun, run_id)
    return None if run is None else _snapshot(run)


def claim(session: Session, run_id: str, *, worker_id: str) -> RunSnapshot | None:
    """Take a queued job and count the attempt; None when it is not queued any more.

    Only ``queued`` rows are claimable: a duplicate message for a job that is running, done,
    failed or cancelled does nothing. Dead leases are turned back into ``queued`` by the
    recovery sweep, the one place that decides between another attempt and giving up.
    """
    run = _move(session, run_id, "running", JobRun.status == "queued",
                note={"worker": worker_id}, worker_id=worker_id, heartbeat_at=db_time(),
                attempts=JobRun.attempts + 1)
    return None if run is None else _snapshot(run)


def heartbeat(session: Session, run_id: str, worker_id: str) -> bool:
    """Renew the lease; False when it was lost (the sweep gave the job to someone else)."""
    result = session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.worker_id == worker_id,
                             JobRun.status == "running")
        .values(heartbeat_at=db_time()).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finish(session: Session, run_id: str, *, worker_id: str, status: str,
           error: str | None = None) -> bool:
    """End a job this worker holds (done or failed); False when the lease was lost.

    A job done after a retry keeps the error that caused the retry, for the operator.
    """
    values: dict[str, Any] = {} if error is None else {"last_error": error}
    return _move(session, run_id, status, JobRun.status == "running",
                 JobRun.worker_id == worker_id, note={"error": error}, **values) is not None


def release(session: Session, run_id: str, *, worker_id: str, error: str,
            refund_attempt: bool = False) -> RunSnapshot | None:
    """Hand a held job back to the queue (a retry, or a worker shutting down)."""
    attempts = JobRun.attempts - 1 if refund_attempt else JobRun.attempts
    run = _move(session, run_id, "queued", JobRun.status == "running",
                JobRun.worker_id == worker_id, note={"error": error}, worker_id=None,
                last_error=error, attempts=attempts)
    return None if run is None else _snapshot(run)


def cancel(session: Session, run_id: str) -> bool:
    """Cancel a job that has not started; its queue message will then do nothing."""
    return _move(session, run_id, "cancelled", JobRun.status == "queued") is not None


def fail_unsent(session: Session, run_id: str, *, error: str) -> bool:
    """Fail a queued job whose message could not be sent (the caller was told it failed)."""
    return _move(session, run_id, "failed", JobRun.status == "queued", note={"error": error},
                 last_error=error) is not None


def stale_running(session: Session, *, stale_after: float) -> list[RunSnapshot]:
    """Running jobs whose worker stopped heartbeating."""
    query = select(JobRun).where(JobRun.status == "running",
                                 JobRun.heartbeat_at < _ago(stale_after))
    return [_snapshot(r) for r in session.scalars(query)]


def _stale_lease(snap: RunSnapshot, stale_after: float) -> list[ColumnElement[bool]]:
    # The same lease the sweep saw, still dead: a worker that came back in between wins.
    return [JobRun.status == "running", JobRun.worker_id == snap.worker_id,
            JobRun.heartbeat_at < _ago(stale_after)]


def requeue_stale(session: Session, snap: RunSnapshot, *, stale_after: float) -> bool:
    reason = f"worker {snap.worker_id} stopped heartbeating during attempt {snap.attempts}"
    return _move(session, snap.id, "queued", *_stale_lease(snap, stale_after),
                 note={"error": reason}, worker_id=None, last_error=reason) is not None


def fail_stale(session: Session, snap: RunSnapshot, *, stale_after: float, reason: str) -> bool:
    return _move(session, snap.id, "failed", *_stale_lease(snap, stale_after),
                 note={"error": reason}, last_error=reason) is not None


def lost_queued(session: Session, *, older_than: float) -> list[RunSnapshot]:
    """Queued jobs not touched for ``older_than`` seconds (their message may be lost)."""
    query = select(JobRun).where(JobRun.status == "queued",
                                 JobRun.updated_at <= _ago(older_than))
    return [_snapshot(r) for r in session.scalars(query)]


def queued_by_operation(session: Session, *, stale_after: float | None = None
                        ) -> dict[str, int]:
    """How many jobs of each operation wait to start; with ``stale_after``, also the running
    ones whose worker stopped heartbeating that long ago (stranded until a sweep re-queues
    them, which only a live worker does)."""
    waiting = JobRun.status == "queued"
    if stale_after is not None:
        waiting = or_(waiting, and_(JobRun.status == "running",
                                    JobRun.heartbeat_at < _ago(stale_after)))
    query = (select(JobRun.operation, func.count()).where(waiting)
             .group_by(JobRun.operation))
    return {str(op): int(n) for op, n in session.execute(query)}


def touch_queued(session: Session, run_id: str, *, older_than: float) -> bool:
    """Stamp a queued job as re-sent; False if another sweep (or a worker) got there first."""
    result = session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.status == "queued",
                             JobRun.updated_at <= _ago(older_than))
        .values(updated_at=db_time()).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
