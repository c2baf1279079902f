"""Stage runs of a batch as people see them (``editron status``: ``interrupted``, with what
was done) and ``editron resume``: take over the run a dead process left and finish it.

Every stage run, queued or in-process, is a ``job_runs`` row with a lease
(``jobs.inline.stage_run``): ingest and analysis on the batch, the edit on its edit session.
The work of each stage can be done again safely (ingest clears the half-made rows and
derivatives and resumes downloads from their ``.part``; analysis fails the interrupted
analysis row and makes a new one; the edit assembles the same session again from its stored
request), and taking a dead run over first removes what its holder was writing
(``jobs.inline.take_over``), so resuming never duplicates files or rows.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.repos import job_runs
from editron.db.runtime import db, ready
from editron.errors import InvalidStateError
from editron.jobs.execution import execute_job, run_claimed
from editron.jobs.inline import lease_dead, take_over

__all__ = ["BATCH_STAGES", "EDIT_STAGE", "RENDER_STAGE", "StageRunPublic", "interrupted_edit",
           "interrupted_ingest", "interrupted_run", "resume_batch", "stage_of"]

# The operations that move a batch's own status, in pipeline order; the edit's runs are on
# the batch's edit sessions.
BATCH_STAGES = ("ingest_media_batch", "analyze_media_batch")
EDIT_STAGE = "generate_video_edits"
RENDER_STAGE = "render_job"  # on each render job of a session that is rendering
SESSIONS_LOOKED_AT = 50  # the newest sessions of a batch whose edit runs status looks at
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


def _done_edit(session: Session, session_id: str) -> str:
    row = repos.edit_sessions.get_edit_session(session, session_id)
    files = len((row.exports or {}).get("files", []))
    previews = f", {len(row.preview_paths)} preview(s)" if row.preview_paths else ""
    return (f"edit session {session_id} ({row.deliverable_type} r{row.revision}) is "
            f"{row.status}; {files} export file(s) written{previews}")


def _done_render(session: Session, render_job_id: str) -> str:
    job = repos.render_jobs.get_render_job(session, render_job_id)
    jobs = repos.render_jobs.list_render_jobs(session, edit_session_id=job.edit_session_id)
    complete = sum(j.status == "complete" for j in jobs)
    return (f"render job {job.id} ({job.aspect_ratio} v{job.variant} {job.format}) is "
            f"{job.status} at {job.progress_percent:.0f}%; {complete} of {len(jobs)} "
            f"render(s) of edit session {job.edit_session_id} complete")


def _done(settings: Settings, batch_id: str, snap: job_runs.RunSnapshot) -> str:
    with db(settings) as session:
        if snap.operation == EDIT_STAGE and snap.entity_id is not None:
            return _done_edit(session, snap.entity_id)
        if snap.operation == RENDER_STAGE and snap.entity_id is not None:
            return _done_render(session, snap.entity_id)
        batch = repos.batches.get_batch(session, batch_id)
        stage = "ingest" if snap.operation == "ingest_media_batch" else "analyze"
        card = next((t for t in repos.tasks.list_tasks(session, batch_id=batch_id)
                     if t.stage == stage), None)
        detail = f"{stage}: {card.detail}" if card is not None and card.detail else stage
        if stage == "ingest":
            return f"{detail}; {len(batch.files)} file(s) recorded so far"
        return detail


def _stage_runs(session: Session, batch_id: str) -> list[job_runs.RunSnapshot]:
    """The newest ingest or analysis run of the batch, the newest edit run of each of its
    newest sessions and the newest run of each render job of those rendering, newest
    first."""
    found = [job_runs.latest_for(session, entity_id=batch_id, operations=BATCH_STAGES)]
    for row in repos.edit_sessions.list_edit_sessions(session, batch_id=batch_id,
                                                      limit=SESSIONS_LOOKED_AT):
        found.append(job_runs.latest_for(session, entity_id=row.id, operations=(EDIT_STAGE,)))
        if row.status == "rendering":
            found += [job_runs.latest_for(session, entity_id=j.id, operations=(RENDER_STAGE,))
                      for j in repos.render_jobs.list_render_jobs(session,
                                                                  edit_session_id=row.id)]
    runs = [s for s in found if s is not None]
    return sorted(runs, key=lambda s: s.created_at or "", reverse=True)


def _current(settings: Settings, batch_id: str) -> tuple[job_runs.RunSnapshot | None, bool]:
    """The run ``status`` shows: the newest whose holder died, else the newest; and whether
    its lease is dead."""
    with db(settings) as session:
        runs = _stage_runs(session, batch_id)
    for snap in runs:
        if lease_dead(snap, settings):
            return snap, True
    return (runs[0] if runs else None), False


def stage_of(batch_id: str, *, settings: Settings) -> StageRunPublic | None:
    """The batch's interrupted stage run if it has one, else its newest (ingest, analysis or
    the edit of one of its sessions), with ``interrupted`` for a dead lease."""
    snap, dead = _current(settings, batch_id)
    if snap is None:
        return None
    state: RunState = "interrupted" if dead else snap.status  # type: ignore[assignment]
    return StageRunPublic(job_id=snap.id, operation=snap.operation, state=state,
                          attempts=snap.attempts, heartbeat_at=snap.heartbeat_at,
                          last_error=snap.last_error, done=_done(settings, batch_id, snap))


def interrupted_ingest(source_url: str, *, project_id: str | None, settings: Settings
                       ) -> tuple[str, job_runs.RunSnapshot] | None:
    """The newest batch from ``source_url`` (in ``project_id``) whose ingest run's holder
    died, with that run taken over by this process (so the same ingest command run again
    finishes that batch instead of making another); None when there is none."""
    with db(settings) as session:
        ids = [b.id for b in repos.batches.unfinished_by_source(session, source_url)
               if b.project_id == project_id]
        runs = [(i, job_runs.latest_for(session, entity_id=i, operations=BATCH_STAGES[:1]))
                for i in ids]
    for batch_id, snap in runs:
        if snap is not None and lease_dead(snap, settings):
            claimed = take_over(snap, settings)
            if claimed is not None:
                return batch_id, claimed
    return None


def interrupted_edit(batch_id: str, request: dict[str, Any], *, settings: Settings
                     ) -> tuple[str, job_runs.RunSnapshot] | None:
    """The batch's newest edit session made from ``request`` whose edit run's holder died,
    with that run taken over by this process (so the same edit command run again finishes
    that session instead of making another); None when there is none."""
    with db(settings) as session:
        rows = [r for r in repos.edit_sessions.list_edit_sessions(
            session, batch_id=batch_id, limit=SESSIONS_LOOKED_AT) if r.request == request]
        runs = [(r.id, job_runs.latest_for(session, entity_id=r.id, operations=(EDIT_STAGE,)))
                for r in rows]
    for session_id, snap in runs:
        if snap is not None and lease_dead(snap, settings):
            claimed = take_over(snap, settings)
            if claimed is not None:
                return session_id, claimed
    return None


def interrupted_run(entity_id: str, operation: str, *, settings: Settings
                    ) -> job_runs.RunSnapshot | None:
    """The newest run of ``operation`` on ``entity_id`` (a batch, a render job) taken over by
    this process if the one holding it died (so the caller runs it again under its lease);
    None when there is none."""
    with db(settings) as session:
        snap = job_runs.latest_for(session, entity_id=entity_id, operations=(operation,))
    if snap is None or not lease_dead(snap, settings):
        return None
    return take_over(snap, settings)


def resume_batch(batch_id: str, *, settings: Settings | None = None) -> StageRunPublic:
    """Finish the stage a dead process left on ``batch_id`` (its ingest, its analysis or the
    edit of one of its sessions) here and now; the run as it ended. ``InvalidStateError``
    when nothing is interrupted (a live run, or none at all)."""
    settings = ready(settings)
    fresh = _never_began(settings, batch_id)
    if fresh is not None:
        execute_job(fresh, settings)
        return _final(batch_id, settings)
    snap, dead = _current(settings, batch_id)
    if snap is None or not dead:
        what = "no stage has run" if snap is None else f"its {snap.operation} run is {snap.status}"
        raise InvalidStateError(f"batch {batch_id} has nothing to resume ({what}); "
                                f"`editron status {batch_id}` says where it stands")
    claimed = take_over(snap, settings)  # also removes what the dead holder was writing
    if claimed is None:
        raise InvalidStateError(f"batch {batch_id}: another process took the run over")
    run_claimed(claimed, settings)  # runs it under a heartbeat, records the end
    if claimed.operation == RENDER_STAGE and claimed.entity_id is not None:
        for run_id in _unstarted_renders(settings, claimed.entity_id):
            execute_job(run_id, settings)
    return _final(batch_id, settings)


def _unstarted_renders(settings: Settings, render_job_id: str) -> list[str]:
    """Runs for the render jobs of ``render_job_id``'s session that an in-process render
    (killed before it reached them) left queued with no run, so nothing would ever run
    them; their run ids."""
    with db(settings) as session:
        job = repos.render_jobs.get_render_job(session, render_job_id)
        waiting = [j.id for j in repos.render_jobs.list_render_jobs(
            session, edit_session_id=job.edit_session_id) if j.status == "queued"
            and job_runs.latest_for(session, entity_id=j.id) is None]
        return [job_runs.create_run(session, operation=RENDER_STAGE,
                                    arguments={"render_job_id": j}, priority="standard",
                                    entity_type="render_job", entity_id=j,
                                    max_attempts=settings.job_max_attempts).id
                for j in waiting]


def _never_began(settings: Settings, batch_id: str) -> str | None:
    """A new ingest run for a batch killed between being made and recording its run (the
    ingest never began); None otherwise."""
    with db(settings) as session:
        status = repos.batches.get_batch(session, batch_id).status  # NotFoundError if unknown
        if status not in ("queued", "downloading") or job_runs.latest_for(
                session, entity_id=batch_id, operations=BATCH_STAGES) is not None:
            return None
        return job_runs.create_run(session, operation=BATCH_STAGES[0],
                                   arguments={"batch_id": batch_id}, priority="standard",
                                   entity_type="batch", entity_id=batch_id,
                                   max_attempts=settings.job_max_attempts).id


def _final(batch_id: str, settings: Settings) -> StageRunPublic:
    final = stage_of(batch_id, settings=settings)
    assert final is not None  # a run was just recorded
    return final
