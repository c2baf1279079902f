"""Queue workers as the operator sees them (``editron workers``, ``GET /api/workers``, the
``list_workers`` MCP tool), and the service's health: ``degraded`` when a queue holds work
that no live worker taking work serves."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from editron import __version__
from editron.config import Settings
from editron.db import repos
from editron.db.repos.workers import WorkerView
from editron.db.runtime import db, ready
from editron.errors import QueueError
from editron.jobs.app import huey_for
from editron.jobs.registry import DEFAULT_QUEUE, get_operation, registered_operations
from editron.services.schemas import documented

__all__ = ["Health", "QueueHealth", "WorkerList", "WorkerPublic", "health", "list_workers"]

_WORKER_EXAMPLE = {
    "id": "render-2:4121:9f3a1c", "host": "render-2", "pid": 4121,
    "queues": ["render"], "concurrency": 2, "render_slots": 8,
    "current_jobs": ["0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"], "accepting": True,
    "disk_free_bytes": 412_316_860_416, "disk_detail": None,
    "started_at": "2026-12-02T08:00:01.120000Z", "heartbeat_at": "2026-12-02T09:14:57.031000Z",
    "stopped_at": None, "alive": True, "heartbeat_age_seconds": 1.9,
}


class WorkerPublic(BaseModel):
    """One worker process: what it serves and runs, whether it takes work (its free disk),
    and its last heartbeat on the database's clock."""

    model_config = documented(_WORKER_EXAMPLE)

    id: str
    host: str
    pid: int
    queues: list[str]
    concurrency: int
    render_slots: int
    current_jobs: list[str]
    accepting: bool
    disk_free_bytes: int | None = None
    disk_detail: str | None = None  # why it refuses work, while it does
    started_at: str
    heartbeat_at: str
    stopped_at: str | None = None
    alive: bool
    heartbeat_age_seconds: float


class WorkerList(BaseModel):
    model_config = documented({"checked_at": "2026-12-02T09:14:58.930000Z",
                               "items": [_WORKER_EXAMPLE]})

    checked_at: str  # the database's time when the list was read
    items: list[WorkerPublic]


def _age(now: str, then: str) -> float:
    delta = datetime.fromisoformat(now) - datetime.fromisoformat(then)
    return round(max(0.0, delta.total_seconds()), 3)


def _public(view: WorkerView, now: str) -> WorkerPublic:
    return WorkerPublic(id=view.id, host=view.host, pid=view.pid, queues=list(view.queues),
                        concurrency=view.concurrency, render_slots=view.render_slots,
                        current_jobs=list(view.current_jobs), accepting=view.accepting,
                        disk_free_bytes=view.disk_free_bytes, disk_detail=view.disk_detail,
                        started_at=view.started_at, heartbeat_at=view.heartbeat_at,
                        stopped_at=view.stopped_at, alive=view.alive,
                        heartbeat_age_seconds=_age(now, view.heartbeat_at))


def list_workers(*, alive_only: bool = False,
                 settings: Settings | None = None) -> WorkerList:
    """Every worker seen in the last day, live ones first (``alive_only``: those alone)."""
    settings = ready(settings)
    with db(settings) as session:
        now = repos.workers.clock(session)
        views = repos.workers.list_workers(session,
                                           stale_after=settings.job_stale_after_seconds,
                                           include_dead=not alive_only)
    return WorkerList(checked_at=now, items=[_public(v, now) for v in views])


class QueueHealth(BaseModel):
    model_config = documented({"queue": "render", "waiting": 3, "workers": 0, "refusing": 1})

    queue: str
    waiting: int  # jobs queued (or waiting for a retry) on it, or held by a dead worker
    workers: int  # live workers serving it that take work
    refusing: int = 0  # live workers serving it that take none (free disk under the floor)


class Health(BaseModel):
    model_config = documented({
        "status": "degraded", "version": "0.9.0",
        "queues": [{"queue": "render", "waiting": 3, "workers": 0}],
        "problems": ["3 jobs wait on the render queue and no live worker serves it"]})

    status: str  # ok, or degraded when a queue with work has no worker
    # The details, given over HTTP only to a reader's token (None in the open answer).
    version: str | None = None
    queues: list[QueueHealth] | None = None
    problems: list[str] | None = None

    def brief(self) -> Health:
        """The answer for a request without a reader's token: the status alone."""
        return Health(status=self.status)


def _queue_of(operation: str) -> str:
    try:
        return get_operation(operation).queue
    except QueueError:
        return DEFAULT_QUEUE


def _queues(settings: Settings) -> list[QueueHealth]:
    with db(settings) as session:
        waiting = repos.job_runs.queued_by_operation(
            session, stale_after=settings.job_stale_after_seconds)
        live = repos.workers.list_workers(session, stale_after=settings.job_stale_after_seconds,
                                          include_dead=False)
    by_queue: dict[str, int] = {}
    for operation, count in waiting.items():
        queue = _queue_of(operation)
        by_queue[queue] = by_queue.get(queue, 0) + count
    names = sorted({_queue_of(op) for op in registered_operations()} | set(by_queue))
    return [QueueHealth(queue=q, waiting=by_queue.get(q, 0),
                        workers=sum(1 for w in live if q in w.queues and w.accepting),
                        refusing=sum(1 for w in live if q in w.queues and not w.accepting))
            for q in names]


def _problem(q: QueueHealth) -> str:
    jobs = f"{q.waiting} job{'s' if q.waiting != 1 else ''} wait on the {q.queue} queue"
    if q.refusing:
        return (f"{jobs} and its live workers take no work (free disk under the floor; "
                "`editron workers` says which)")
    return f"{jobs} and no live worker serves it"


def health(*, settings: Settings | None = None) -> Health:
    """``ok`` when the database answers and every queue holding work has a live worker taking
    work; ``degraded`` (naming the queues) otherwise. DatabaseError when the database is
    down. An ``immediate://`` queue runs jobs inside the request and needs no worker."""
    settings = ready(settings)
    if huey_for(settings).immediate:
        with db(settings) as session:
            repos.workers.clock(session)  # the database answers
        return Health(status="ok", version=__version__, queues=[], problems=[])
    queues = _queues(settings)
    problems = [_problem(q) for q in queues if q.waiting and not q.workers]
    return Health(status="degraded" if problems else "ok", version=__version__,
                  queues=queues, problems=problems)
