"""A queue worker: recover orphaned jobs, then consume the queues it serves until told to stop.

``concurrency`` threads each take the next message from any served queue (highest priority
first within a queue, the queues in turn); a render message is taken only with one of the
host's render slots (``jobs.capacity``), and no message at all while free disk is under
``worker_min_free_bytes``. A thread that took a message just as the disk filled puts it
back, so another worker runs it.

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
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from huey import Huey

from editron.config import Settings
from editron.db.repos import job_runs
from editron.db.repos.workers import WorkerState
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.errors import InputError, QueueError
from editron.jobs.app import huey_for, resend
from editron.jobs.capacity import (
    DiskState,
    RenderSlot,
    disk_state,
    render_slot_count,
    render_slot_folder,
    try_render_slot,
)
from editron.jobs.execution import WORKER_ID, held_jobs, held_leases, set_stopping
from editron.jobs.liveness import Liveness
from editron.jobs.recovery import Sweeper, recover_jobs
from editron.jobs.registry import registered_queues

__all__ = ["Worker", "resolve_queues", "run_worker", "start_embedded_worker"]

log = logging.getLogger(__name__)
HEALTH_CHECK_SECONDS = 10.0
RENDER_QUEUE = "render"
# An idle thread polls every queue it serves, backing off to four times a second: a job
# sent to an idle worker waits at most a quarter of a second.
_IDLE_FIRST, _IDLE_MAX, _IDLE_GROWTH = 0.02, 0.25, 1.2
_DISK_RECHECK_SECONDS = 0.5


def resolve_queues(names: Sequence[str] | None) -> list[str]:
    """The queues to serve: every registered one by default; unknown names are an
    InputError that lists the known ones."""
    known = registered_queues()
    if not names:
        return known
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    unknown = [n for n in wanted if n not in known]
    if unknown or not wanted:
        raise InputError(f"unknown queue(s) {', '.join(unknown) or '(none given)'}; this "
                         f"Editron has {', '.join(known)}")
    return wanted


class _Disk:
    """The disk floor, checked at most every half second (many threads ask)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._at = float("-inf")
        self.state = DiskState(True, None, None)

    def check(self) -> DiskState:
        with self._lock:
            if time.monotonic() - self._at >= _DISK_RECHECK_SECONDS:
                was, self.state = self.state, disk_state(self._settings)
                self._at = time.monotonic()
                if was.accepting and not self.state.accepting:
                    log.error("worker %s refuses new work: %s", WORKER_ID, self.state.detail)
                elif not was.accepting and self.state.accepting:
                    log.warning("worker %s takes work again: free disk is back over the "
                                "floor", WORKER_ID)
            return self.state


class Worker:
    """Consumer threads over the served queues, a scheduler for delayed messages, the
    recovery sweeper and the liveness heartbeat, inside this process."""

    def __init__(self, settings: Settings, *, workers: int = 1,
                 queues: Sequence[str] | None = None) -> None:
        self.settings = ready(settings)
        self.queues = resolve_queues(queues)
        self.concurrency = max(1, workers)
        self._hueys: dict[str, Huey] = {q: huey_for(self.settings, q, bind=True)
                                        for q in self.queues}
        if any(h.immediate for h in self._hueys.values()):
            raise QueueError("an immediate:// queue runs jobs inside enqueue(); it has no "
                             "worker")
        if RENDER_QUEUE in self.queues:
            render_slot_folder()  # a folder another user controls stops the worker here
        self._stop = threading.Event()
        self._force = threading.Event()
        self._disk = _Disk(self.settings)
        self._threads: list[threading.Thread] = []
        self._scheduler = threading.Thread(target=self._schedule, name="editron-scheduler",
                                           daemon=True)
        self._sweeper = Sweeper(self.settings)
        self._liveness = Liveness(self.settings, queues=self.queues,
                                  concurrency=self.concurrency,
                                  render_slots=render_slot_count(self.settings),
                                  state=self._state)

    def _state(self) -> WorkerState:
        disk = self._disk.check()
        return WorkerState(current_jobs=tuple(held_jobs()), accepting=disk.accepting,
                           disk_free_bytes=disk.free_bytes, disk_detail=disk.detail)

    def start(self) -> Worker:
        found = recover_jobs(self.settings, queued_grace=0.0)
        if found.requeued or found.resent or found.given_up:
            log.warning("start-up sweep: %d re-queued, %d re-sent, %d given up",
                        len(found.requeued), len(found.resent), len(found.given_up))
        self._liveness.start()
        self._threads = [self._thread(n) for n in range(self.concurrency)]
        self._scheduler.start()
        self._sweeper.start()
        log.info("worker %s consuming %s (%d at once)", WORKER_ID, ", ".join(self.queues),
                 self.concurrency)
        return self

    def _thread(self, number: int) -> threading.Thread:
        thread = threading.Thread(target=self._consume, args=(number,), daemon=True,
                                  name=f"editron-worker-{number}")
        thread.start()
        return thread

    def check_health(self) -> None:
        """Replace a consumer thread that died (none should: each catches what it runs)."""
        for number, thread in enumerate(self._threads):
            if not thread.is_alive() and not self._stop.is_set():
                log.error("worker thread %d died; starting another", number)
                self._threads[number] = self._thread(number)

    def _take(self, turn: int) -> tuple[Huey, Any, RenderSlot | None] | None:
        """The next message from the served queues (starting at ``turn``), with the render
        slot it needs; None when there is none this worker may take."""
        for i in range(len(self.queues)):
            queue = self.queues[(turn + i) % len(self.queues)]
            slot = try_render_slot(self.settings) if queue == RENDER_QUEUE else None
            if queue == RENDER_QUEUE and slot is None:
                continue  # every render slot of this host is busy
            task = self._hueys[queue].dequeue()
            if task is not None:
                return self._hueys[queue], task, slot
            if slot is not None:
                slot.release()
        return None

    def _consume(self, number: int) -> None:
        idle, turn = _IDLE_FIRST, number
        while not self._stop.is_set():
            try:
                taken = None if not self._disk.check().accepting else self._take(turn)
            except Exception:
                log.exception("cannot read the job queue")
                taken = None
            if taken is None:
                self._stop.wait(idle)
                idle = min(_IDLE_MAX, idle * _IDLE_GROWTH)
                continue
            idle, turn = _IDLE_FIRST, turn + 1
            huey, task, slot = taken
            try:
                self._run(huey, task)
            finally:
                if slot is not None:
                    slot.release()

    def _run(self, huey: Huey, task: Any) -> None:
        # Nothing here may end the thread: a message dropped by an error is re-sent by the
        # sweep (its row is still queued), but a dead thread would consume nothing more.
        try:
            if not self._disk.check().accepting:
                # The disk filled between the check and the dequeue: hand the message back.
                huey.enqueue(task)
                log.error("worker %s handed job %s back unstarted: %s", WORKER_ID,
                          task.args[0] if task.args else "?", self._disk.state.detail)
                return
            huey.execute(task)
        except Exception:
            log.exception("unhandled error running queue message %s", task.id)

    def _schedule(self) -> None:
        """Delayed messages (retries with backoff) go back on their queue when due."""
        while not self._stop.wait(1.0):
            for queue, huey in self._hueys.items():
                try:
                    for task in huey.read_schedule():
                        huey.enqueue(task)
                except Exception:
                    log.warning("cannot move due messages of the %s queue", queue,
                                exc_info=True)

    def force_stop(self) -> None:
        """Stop waiting for running jobs (a second signal)."""
        self._force.set()

    def stop(self, *, grace: float | None = None) -> list[str]:
        """Stop; returns the ids of jobs handed back because they did not finish in time."""
        grace = self.settings.job_shutdown_grace_seconds if grace is None else grace
        self._stop.set()  # first: no consumer takes another message while the rest stops
        set_stopping(True)
        self._sweeper.stop()
        threads = [*self._threads, self._scheduler]
        deadline = time.monotonic() + grace
        while any(t.is_alive() for t in threads) and not self._force.is_set():
            if time.monotonic() >= deadline:
                break
            for thread in threads:
                thread.join(timeout=0.05)
        handed = self._hand_back()
        self._liveness.stop()
        set_stopping(False)
        return handed

    def _hand_back(self) -> list[str]:
        handed: list[str] = []
        for job_id, holder in held_leases().items():
            with session_scope(self.settings.resolved_database_url) as session:
                snap = job_runs.release(session, job_id, worker_id=holder, refund_attempt=True,
                                        error=f"worker {WORKER_ID} shut down mid-job")
            if snap is None:
                continue
            try:
                resend(self.settings, job_id, operation=snap.operation, priority=snap.priority)
            except QueueError:
                log.warning("job %s handed back but not re-sent; the sweep will", job_id)
            handed.append(job_id)
            log.warning("job %s (%s) handed back to the queue at shutdown", job_id,
                        snap.operation)
        return handed


def run_worker(settings: Settings, *, workers: int = 1, queues: Sequence[str] | None = None,
               stop_event: threading.Event | None = None) -> list[str]:
    """Run a worker until SIGINT/SIGTERM (main thread) or ``stop_event``; blocking.

    Returns the ids of jobs handed back to the queue at shutdown.
    """
    stop = stop_event or threading.Event()
    worker = Worker(settings, workers=workers, queues=queues)
    restore = _install_signals(stop, worker) if _on_main_thread() else None
    try:
        worker.start()
        next_check = time.monotonic() + HEALTH_CHECK_SECONDS
        while not stop.wait(0.1):
            if time.monotonic() >= next_check:
                worker.check_health()
                next_check = time.monotonic() + HEALTH_CHECK_SECONDS
        log.info("worker %s stopping", WORKER_ID)
        return worker.stop()
    finally:
        if restore is not None:
            restore()


def start_embedded_worker(settings: Settings, *, workers: int = 1,
                          queues: Sequence[str] | None = None) -> Worker:
    """Worker threads inside another program (``editron serve``, tests); call ``stop()``."""
    return Worker(settings, workers=workers, queues=queues).start()


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
