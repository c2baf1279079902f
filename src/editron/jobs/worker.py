"""A queue worker: recover orphaned jobs, then consume until SIGINT/SIGTERM (or ``stop``)."""

from __future__ import annotations

import logging

from editron.config import Settings
from editron.jobs.app import get_huey, recover_jobs
from editron.services.runtime import ready

__all__ = ["run_worker", "start_embedded_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, workers: int = 1) -> None:
    """Blocking, for the main thread of ``editron worker`` (handles signals itself)."""
    settings = ready(settings)
    requeued = recover_jobs(settings, queued_grace=0.0)
    if requeued:
        log.warning("recovered %d job(s) left by a stopped worker", len(requeued))
    consumer = get_huey(settings.resolved_queue_url).create_consumer(
        workers=workers, worker_type="thread", periodic=True, initial_delay=0.05,
        max_delay=1.0, check_worker_health=True)
    consumer.run()


class EmbeddedWorker:
    """Consumer threads inside another program (``editron serve``, tests): no signal handlers."""

    def __init__(self, settings: Settings, *, workers: int = 1) -> None:
        self._settings = ready(settings)
        self._consumer = get_huey(self._settings.resolved_queue_url).create_consumer(
            workers=workers, worker_type="thread", periodic=True, initial_delay=0.05,
            max_delay=0.5, check_worker_health=False)
        self._consumer._set_signal_handlers = lambda: None

    def start(self) -> EmbeddedWorker:
        recover_jobs(self._settings, queued_grace=0.0)
        self._consumer.start()
        return self

    def stop(self) -> None:
        self._consumer.stop(graceful=True)


def start_embedded_worker(settings: Settings, *, workers: int = 1) -> EmbeddedWorker:
    return EmbeddedWorker(settings, workers=workers).start()


