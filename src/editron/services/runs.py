"""Stage runs of a batch as people see them (``editron status``: ``interrupted``, with what
was done) and ``editron resume``: take over the run a dead process left and finish it.

Every stage run, queued or in-process, is a ``job_runs`` row with a lease
(``jobs.inline.stage_run``); the work of each stage can be done again safely (ingest clears
the half-made rows and derivatives and resumes downloads from their ``.part``; analysis
fails the interrupted analysis row and makes a new one), so resuming never duplicates files
or rows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.repos import job_runs
from editron.db.runtime import db, ready
from editron.errors import InvalidStateError
from editron.jobs.execution import execute_job
from editron.jobs.inline import lease_dead, take_over

__all__ = ["BATCH_STAGES", "StageRunPublic", "interrupted_run", "resume_batch", "stage_of"]

# The operations that move a batch's own status, in pipeline order.
BATCH_STAGES = ("ingest_media_batch", "analyze_media_batch")
RunState = Literal["queued", "running", "interrupted", "done", "failed", "cancelled"]


class StageRunPublic(BaseModel):
    """The newest stage run of a batch: ``interrupted`` when the process holding it died."""

    job_id: str
    operation: str
    state: RunState
    attempts: int
    heartbeat_at: str | None
    last_error: str | None
    done: str  # what the run had done, in a person's words


def _done(settings: Settings, batch_id: str, operation: str) -> str:
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        stage = "ingest" if operation == "ingest_media_batch" else "analyze"
        card = next((t for t in repos.tasks.list_tasks(session, batch_id=batch_id)
                     if t.stage == stage), None)
        detail = f"{stage}: {card.detail}" if card is not None and card.detail else stage
        if stage == "ingest":
            return f"{detail}; {len(batch.files)} file(s) recorded so far"
        return detail


def stage_of(batch_id: str, *, settings: Settings) -> StageRunPublic | None:
    """The batch's newest ingest or analysis run, with ``interrupted`` for a dead lease."""
    with db(settings) as session:
        snap = job_runs.latest_for(session, entity_id=batch_id, operations=BATCH_STAGES)
    if snap is None:
        return None
    state: RunState = "interrupted" if lease_dead(snap, settings) else snap.status  # type: ignore[assignment]
    return StageRunPublic(job_id=snap.id, operation=snap.operation, state=state,
                          attempts=snap.attempts, heartbeat_at=snap.heartbeat_at,
                          last_error=snap.last_error,
                          done=_done(settings, batch_id, snap.operation))


def interrupted_run(batch_id: str, operation: str, *, settings: Settings
                    ) -> job_runs.RunSnapshot | None:
    """The batch's newest run of ``operation`` taken over by this process if the one holding
    it died (so the caller runs it again under its lease); None when there is none."""
    with db(settings) as session:
        snap = job_runs.latest_for(session, entity_id=batch_id, operations=(operation,))
    if snap is None or not lease_dead(snap, settings):
        return None
    return take_over(snap, settings)


def resume_batch(batch_id: str, *, settings: Settings | None = None) -> StageRunPublic:
    """Finish the stage a dead process left on ``batch_id`` here and now; the run as it ended.
    ``InvalidStateError`` when nothing is interrupted (a live run, or none at all)."""
    settings = ready(settings)
    with db(settings) as session:
        status = repos.batches.get_batch(session, batch_id).status  # NotFoundError if unknown
        snap = job_runs.latest_for(session, entity_id=batch_id, operations=BATCH_STAGES)
        if snap is None and status in ("queued", "downloading"):
            # Killed between making the batch and recording its run: the ingest never began.
            fresh = job_runs.create_run(session, operation=BATCH_STAGES[0],
                                        arguments={"batch_id": batch_id}, priority="standard",
                                        entity_type="batch", entity_id=batch_id,
                                        max_attempts=settings.job_max_attempts).id
        else:
            fresh = None
    if fresh is not None:
        execute_job(fresh, settings)
        return _final(batch_id, settings)
    if snap is None or not lease_dead(snap, settings):
        what = "no stage has run" if snap is None else f"its {snap.operation} run is {snap.status}"
        raise InvalidStateError(f"batch {batch_id} has nothing to resume ({what}); "
                                f"`editron status {batch_id}` says where it stands")
    with db(settings) as session:
        moved = job_runs.requeue_stale(session, snap, stale_after=0.0)
    if not moved:
        raise InvalidStateError(f"batch {batch_id}: another process took the run over")
    execute_job(snap.id, settings)  # claims it, runs it under a heartbeat, records the end
    return _final(batch_id, settings)


def _final(batch_id: str, settings: Settings) -> StageRunPublic:
    final = stage_of(batch_id, settings=settings)
    assert final is not None  # a run was just recorded
    return final
