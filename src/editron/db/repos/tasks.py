"""Board cards: exactly one per pipeline stage per batch (a unique index enforces it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import MediaBatch
from editron.db.models_ops import Task
from editron.db.orm import utcnow
from editron.db.repos.base import set_status
from editron.db.repos.events import append_event
from editron.domain.status import Stage, TaskStatus
from editron.errors import NotFoundError

__all__ = ["STAGE_TITLES", "ensure_tasks", "get_task", "list_tasks", "set_task"]

STAGE_TITLES = {
    Stage.INGEST: "Ingest footage",
    Stage.ANALYZE: "Analyse moments",
    Stage.EDIT: "Assemble edits",
    Stage.RENDER: "Render deliverables",
    Stage.DELIVER: "Deliver",
    Stage.FEEDBACK: "Client feedback",
}


def ensure_tasks(session: Session, batch: MediaBatch) -> list[Task]:
    """The batch's cards in stage order, creating the missing ones."""
    existing = {t.stage: t for t in session.scalars(select(Task).where(Task.batch_id == batch.id))}
    for stage in Stage:
        if stage.value not in existing:
            task = Task(batch_id=batch.id, project_id=batch.project_id, stage=stage.value,
                        status=TaskStatus.TODO.value, progress_percent=0.0,
                        title=f"{STAGE_TITLES[stage]}: {batch.reference_name}")
            session.add(task)
            session.flush()
            append_event(session, entity_type="task", entity_id=task.id,
                         event_type="task.created", batch_id=batch.id,
                         project_id=batch.project_id,
                         payload={"stage": stage.value, "status": task.status})
            existing[stage.value] = task
    session.flush()
    return [existing[s.value] for s in Stage]


def get_task(session: Session, batch_id: str, stage: Stage) -> Task:
    task = session.scalars(
        select(Task).where(Task.batch_id == batch_id, Task.stage == stage.value)).first()
    if task is None:
        raise NotFoundError("task", f"{batch_id}/{stage.value}")
    return task


def list_tasks(session: Session, *, batch_id: str | None = None,
               project_id: str | None = None) -> list[Task]:
    query = select(Task)
    if batch_id is not None:
        query = query.where(Task.batch_id == batch_id)
    if project_id is not None:
        query = query.where(Task.project_id == project_id)
    return list(session.scalars(query.order_by(Task.created_at, Task.stage)))


def set_task(session: Session, batch_id: str, stage: Stage, status: TaskStatus, *,
             detail: str | None = None, progress: float | None = None) -> Task:
    """Set a card's status, detail and progress (clamped to 0..100; done means 100). A status
    change is logged; progress alone is not, to keep the log to state changes."""
    task = get_task(session, batch_id, stage)
    if task.status != status.value:
        set_status(session, task, status.value, entity_type="task", label="task",
                   scope={"batch_id": batch_id, "project_id": task.project_id},
                   payload={"stage": stage.value, "detail": detail})
    if detail is not None:
        task.detail = detail
    if progress is not None:
        task.progress_percent = max(0.0, min(100.0, progress))
    elif status is TaskStatus.DONE:
        task.progress_percent = 100.0
    task.updated_at = utcnow()
    session.flush()
    return task
