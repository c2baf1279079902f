"""The Huey app: SQLite storage by default, Redis (priority queue) for many machines.

The queue message carries only a ``job_runs`` id; the row carries the work. That makes the
queue at-least-once: a worker killed mid-job leaves a ``running`` row whose heartbeat goes
stale, and the recovery sweep (on worker start and every 30 s) puts it back on the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab

from editron.config import Settings, get_settings
from editron.db.session import session_scope
from editron.domain.status import Priority
from editron.errors import EditronError, QueueError
from editron.jobs import runs
from editron.jobs.registry import get_operation
from editron.logs import bind

__all__ = ["WORKER_ID", "enqueue", "execute_job", "get_huey", "make_huey", "recover_jobs"]

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
QUEUED_GRACE_SECONDS = 600.0
RUN_JOB = "editron.run_job"


def make_huey(queue_url: str, *, name: str = "editron") -> Huey:
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name=name, filename=str(path), results=False)
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey(name=name, url=queue_url, results=False)
    raise QueueError(
        f"unsupported EDITRON_QUEUE_URL {queue_url!r}: use sqlite:///path or redis://host:port/db")


_RUN_JOB: dict[str, Any] = {}


@lru_cache(maxsize=4)
def get_huey(queue_url: str) -> Huey:
    """The process's Huey for ``queue_url``, with Editron's tasks registered on it."""
    huey = make_huey(queue_url)

    @huey.task(name=RUN_JOB)
    def run_job(job_id: str) -> None:
        execute_job(job_id, get_settings())

    _RUN_JOB[queue_url] = run_job

    @huey.periodic_task(crontab(minute="*"), name="editron.recover_jobs")
    def sweep() -> None:
        recover_jobs(get_settings())

    return huey


def _send(settings: Settings, job_id: str, priority: str, *, delay: float = 0.0) -> None:
    huey = get_huey(settings.resolved_queue_url)
    wrapper = _RUN_JOB[settings.resolved_queue_url]
    huey.enqueue(wrapper.s(job_id, priority=Priority(priority).rank, delay=delay or None))


def enqueue(operation: str, arguments: dict[str, Any], *, settings: Settings | None = None,
            priority: str = Priority.STANDARD.value, entity_type: str | None = None,
            entity_id: str | None = None, max_attempts: int | None = None) -> str:
    """Record the job durably, then put its id on the queue. Returns the job id."""
    settings = settings or get_settings()
    get_operation(operation)  # unknown operations fail here, not in a worker
    with session_scope(settings.resolved_database_url) as session:
        run = runs.create_run(session, operation=operation, arguments=arguments,
                              priority=Priority(priority).value, entity_type=entity_type,
                              entity_id=entity_id,
                              max_attempts=max_attempts or settings.job_max_attempts)
        job_id = run.id
    _send(settings, job_id, priority)
    return job_id


class _Heartbeat:
    def __init__(self, settings: Settings, job_id: str) -> None:
        self._settings, self._job_id = settings, job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id[:8]}",
                                        daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self._settings.job_heartbeat_seconds):
            try:
                with session_scope(self._settings.resolved_database_url) as session:
                    runs.heartbeat(session, self._job_id, WORKER_ID)
            except Exception:  # a missed beat is retried; never kill the job for it
                log.warning("heartbeat for job %s failed", self._job_id, exc_info=True)


def _give_up(settings: Settings, snap: runs.RunSnapshot, reason: str) -> None:
    # The entity is made consistent first, so a reader who sees the job failed sees it too.
    operation = get_operation(snap.operation)
    if operation.on_give_up is not None:
        try:
            operation.on_give_up(snap.arguments, reason, settings)
        except Exception:
            log.exception("give-up hook of %s failed", snap.operation)
    with session_scope(settings.resolved_database_url) as session:
        runs.finish(session, snap.id, status="failed", error=reason)


def execute_job(job_id: str, settings: Settings) -> None:
    """Claim and run one job (what a worker does with a queue message)."""
    url = settings.resolved_database_url
    with session_scope(url) as session:
        snap = runs.claim(session, job_id, worker_id=WORKER_ID,
                          stale_after=settings.job_stale_after_seconds)
    if snap is None:
        return  # done already, or held by a live worker: a duplicate message
    with bind(job_id=job_id):
        if snap.attempts > snap.max_attempts:
            _give_up(settings, snap, f"stopped after {snap.max_attempts} attempts")
            return
        operation = get_operation(snap.operation)
        started = time.monotonic()
        try:
            with _Heartbeat(settings, job_id):
                operation.run(snap.arguments, settings)
        except operation.transient as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if snap.attempts < snap.max_attempts:
                with session_scope(url) as session:
                    runs.release_for_retry(session, job_id, error=reason)
                _send(settings, job_id, snap.priority, delay=min(60.0, 2.0 ** snap.attempts))
                log.warning("job %s (%s) will retry: %s", job_id, snap.operation, reason)
            else:
                _give_up(settings, snap, reason)
            return
        except EditronError as exc:
            _give_up(settings, snap, str(exc))
            return
        except Exception as exc:
            log.exception("job %s (%s) crashed", job_id, snap.operation)
            _give_up(settings, snap, f"{type(exc).__name__}: {exc}")
            return
        with session_scope(url) as session:
            runs.finish(session, job_id, status="done")
        log.info("job %s (%s) done in %.1f s", job_id, snap.operation,
                 time.monotonic() - started)


def recover_jobs(settings: Settings, *, queued_grace: float = QUEUED_GRACE_SECONDS) -> list[str]:
    """Put back on the queue every job whose worker died, or that the queue lost."""
    url = settings.resolved_database_url
    with session_scope(url) as session:
        stale = runs.stale_runs(session, stale_after=settings.job_stale_after_seconds,
                                queued_grace=queued_grace)
        found = [(r.id, r.priority, r.status) for r in stale]
    if not found:
        return []
    pending: set[str] = set()
    if any(status == "queued" for _, _, status in found):
        huey = get_huey(settings.resolved_queue_url)
        waiting = [*huey.pending(), *huey.scheduled()]
        pending = {str(t.args[0]) for t in waiting if t.args}
    requeued = []
    for job_id, priority, status in found:
        if status == "queued" and job_id in pending:
            continue
        _send(settings, job_id, priority)
        requeued.append(job_id)
        log.warning("re-queued job %s (was %s)", job_id, status)
    return requeued
