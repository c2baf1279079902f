"""The recovery sweep: jobs whose worker died go back on the queue (or are given up), and
queued jobs whose message was lost are sent again.

It runs when a worker starts and then every ``job_sweep_seconds`` in every worker. Each
change is a guarded update, so sweeps in several workers at once do each thing once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from editron.config import Settings
from editron.db.repos import job_runs, workers
from editron.db.session import session_scope
from editron.errors import EditronError, QueueError
from editron.jobs.app import queued_job_ids, resend
from editron.jobs.execution import give_up
from editron.jobs.registry import periodic_tasks

__all__ = ["SweepResult", "Sweeper", "recover_jobs"]

log = logging.getLogger(__name__)
# Rows of workers whose heartbeat stopped longer ago than this are removed by the sweep.
KEEP_DEAD_WORKERS_SECONDS = 24 * 3600.0


@dataclass(slots=True)
class SweepResult:
    requeued: list[str] = field(default_factory=list)  # dead worker, attempts left
    resent: list[str] = field(default_factory=list)  # queued, but missing from the queue
    given_up: list[str] = field(default_factory=list)  # dead worker on the last attempt


def recover_jobs(settings: Settings, *, queued_grace: float | None = None,
                 dead_leases: bool = True) -> SweepResult:
    """One sweep. ``queued_grace`` overrides ``job_queued_grace_seconds`` (0 on start-up);
    ``dead_leases=False`` leaves stale leases alone (see :class:`Sweeper`)."""
    result = SweepResult()
    url, stale_after = settings.resolved_database_url, settings.job_stale_after_seconds
    with session_scope(url) as session:
        stale = job_runs.stale_running(session, stale_after=stale_after) if dead_leases else []
    for snap in stale:
        if snap.attempts >= snap.max_attempts:
            reason = (f"worker {snap.worker_id} stopped during attempt {snap.attempts} of "
                      f"{snap.max_attempts}")
            with session_scope(url) as session:
                won = job_runs.fail_stale(session, snap, stale_after=stale_after, reason=reason)
            if won:
                give_up(settings, snap, reason)
                result.given_up.append(snap.id)
                log.warning("job %s (%s) given up: %s", snap.id, snap.operation, reason)
            continue
        with session_scope(url) as session:
            won = job_runs.requeue_stale(session, snap, stale_after=stale_after)
        if won:
            resend(settings, snap.id, operation=snap.operation, priority=snap.priority)
            result.requeued.append(snap.id)
            log.warning("job %s (%s) re-queued: worker %s stopped", snap.id, snap.operation,
                        snap.worker_id)

    grace = settings.job_queued_grace_seconds if queued_grace is None else queued_grace
    with session_scope(url) as session:
        waiting = [s for s in job_runs.lost_queued(session, older_than=grace)
                   if s.id not in result.requeued]
    if waiting:
        in_queue = queued_job_ids(settings)
        for snap in waiting:
            if snap.id in in_queue:
                continue
            with session_scope(url) as session:
                won = job_runs.touch_queued(session, snap.id, older_than=grace)
            if won:
                resend(settings, snap.id, operation=snap.operation, priority=snap.priority)
                result.resent.append(snap.id)
                log.warning("job %s (%s) was missing from the queue; sent again", snap.id,
                            snap.operation)
    return result


class Sweeper:
    """A daemon thread running :func:`recover_jobs` every ``job_sweep_seconds``.

    Huey's periodic tasks fire at most once a minute, too coarse for a 30 s sweep (and for
    tests), so the sweep has its own timer.

    After the database was out of reach (a failover, a network blip), every live worker's
    heartbeat missed it too, so every lease looks stale at once: stale leases are left alone
    until this sweeper has reached the database for ``job_stale_after_seconds`` without a
    break, time for the live workers to renew theirs. Lost messages are re-sent meanwhile.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="editron-sweeper",
                                        daemon=True)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        last_run: dict[str, float] = {}
        reachable_since: float | None = time.monotonic()  # the start-up sweep just reached it
        while not self._stop.wait(self._settings.job_sweep_seconds):
            now = time.monotonic()
            settled = (reachable_since is not None and
                       now - reachable_since >= self._settings.job_stale_after_seconds)
            try:
                recover_jobs(self._settings, dead_leases=settled)
                with session_scope(self._settings.resolved_database_url) as session:
                    workers.prune(session, older_than=KEEP_DEAD_WORKERS_SECONDS)
                if reachable_since is None:
                    reachable_since = now
                    log.warning("database reachable again: dead leases are taken over after "
                                "%.0f s", self._settings.job_stale_after_seconds)
            except QueueError as exc:  # the queue away for a moment; try next round
                log.warning("recovery sweep failed: %s", exc)
            except EditronError as exc:  # the database away for a moment; try next round
                log.warning("recovery sweep failed: %s", exc)
                reachable_since = None
            except Exception:
                log.exception("recovery sweep crashed")
                reachable_since = None
            self._run_periodic(last_run)

    def _run_periodic(self, last_run: dict[str, float]) -> None:
        now = time.monotonic()
        for task in periodic_tasks():
            every = task.interval(self._settings)
            if every <= 0 or now - last_run.get(task.name, float("-inf")) < every:
                continue
            last_run[task.name] = now
            try:
                task.run(self._settings)
            except EditronError as exc:
                log.warning("periodic %s failed: %s", task.name, exc)
            except Exception:
                log.exception("periodic %s crashed", task.name)
