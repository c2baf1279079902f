"""A worker's row in ``workers``: written at start, renewed every ``job_heartbeat_seconds``
with what it runs and whether its disk lets it take work, stamped stopped at exit. Readers
(``editron workers``, ``GET /api/workers``, ``/api/health``) judge it alive on the database's
clock, with the same ``job_stale_after_seconds`` as job leases."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence

from editron.config import Settings
from editron.db.repos import workers
from editron.db.session import session_scope
from editron.jobs.execution import WORKER_ID

__all__ = ["Liveness"]

log = logging.getLogger(__name__)


class Liveness:
    """The heartbeat thread of this worker's row."""

    def __init__(self, settings: Settings, *, queues: Sequence[str], concurrency: int,
                 render_slots: int, state: Callable[[], workers.WorkerState]) -> None:
        self._settings, self._state = settings, state
        self._queues, self._concurrency, self._slots = list(queues), concurrency, render_slots
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="editron-liveness",
                                        daemon=True)

    def _register(self) -> None:
        with session_scope(self._settings.resolved_database_url) as session:
            workers.register(session, worker_id=WORKER_ID, host=socket.gethostname(),
                             pid=os.getpid(), queues=self._queues,
                             concurrency=self._concurrency, render_slots=self._slots,
                             state=self._state())

    def start(self) -> Liveness:
        self._register()
        self._thread.start()
        return self

    def beat(self) -> None:
        """Renew the row now (also after a change the readers should see at once)."""
        with session_scope(self._settings.resolved_database_url) as session:
            renewed = workers.renew(session, WORKER_ID, self._state())
        if not renewed:  # pruned while this worker was stalled: say so again
            self._register()

    def _loop(self) -> None:
        while not self._stop.wait(self._settings.job_heartbeat_seconds):
            try:
                self.beat()
            except Exception:  # a missed beat is retried; the worker keeps working
                log.warning("worker heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        try:
            with session_scope(self._settings.resolved_database_url) as session:
                workers.stop(session, WORKER_ID)
        except Exception:  # the row then just goes stale
            log.warning("could not mark worker %s stopped", WORKER_ID, exc_info=True)
