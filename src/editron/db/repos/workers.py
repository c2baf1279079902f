"""Queue workers' liveness rows (``workers``): a worker writes its own row when it starts,
renews it every heartbeat (what it runs, whether its disk lets it take work) and stamps it
stopped when it exits. Liveness is judged on the database's clock, like job leases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from editron.db.models_ops import QueueWorker
from editron.db.orm import db_time

__all__ = ["WorkerState", "WorkerView", "clock", "list_workers", "prune", "register",
           "renew", "stop"]


@dataclass(frozen=True, slots=True)
class WorkerState:
    """What a worker reports about itself on each heartbeat."""

    current_jobs: tuple[str, ...] = ()
    accepting: bool = True
    disk_free_bytes: int | None = None
    disk_detail: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerView:
    """A row as readers see it, with ``alive`` decided on the database's clock."""

    id: str
    host: str
    pid: int
    queues: tuple[str, ...]
    concurrency: int
    render_slots: int
    current_jobs: tuple[str, ...]
    accepting: bool
    disk_free_bytes: int | None
    disk_detail: str | None
    started_at: str
    heartbeat_at: str
    stopped_at: str | None
    alive: bool


def clock(session: Session) -> str:
    """The database's time now, as the rows store it."""
    return str(session.scalar(select(db_time())))


def register(session: Session, *, worker_id: str, host: str, pid: int,
             queues: Sequence[str], concurrency: int, render_slots: int,
             state: WorkerState) -> None:
    """Write (or rewrite, for a worker started again in one process) this worker's row."""
    values: dict[str, Any] = {
        "host": host, "pid": pid, "queues": list(queues), "concurrency": concurrency,
        "render_slots": render_slots, "current_jobs": list(state.current_jobs),
        "accepting": state.accepting, "disk_free_bytes": state.disk_free_bytes,
        "disk_detail": state.disk_detail, "started_at": db_time(), "heartbeat_at": db_time(),
        "stopped_at": None}
    if session.get(QueueWorker, worker_id) is None:
        session.add(QueueWorker(id=worker_id, **values))
        session.flush()
        return
    session.execute(update(QueueWorker).where(QueueWorker.id == worker_id).values(**values)
                    .execution_options(synchronize_session=False))


def renew(session: Session, worker_id: str, state: WorkerState) -> bool:
    """The heartbeat; False when the row is gone (pruned, or the worker stopped)."""
    result = session.execute(
        update(QueueWorker).where(QueueWorker.id == worker_id,
                                  QueueWorker.stopped_at.is_(None))
        .values(heartbeat_at=db_time(), current_jobs=list(state.current_jobs),
                accepting=state.accepting, disk_free_bytes=state.disk_free_bytes,
                disk_detail=state.disk_detail)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def stop(session: Session, worker_id: str) -> None:
    session.execute(update(QueueWorker).where(QueueWorker.id == worker_id)
                    .values(stopped_at=db_time(), current_jobs=[], heartbeat_at=db_time())
                    .execution_options(synchronize_session=False))


def list_workers(session: Session, *, stale_after: float,
                 include_dead: bool = True) -> list[WorkerView]:
    """Every worker row, live ones first then newest heartbeat first. A worker is alive when
    it has not stopped and its heartbeat is under ``stale_after`` seconds old."""
    alive = case((QueueWorker.stopped_at.is_(None)
                  & (QueueWorker.heartbeat_at >= db_time(stale_after)), True), else_=False)
    query = select(QueueWorker, alive.label("alive"))
    if not include_dead:
        query = query.where(QueueWorker.stopped_at.is_(None),
                            QueueWorker.heartbeat_at >= db_time(stale_after))
    rows = session.execute(query.order_by(alive.desc(), QueueWorker.heartbeat_at.desc(),
                                          QueueWorker.id))
    return [WorkerView(w.id, w.host, w.pid, tuple(w.queues), w.concurrency, w.render_slots,
                       tuple(w.current_jobs), bool(w.accepting), w.disk_free_bytes,
                       w.disk_detail, w.started_at, w.heartbeat_at, w.stopped_at, bool(live))
            for w, live in rows]


def prune(session: Session, *, older_than: float) -> int:
    """Remove rows whose last heartbeat is older than ``older_than`` seconds; how many."""
    result = session.execute(delete(QueueWorker)
                             .where(QueueWorker.heartbeat_at < db_time(older_than))
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
