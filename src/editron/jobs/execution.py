"""What a worker does with a queue message: claim the row, run the operation under a
heartbeat, and record the outcome (done, retry with backoff, or give up)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from editron.config import Settings
from editron.db.repos import job_runs
from editron.db.session import session_scope
from editron.errors import EditronError, QueueError
from editron.jobs.app import install_runner, resend
from editron.jobs.orphans import dead_run_work
from editron.jobs.registry import Operation, get_operation
from editron.logs import bind

__all__ = ["WORKER_ID", "Heartbeat", "collect_dead_work", "execute_job", "give_up", "held",
           "held_jobs", "held_leases", "lease_holder", "lease_lost_check", "retry_delay",
           "run_claimed", "set_stopping", "stopping"]

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
MAX_RETRY_DELAY_SECONDS = 300.0

# Jobs this process is running now (id -> lease holder), so a worker shutting down can hand
# them back.
_held: dict[str, str] = {}
_held_lock = threading.Lock()
# Held jobs whose lease was lost: the sweep presumed this worker dead and another may run
# them now, so what this process still does for them is wasted (and must not be delivered).
_lost: set[str] = set()
# The job the current thread runs, for :func:`lease_lost_check`.
_running: ContextVar[str | None] = ContextVar("editron_running_job", default=None)
# Set while this process's worker shuts down: a job that fails then (its ffmpeg stopped by
# the same signal, say) is handed back to the queue instead of failed.
_stopping = threading.Event()


def lease_holder() -> str:
    """A new lease for one claim: this process's id plus a token of its own, so a run that
    lost its lease can never renew, finish or release the run that took the job over — not
    even another thread of this same process."""
    return f"{WORKER_ID}#{uuid.uuid4().hex[:8]}"


def held_jobs() -> list[str]:
    with _held_lock:
        return sorted(_held)


def held_leases() -> dict[str, str]:
    """Each held job's lease holder, by job id."""
    with _held_lock:
        return dict(_held)


def set_stopping(value: bool) -> None:
    if value:
        _stopping.set()
    else:
        _stopping.clear()


def stopping() -> bool:
    return _stopping.is_set()


@contextmanager
def held(job_id: str, holder: str) -> Iterator[None]:
    """Count ``job_id`` as running in this process, under lease ``holder``, while the body
    runs."""
    with _held_lock:
        _held[job_id] = holder
    token = _running.set(job_id)
    try:
        yield
    finally:
        _running.reset(token)
        with _held_lock:
            _held.pop(job_id, None)
            _lost.discard(job_id)


def lease_lost_check() -> Callable[[], bool]:
    """A check, callable from any thread, that says whether the job the calling thread runs
    now has lost its lease (always False outside a job). An operation passes it where it
    polls for cancellation, so a worker presumed dead stops its ffmpeg and delivers nothing
    once another worker has taken the job over."""
    job_id = _running.get()

    def lost() -> bool:
        if job_id is None:
            return False
        with _held_lock:
            return job_id in _lost

    return lost


def retry_delay(attempt: int, base: float, cap: float = MAX_RETRY_DELAY_SECONDS) -> float:
    """Seconds to wait before attempt ``attempt + 1``: exponential, capped."""
    return float(min(cap, base * 2.0 ** max(0, attempt - 1)))


class Heartbeat:
    """Renews the job's lease every ``job_heartbeat_seconds`` while the operation runs."""

    def __init__(self, settings: Settings, job_id: str, holder: str) -> None:
        self._settings, self._job_id, self._holder = settings, job_id, holder
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id[:8]}",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self._settings.job_heartbeat_seconds):
            try:
                with session_scope(self._settings.resolved_database_url) as session:
                    alive = job_runs.heartbeat(session, self._job_id, self._holder)
            except Exception:  # a missed beat is retried; never kill the job for it
                log.warning("heartbeat for job %s failed", self._job_id, exc_info=True)
                continue
            if not alive and not self.lost:
                self.lost = True
                with _held_lock:
                    _lost.add(self._job_id)
                log.warning("job %s: lease lost (this worker was presumed dead); it stops "
                            "where it can and its result will not be recorded", self._job_id)


def give_up(settings: Settings, snap: job_runs.RunSnapshot, reason: str) -> None:
    """Call the operation's ``on_give_up`` hook so the entity it works on is left consistent.

    Called only by the holder of the job's lease, or by the one sweep that moved a dead
    lease to ``failed``, so it runs once per job; hooks must still be idempotent and
    tolerate an entity that has moved on.
    """
    try:
        operation = get_operation(snap.operation)
    except QueueError:
        log.error("job %s failed (%s) and its operation %r is not registered here, so no "
                  "give-up hook ran", snap.id, reason, snap.operation)
        return
    if operation.on_give_up is None:
        return
    try:
        operation.on_give_up(operation.load(snap.arguments), reason, settings)
    except Exception:
        log.exception("give-up hook of %s failed for job %s", snap.operation, snap.id)


def _fail(settings: Settings, snap: job_runs.RunSnapshot, reason: str) -> None:
    url = settings.resolved_database_url
    # While this worker holds the lease the hook runs before the job reads as failed, so a
    # reader who sees the failed job also sees the entity's consistent status.
    with session_scope(url) as session:
        still_ours = job_runs.heartbeat(session, snap.id, _holder(snap))
    if not still_ours:
        log.warning("job %s (%s) failed after its lease was lost: %s", snap.id,
                    snap.operation, reason)
        return
    give_up(settings, snap, reason)
    with session_scope(url) as session:
        job_runs.finish(session, snap.id, worker_id=_holder(snap), status="failed", error=reason)
    log.warning("job %s (%s) failed: %s", snap.id, snap.operation, reason)


def _holder(snap: job_runs.RunSnapshot) -> str:
    assert snap.worker_id is not None, "a claimed run has a lease holder"
    return snap.worker_id


def _retry(settings: Settings, snap: job_runs.RunSnapshot, reason: str, *,
           refund: bool = False) -> None:
    with session_scope(settings.resolved_database_url) as session:
        released = job_runs.release(session, snap.id, worker_id=_holder(snap), error=reason,
                                    refund_attempt=refund)
    if released is None:
        return
    delay = 0.0 if refund else retry_delay(snap.attempts, settings.job_backoff_base_seconds)
    log.warning("job %s (%s) attempt %d/%d failed, retrying in %.1f s: %s", snap.id,
                snap.operation, snap.attempts, snap.max_attempts, delay, reason)
    # If this send fails the row stays queued and the sweep re-sends it after the grace period.
    try:
        resend(settings, snap.id, operation=snap.operation, priority=snap.priority,
               delay=delay)
    except QueueError:
        log.warning("job %s: could not re-queue now; the sweep will", snap.id, exc_info=True)


def collect_dead_work(snap: job_runs.RunSnapshot, settings: Settings) -> list[str]:
    """Remove what an earlier holder of ``snap`` was writing (``jobs.orphans.dead_run_work``:
    scratch, render work, ``.part`` files and folders); the paths removed. Call it only while
    holding the run, so nobody else writes there."""
    with session_scope(settings.resolved_database_url) as session:
        found = dead_run_work(session, settings, snap)
    for path, why in found:
        log.info("removing %s (%s)", path, why)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return [str(p) for p, _ in found]


def execute_job(job_id: str, settings: Settings) -> None:
    """Claim and run one job. A message for a job that is not queued does nothing; a job on
    its second attempt or later first loses what the earlier attempt left half-written."""
    with session_scope(settings.resolved_database_url) as session:
        snap = job_runs.claim(session, job_id, worker_id=lease_holder())
    if snap is None:
        log.info("job %s is not queued any more; ignoring the message", job_id)
        return
    if snap.attempts > 1:
        collect_dead_work(snap, settings)
    run_claimed(snap, settings)


def run_claimed(snap: job_runs.RunSnapshot, settings: Settings) -> None:
    """Run a job this process has claimed (``execute_job``, or a dead run taken over by
    ``jobs.inline.take_over``) and record how it ended."""
    with held(snap.id, _holder(snap)), bind(job_id=snap.id):
        _run_claimed(settings, snap)


def _run_claimed(settings: Settings, snap: job_runs.RunSnapshot) -> None:
    try:
        operation: Operation[Any] = get_operation(snap.operation)
        payload = operation.load(snap.arguments)
    except QueueError as exc:
        _fail(settings, snap, str(exc))
        return
    started = time.monotonic()
    try:
        with Heartbeat(settings, snap.id, _holder(snap)):
            operation.run(payload, settings)
    except Exception as exc:
        if stopping():  # stopped by the shutdown (ffmpeg got the signal too): hand it back
            _retry(settings, snap, f"worker {WORKER_ID} shut down mid-job: "
                   f"{type(exc).__name__}: {exc}", refund=True)
            return
        _ended_badly(settings, snap, operation, exc)
        return
    with session_scope(settings.resolved_database_url) as session:
        ours = job_runs.finish(session, snap.id, worker_id=_holder(snap), status="done")
    if ours:
        log.info("job %s (%s) done in %.1f s", snap.id, snap.operation,
                 time.monotonic() - started)


def _ended_badly(settings: Settings, snap: job_runs.RunSnapshot, operation: Operation[Any],
                 exc: Exception) -> None:
    """Retry a transient failure while attempts remain; fail the job otherwise."""
    if isinstance(exc, operation.transient):
        reason = f"{type(exc).__name__}: {exc}"
        if snap.attempts < snap.max_attempts:
            _retry(settings, snap, reason)
        else:
            _fail(settings, snap, f"{reason} (after {snap.attempts} attempts)")
    elif isinstance(exc, EditronError):
        _fail(settings, snap, str(exc))
    else:
        log.error("job %s (%s) crashed", snap.id, snap.operation, exc_info=exc)
        _fail(settings, snap, f"{type(exc).__name__}: {exc}")


install_runner(execute_job)
