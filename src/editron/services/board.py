"""The project board (a card per pipeline stage per batch) and where a batch stands and what
to do next. (The service's health, which needs the workers, is ``services.workers``.)"""

from __future__ import annotations

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.runs import StageRunPublic, stage_of
from editron.services.schemas import BatchPublic, TaskPublic

__all__ = ["BatchStatusPublic", "SessionSummary", "batch_status", "list_tasks", "next_step"]


def list_tasks(*, batch_id: str | None = None, project_id: str | None = None,
               settings: Settings | None = None) -> list[TaskPublic]:
    """Board cards, oldest batch first and in stage order within a batch."""
    settings = ready(settings)
    with db(settings) as session:
        return [TaskPublic.model_validate(t) for t in
                repos.tasks.list_tasks(session, batch_id=batch_id, project_id=project_id)]


class SessionSummary(BaseModel):
    session_id: str
    deliverable_type: str
    status: str
    aspect_ratios: list[str]
    variants: int
    created_at: str


class BatchStatusPublic(BatchPublic):
    """``editron status BATCH``: the batch (its fields as ``editron ingest`` prints them) with
    its board cards and sessions, and what to do next."""

    tasks: list[TaskPublic]
    sessions: list[SessionSummary]
    # The newest ingest or analysis run; its state is "interrupted" when the process running
    # it died (the batch then still reads downloading or analyzing).
    run: StageRunPublic | None = None
    next: str


def next_step(batch: BatchPublic, sessions: list[SessionSummary],
              run: StageRunPublic | None = None) -> str:
    """The command that moves this batch on, in a person's words (pure)."""
    bid = batch.batch_id
    if run is not None and run.state == "interrupted":
        return (f"the {run.operation} run was interrupted ({run.done}); finish it with "
                f"`editron resume {bid}`")
    if batch.status in ("queued", "downloading"):
        return f"the ingest is running; follow it with `editron status {bid}`"
    if batch.status == "failed":
        return (f"the batch failed ({batch.last_error or 'see the errors above'}); fix the "
                f"source and ingest it again, or `editron resume {bid}`")
    if batch.status == "ready":
        return f"`editron analyze {bid}` (add --brief @brief.txt to name sponsors)"
    if batch.status == "analyzing":
        return f"the analysis is running; follow it with `editron status {bid}`"
    live = [s for s in sessions if s.status not in ("complete", "failed", "superseded")]
    if not sessions or (not live and all(s.status == "failed" for s in sessions)):
        return f"`editron edit {bid} --deliverable recap` (or highlight, social)"
    session = live[0] if live else sessions[0]
    sid = session.session_id
    return {
        "assembling": f"the {session.deliverable_type} is being assembled; `editron session "
                      f"{sid}` shows it",
        "needsreview": f"review the {session.deliverable_type} (`editron session {sid}`), then "
                       f"`editron feedback {sid} --decision approve` (or changes) and "
                       f"`editron render {sid}`",
        "approved": f"`editron render {sid}`",
        "rendering": f"the renders are running; `editron renders {sid}` shows them",
    }.get(session.status, f"done: `editron renders {sid}` lists the delivered files")


def batch_status(batch_id: str, *, settings: Settings | None = None) -> BatchStatusPublic:
    settings = ready(settings)
    with db(settings) as session:
        row = repos.batches.get_batch(session, batch_id)
        batch = BatchPublic.of(row)
        cards = [TaskPublic.model_validate(t)
                 for t in repos.tasks.list_tasks(session, batch_id=batch_id)]
        sessions = [SessionSummary(session_id=s.id, deliverable_type=s.deliverable_type,
                                   status=s.status, aspect_ratios=list(s.aspect_ratios),
                                   variants=s.variants, created_at=s.created_at)
                    for s in repos.edit_sessions.list_edit_sessions(
                        session, batch_id=batch_id, limit=100)]
    run = stage_of(batch_id, settings=settings)
    return BatchStatusPublic(**batch.model_dump(), tasks=cards, sessions=sessions, run=run,
                             next=next_step(batch, sessions, run))
