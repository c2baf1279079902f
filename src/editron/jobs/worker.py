"""A queue worker: recover orphaned jobs, then consume until told to stop.

Stopping (SIGINT, SIGTERM, or ``stop_event``) is graceful: no new job is taken, running jobs
get ``job_shutdown_grace_seconds`` to finish, and any still running after that are handed
back to the queue without spending an attempt, so the next worker starts them at once
instead of waiting for their lease to go stale. A second signal skips the wait.

``editron worker`` runs one: the CLI imports ``editron.services`` first, which registers every
operation (this module cannot: the queue sits below the services).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from huey.consumer import Consumer

from editron.config import Settings
from editron.db.repos import job_runs
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.errors import QueueError
from editron.jobs.app import huey_for, send_job
from editron.jobs.execution import WORKER_ID, held_jobs
from editron.jobs.recovery import Sweeper, recover_jobs

__all__ = ["Worker", "run_worker", "start_embedded_worker"]

log = logging.getLogger(__name__)
HEALTH_CHECK_SECONDS = 10.0


class _Consumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        """Editron owns the signals (and may run off the main thread)."""


class Worker:
    """Huey consumer threads plus the recovery sweeper, inside this process."""

    def __init__(self, settings: Settings, *, workers: int = 1) -> None:
        self.settings = ready(settings)
        huey = huey_for(self.settings, bind=True)
        if huey.immediate:
            raise QueueError("an immediate:// queue runs jobs inside enqueue(); it has no "
                             "worker")
        self._consumer = _Consumer(huey, workers=workers, worker_type="thread", periodic=True,
                                   initial_delay=0.05, backoff=1.15, max_delay=1.0,
                                   check_worker_health=False)
        self._sweeper = Sweeper(self.settings)
        self._force = threading.Event()

    def start(self) -> Worker:
        found = recover_jobs(self.settings, queued_grace=0.0)
        if found.requeued or found.resent or found.given_up:
            log.warning("start-up sweep: %d re-queued, %d re-sent, %d given up",
                        len(found.requeued), len(found.resent), len(found.given_up))
        self._consumer.start()
        self._sweeper.start()
        log.info("worker %s consuming %s", WORKER_ID, self.settings.queue_name)
        return self

    def check_health(self) -> None:
        self._consumer.check_worker_health()

    def force_stop(self) -> None:
        """Stop waiting for running jobs (a second signal)."""
        self._force.set()

    def stop(self, *, grace: float | None = None) -> list[str]:
        """Stop; returns the ids of jobs handed back because they did not finish in time."""
        grace = self.settings.job_shutdown_grace_seconds if grace is None else grace
        self._sweeper.stop()
        self._consumer.stop_flag.set()
        threads = [t for _, t in self._consumer.worker_threads] + [self._consumer.scheduler]
        deadline = time.monotonic() + grace
        while any(t.is_alive() for t in threads) and not self._force.is_set():
            if time.monotonic() >= deadline:
                break
            for thread in threads:
                thread.join(timeout=0.05)
        return self._hand_back()

    def _hand_back(self) -> list[str]:
        handed: list[str] = []
        for job_id in held_jobs():
            with session_scope(self.settings.resolved_database_url) as session:
                snap = job_runs.release(session, job_id, worker_id=WORKER_ID, refund_attempt=True,
                                    error=f"worker {WORKER_ID} shut down mid-job")
            if snap is None:
                continue
            try:
                send_job(self.settings, job_id, snap.priority)
            except QueueError:
                log.warning("job %s handed back but not re-sent; the sweep will", job_id)
            handed.append(job_id)
            log.warning("job %s (%s) handed back to the queue at shutdown", job_id,
                        snap.operation)
        return handed


def run_worker(settings: Settings, *, workers: int = 1,
               stop_event: threading.Event | None = None) -> list[str]:
    """Run a worker until SIGINT/SIGTERM (main thread) or ``stop_event``; blocking.

    Returns the ids of jobs handed back to the queue at shutdown.
    """
    stop = stop_event or threading.Event()
    worker = Worker(settings, workers=workers)
    restore = _install_signals(stop, worker) if _on_main_thread() else None
    try:
        worker.start()
        next_check = time.monotonic() + HEALTH_CHECK_SECONDS
        while not stop.wait(0.1):
            if time.monotonic() >= next_check:
                worker.check_health()  # a worker thread that died is replaced
                next_check = time.monotonic() + HEALTH_CHECK_SECONDS
        log.info("worker %s stopping", WORKER_ID)
        return worker.stop()
    finally:
        if restore is not None:
            restore()


def start_embedded_worker(settings: Settings, *, workers: int = 1) -> Worker:
    """Worker threads inside another program (``editron serve``, tests); call ``stop()``."""
    return Worker(settings, workers=workers).start()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _install_signals(stop: threading.Event, worker: Worker) -> Callable[[], None]:
    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            worker.force_stop()
        stop.set()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handle)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore
