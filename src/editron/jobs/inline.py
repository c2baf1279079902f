"""Stage runs: a stage run in-process (the CLI, an API call that does not defer) is recorded
in ``job_runs`` like a queued job, leased by this process and kept alive by the same
heartbeat, so a process killed at any point leaves a ``running`` row whose lease is dead.
``editron status`` names that ``interrupted``; ``editron resume`` (or the same command run
again) takes the run over and does the work again, which every stage can do safely.

A lease is dead when its heartbeat is older than ``job_stale_after_seconds``, or at once when
it was held by a process on this host that no longer exists (its id is ``host:pid:…``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db.repos import job_runs
from editron.db.session import session_scope
from editron.jobs.execution import Heartbeat, collect_dead_work, lease_holder
from editron.jobs.registry import JobPayload, get_operation

__all__ = ["begin_run", "lease_dead", "stage_run", "take_over"]


def _process_gone(worker_id: str | None) -> bool:
    host, _, rest = (worker_id or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _stale(snap: job_runs.RunSnapshot, settings: Settings) -> bool:
    with session_scope(settings.resolved_database_url) as session:
        return any(s.id == snap.id for s in job_runs.stale_running(
            session, stale_after=settings.job_stale_after_seconds))


def lease_dead(snap: job_runs.RunSnapshot, settings: Settings) -> bool:
    """A ``running`` job whose holder stopped: its process is gone or its heartbeat stale."""
    return snap.status == "running" and (_process_gone(snap.worker_id) or _stale(snap, settings))


def take_over(snap: job_runs.RunSnapshot, settings: Settings) -> job_runs.RunSnapshot | None:
    """Claim a job whose holder died, for this process, and collect the dead holder's work
    folders; None when someone else took it or its holder is alive after all. Two guarded
    moves (dead lease → queued → ours), so a worker's sweep racing this does each thing
    once."""
    stale_after = 0.0 if _process_gone(snap.worker_id) else settings.job_stale_after_seconds
    with session_scope(settings.resolved_database_url) as session:
        job_runs.requeue_stale(session, snap, stale_after=stale_after)
    with session_scope(settings.resolved_database_url) as session:
        claimed = job_runs.claim(session, snap.id, worker_id=lease_holder())
    if claimed is not None:
        collect_dead_work(claimed, settings)
    return claimed


def begin_run(session: Session, operation: str, payload: JobPayload, *, settings: Settings,
              entity_type: str, entity_id: str) -> job_runs.RunSnapshot:
    """A new run of ``operation`` held by this process, in the caller's transaction: the
    entity it works on and its run are written together, so no crash leaves one without the
    other. Pass it to :func:`stage_run` as ``claimed``."""
    get_operation(operation)  # an unregistered stage could not be resumed: refuse now
    run = job_runs.create_run(session, operation=operation, arguments=payload.dump(),
                              priority="standard", entity_type=entity_type,
                              entity_id=entity_id, max_attempts=settings.job_max_attempts)
    claimed = job_runs.claim(session, run.id, worker_id=lease_holder())
    assert claimed is not None  # just created, nobody else knows its id
    return claimed


@contextmanager
def stage_run(operation: str, payload: JobPayload, *, settings: Settings, entity_type: str,
              entity_id: str, claimed: job_runs.RunSnapshot | None = None) -> Iterator[str]:
    """Run the body as a leased job of ``operation`` (registered, with ``payload``, so a
    worker or ``editron resume`` can run it again); yields the job id. ``claimed``: a job
    this process already took over. An error marks the job failed and goes on up; a process
    killed inside leaves the job ``running`` with a lease that dies with it."""
    get_operation(operation)
    url = settings.resolved_database_url
    if claimed is None:
        with session_scope(url) as session:
            claimed = begin_run(session, operation, payload, settings=settings,
                                entity_type=entity_type, entity_id=entity_id)
    holder = claimed.worker_id
    assert holder is not None
    with Heartbeat(settings, claimed.id, holder):
        try:
            yield claimed.id
        except Exception as exc:
            with session_scope(url) as session:
                job_runs.finish(session, claimed.id, worker_id=holder, status="failed",
                                error=str(exc) or type(exc).__name__)
            raise
    with session_scope(url) as session:
        job_runs.finish(session, claimed.id, worker_id=holder, status="done")
