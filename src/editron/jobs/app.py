"""The Huey app: SQLite storage by default, Redis (priority queue) for many machines.

The queue message carries only a ``job_runs`` id; the row carries the work. Each kind of work
has a queue of its own (``Operation.queue``: ingest, analysis, render), one Huey named
``<queue_name>.<queue>`` on the same storage, so a worker host serves only the kinds it is
started for. The queue is at-least-once: a worker killed mid-job leaves a ``running`` row
whose heartbeat goes stale, and the recovery sweep (on worker start and every
``job_sweep_seconds``) puts it back on the queue, or gives up once its attempts are spent.

Queue URLs: ``sqlite:///relative/or/absolute/path`` (SqliteHuey), ``redis://``, ``rediss://``
or ``unix://`` (PriorityRedisHuey), and two in-process twins for tests: ``memory://`` (kept in
memory, needs an in-process worker) and ``immediate://`` (``enqueue`` runs the job inline).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey
from redis.exceptions import RedisError

from editron.config import Settings, get_settings
from editron.db.repos import job_runs
from editron.db.session import create_private, session_scope
from editron.domain.redact import redact_url
from editron.domain.status import Priority
from editron.errors import QueueError
from editron.jobs.registry import DEFAULT_QUEUE, JobPayload, get_operation, registered_queues

__all__ = ["RUN_JOB", "cancel_job", "clear_queues", "enqueue", "get_huey", "huey_for",
           "huey_name", "install_runner", "make_huey", "queued_job_ids", "resend",
           "send_job"]

log = logging.getLogger(__name__)
RUN_JOB = "editron.run_job"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(queue_url: str, *, name: str = "editron", immediate: bool = False) -> Huey:
    """A Huey for ``queue_url`` with no tasks registered (see :func:`get_huey`)."""
    if immediate or queue_url.startswith("immediate://"):
        # Huey's immediate mode runs each task inside enqueue(), on memory storage.
        return MemoryHuey(name=name, results=False, immediate=True)
    if queue_url.startswith("memory://"):
        return MemoryHuey(name=name, results=False)
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url.removeprefix("sqlite:///"))
        if not path.name:
            raise QueueError(f"queue URL {queue_url!r} names no file")
        try:
            create_private(path)  # 0600: the queue's messages name jobs
            return SqliteHuey(name=name, filename=str(path), results=False)
        except (OSError, sqlite3.Error) as exc:
            raise QueueError(f"cannot open the queue database: {exc}", path=str(path)) from exc
    if queue_url.startswith(_REDIS_SCHEMES):
        # Connects lazily: an unreachable server surfaces as QueueError in send_job(). Not
        # blocking: a worker polls each queue it serves in turn (jobs.worker), and a blocking
        # pop would hold it a second on an empty queue while another has work.
        return PriorityRedisHuey(name=name, url=queue_url, results=False, blocking=False)
    raise QueueError(f"unsupported EDITRON_QUEUE_URL {queue_url!r}: use sqlite:///path, "
                     "redis://host:port/db, memory:// or immediate://")


class _App:
    """A Huey with Editron's one task registered on it."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        # The settings of the worker (or inline caller) consuming this queue; a message
        # carries only the job id, so this is what the job runs with.
        self.settings: Settings | None = None

        @huey.task(name=RUN_JOB)
        def run_job(job_id: str) -> None:
            if _runner is None:
                raise QueueError("no job runner is installed in this process (import "
                                 "editron.jobs, which installs editron.jobs.execution's)")
            _runner(job_id, self.settings or get_settings())

        self.run_job = run_job


# What a message runs: ``execution.execute_job``, which installs itself when imported
# (``editron.jobs`` imports it), so this module needs nothing from the one that re-sends
# retries through it.
_runner: Callable[[str, Settings], None] | None = None


def install_runner(runner: Callable[[str, Settings], None]) -> None:
    global _runner
    _runner = runner


_apps: dict[tuple[str, str], _App] = {}
_apps_lock = threading.Lock()


def _app(queue_url: str, name: str) -> _App:
    with _apps_lock:
        app = _apps.get((queue_url, name))
        if app is None:
            app = _apps[(queue_url, name)] = _App(make_huey(queue_url, name=name))
        return app


def get_huey(queue_url: str, name: str = "editron") -> Huey:
    """The process's Huey for ``queue_url`` (one per URL and name), with the task registered."""
    return _app(queue_url, name).huey


def huey_name(settings: Settings, queue: str) -> str:
    """The Huey name (Redis keys, SQLite queue) of ``queue`` in this deployment."""
    return f"{settings.queue_name}.{queue}"


def huey_for(settings: Settings, queue: str = DEFAULT_QUEUE, *, bind: bool = False) -> Huey:
    """The Huey of ``queue`` for ``settings``; ``bind`` makes jobs it runs in this process
    use them."""
    app = _app(settings.resolved_queue_url, huey_name(settings, queue))
    if bind:
        app.settings = settings
    return app.huey


def _describe(settings: Settings) -> str:
    # Never echo a password from redis://user:secret@host.
    return redact_url(settings.resolved_queue_url)


def send_job(settings: Settings, job_id: str, priority: str, *, queue: str = DEFAULT_QUEUE,
             delay: float = 0.0) -> None:
    """Put a job id on ``queue`` (a hint: the row decides whether anything runs)."""
    app = _app(settings.resolved_queue_url, huey_name(settings, queue))
    huey = app.huey
    if huey.immediate:
        app.settings = settings  # the job runs right here, with the caller's settings
        delay = 0.0  # immediate mode never runs the schedule; retry inline instead
    message = app.run_job.s(job_id, priority=Priority(priority).rank, delay=delay or None)
    try:
        huey.enqueue(message)
    except (RedisError, sqlite3.Error, OSError) as exc:
        raise QueueError(f"cannot reach the job queue {_describe(settings)}: {exc}") from exc


def resend(settings: Settings, job_id: str, *, operation: str, priority: str,
           delay: float = 0.0) -> None:
    """Send a recorded job's id again (a retry, a recovered or handed-back job), on the queue
    of its operation (the default queue when this process does not know the operation: a
    worker that claims it then fails it, saying so)."""
    try:
        queue = get_operation(operation).queue
    except QueueError:
        queue = DEFAULT_QUEUE
    send_job(settings, job_id, priority, queue=queue, delay=delay)


def enqueue(operation: str, arguments: JobPayload | Mapping[str, Any], *,
            settings: Settings | None = None, priority: str = Priority.STANDARD.value,
            entity_type: str | None = None, entity_id: str | None = None,
            max_attempts: int | None = None) -> str:
    """Record the job durably, then put its id on the queue. Returns the job id.

    ``arguments`` is the operation's payload (or a mapping it validates); unknown operations
    and unusable arguments fail here, not in a worker. Raises QueueError when the queue cannot
    be reached; the job is then recorded as failed rather than left for the sweep, because the
    caller was told it did not start.
    """
    settings = settings or get_settings()
    op = get_operation(operation)
    payload = arguments if isinstance(arguments, op.payload) else op.load(
        arguments if isinstance(arguments, Mapping) else arguments.dump())
    rank = Priority(priority).value
    with session_scope(settings.resolved_database_url) as session:
        run = job_runs.create_run(session, operation=operation, arguments=payload.dump(),
                              priority=rank, entity_type=entity_type, entity_id=entity_id,
                              max_attempts=max_attempts or settings.job_max_attempts)
        job_id = run.id
    try:
        send_job(settings, job_id, rank, queue=op.queue)
    except QueueError as exc:
        with session_scope(settings.resolved_database_url) as session:
            job_runs.fail_unsent(session, job_id, error=str(exc))
        raise
    return job_id


def cancel_job(job_id: str, *, settings: Settings | None = None) -> bool:
    """Cancel a job that has not started yet; False if it already started or ended."""
    settings = settings or get_settings()
    with session_scope(settings.resolved_database_url) as session:
        return job_runs.cancel(session, job_id)


def queued_job_ids(settings: Settings) -> set[str]:
    """Ids of the jobs waiting in any queue or its schedule (delayed retries)."""
    waiting = []
    try:
        for queue in registered_queues():
            huey = huey_for(settings, queue)
            waiting += [*huey.pending(), *huey.scheduled()]
    except (RedisError, sqlite3.Error, OSError) as exc:
        raise QueueError(f"cannot read the job queue {_describe(settings)}: {exc}") from exc
    return {str(task.args[0]) for task in waiting if task.name == RUN_JOB and task.args}


def clear_queues(settings: Settings) -> None:
    """Drop every message of this deployment's queues (tests, benchmarks; the job rows stay,
    so the sweep sends the queued ones again)."""
    for queue in registered_queues():
        huey_for(settings, queue).flush()
