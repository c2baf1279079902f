"""How a session and its board cards follow its renders: a failed job fails for good, and
once no render is waiting or running the session is complete (or failed, saying which)."""

from __future__ import annotations

import logging

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db
from editron.domain.status import JobStatus, SessionStatus, Stage, TaskStatus

__all__ = ["fail_job", "give_up_render_job", "settle_session"]

log = logging.getLogger(__name__)


def fail_job(settings: Settings, job_id: str, reason: str) -> None:
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status in (JobStatus.QUEUED, JobStatus.RENDERING):
            repos.render_jobs.set_job_status(session, row, JobStatus.FAILED, last_error=reason)
        session_id = row.edit_session_id
    log.error("render job %s failed: %s", job_id, reason)
    settle_session(settings, session_id)


def give_up_render_job(job_id: str, reason: str, *, settings: Settings) -> None:
    """The queue will not run the job again (attempts used up): fail it for good."""
    fail_job(settings, job_id, reason)


def settle_session(settings: Settings, session_id: str) -> None:
    """The session and its render card follow the renders once none is waiting or running.

    The session's row is locked first: two renders of one session finishing together on two
    workers would otherwise both decide from the session as it was, and the later write be
    refused ("changed meanwhile"), failing a render that was already delivered."""
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id, lock=True)
        jobs = repos.render_jobs.list_render_jobs(session, edit_session_id=session_id)
        live = [j for j in jobs if j.status in (JobStatus.QUEUED, JobStatus.RENDERING)]
        if live or edit.status != SessionStatus.RENDERING:
            if live:
                done = sum(j.status == JobStatus.COMPLETE for j in jobs)
                repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.IN_PROGRESS,
                                     detail=f"{done} of {len(jobs)} render(s) done")
            return
        failed = [j for j in jobs if j.status == JobStatus.FAILED]
        complete = [j for j in jobs if j.status == JobStatus.COMPLETE]
        if failed or not complete:
            reason = (f"{len(failed)} render(s) failed: " + "; ".join(
                f"{j.aspect_ratio} v{j.variant} {j.format}: {j.last_error}" for j in failed)
                if failed else "every render was cancelled")
            repos.edit_sessions.set_session_status(session, edit, SessionStatus.FAILED,
                                                   last_error=reason)
            repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.FAILED,
                                 detail=reason[:500])
            return
        repos.edit_sessions.set_session_status(session, edit, SessionStatus.COMPLETE)
        repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.DONE,
                             detail=f"{len(complete)} render(s) passed QC")
        delivered = sum(len(j.output_urls) for j in complete)
        repos.tasks.set_task(session, edit.batch_id, Stage.DELIVER, TaskStatus.DONE,
                             detail=f"{delivered} file(s) delivered")
