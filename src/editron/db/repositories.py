"""Queries and state changes over the models. Functions take a Session and never commit:
the calling service owns the transaction. Status changes append an event in the same
transaction, so the event log and the tables never disagree."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.events import append_event
from editron.db.models import (
    ApiToken,
    MediaBatch,
    MediaFile,
    Project,
    Task,
    utcnow,
)
from editron.domain.status import BatchStatus, Stage, TaskStatus, can_transition
from editron.errors import InvalidStateError, NotFoundError

__all__ = [
    "STAGE_TITLES",
    "add_file",
    "create_batch",
    "create_project",
    "create_token",
    "ensure_tasks",
    "find_file_by_checksum",
    "get_batch",
    "get_project",
    "list_batches",
    "list_projects",
    "list_tasks",
    "revoke_token",
    "set_batch_status",
    "set_task",
    "verify_token",
]

STAGE_TITLES = {
    Stage.INGEST: "Ingest footage",
    Stage.ANALYZE: "Analyse moments",
    Stage.EDIT: "Assemble edits",
    Stage.RENDER: "Render deliverables",
    Stage.DELIVER: "Deliver",
    Stage.FEEDBACK: "Client feedback",
}


T = TypeVar("T")


def _get(session: Session, model: type[T], entity: str, entity_id: str) -> T:
    row = session.get(model, entity_id)
    if row is None:
        raise NotFoundError(entity, entity_id)
    return row


# projects -----------------------------------------------------------------------------------


def create_project(session: Session, *, name: str, client_name: str | None = None,
                   brand: dict[str, Any] | None = None) -> Project:
    project = Project(name=name, client_name=client_name, brand=brand or {}, preferences={})
    session.add(project)
    session.flush()
    append_event(session, entity_type="project", entity_id=project.id,
                 event_type="project.created", payload={"name": name}, project_id=project.id)
    return project


def get_project(session: Session, project_id: str) -> Project:
    return _get(session, Project, "project", project_id)


def list_projects(session: Session, *, limit: int = 100, offset: int = 0) -> list[Project]:
    query = select(Project).order_by(Project.created_at.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


# batches ------------------------------------------------------------------------------------


def create_batch(session: Session, **fields: Any) -> MediaBatch:
    batch = MediaBatch(status=BatchStatus.QUEUED.value, **fields)
    session.add(batch)
    session.flush()
    append_event(session, entity_type="batch", entity_id=batch.id, event_type="batch.created",
                 payload={"status": batch.status, "reference_name": batch.reference_name,
                          "source_type": batch.source_type, "storage_tier": batch.storage_tier},
                 project_id=batch.project_id)
    return batch


def get_batch(session: Session, batch_id: str) -> MediaBatch:
    return _get(session, MediaBatch, "media batch", batch_id)


def list_batches(session: Session, *, status: str | None = None, project_id: str | None = None,
                 limit: int = 50, offset: int = 0) -> list[MediaBatch]:
    query = select(MediaBatch)
    if status is not None:
        query = query.where(MediaBatch.status == status)
    if project_id is not None:
        query = query.where(MediaBatch.project_id == project_id)
    query = query.order_by(MediaBatch.created_at.desc(), MediaBatch.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def set_batch_status(session: Session, batch: MediaBatch, status: BatchStatus, *,
                     last_error: str | None = None) -> None:
    current = BatchStatus(batch.status)
    if not can_transition(current, status):
        raise InvalidStateError(
            f"batch {batch.id} is {current.value}; it cannot become {status.value}")
    batch.status = status.value
    if status is BatchStatus.FAILED:
        batch.last_error = last_error
    elif last_error is None and status in (BatchStatus.READY, BatchStatus.ANALYZED):
        batch.last_error = None
    batch.updated_at = utcnow()
    payload: dict[str, Any] = {"from": current.value, "status": status.value}
    if last_error:
        payload["error"] = last_error
    append_event(session, entity_type="batch", entity_id=batch.id,
                 event_type="batch.status_changed", payload=payload, project_id=batch.project_id)


# files --------------------------------------------------------------------------------------


def add_file(session: Session, batch: MediaBatch, **fields: Any) -> MediaFile:
    row = MediaFile(batch_id=batch.id, **fields)
    session.add(row)
    session.flush()
    return row


def find_file_by_checksum(session: Session, batch_id: str, checksum: str | None
                          ) -> MediaFile | None:
    if checksum is None:
        return None
    query = select(MediaFile).where(
        MediaFile.batch_id == batch_id, MediaFile.checksum_sha256 == checksum,
        MediaFile.status.in_(("ready", "remote")),
    ).limit(1)
    return session.scalars(query).first()


# tasks (board cards) ------------------------------------------------------------------------


def ensure_tasks(session: Session, batch: MediaBatch) -> list[Task]:
    existing = {t.stage: t for t in session.scalars(select(Task).where(Task.batch_id == batch.id))}
    for stage in Stage:
        if stage.value not in existing:
            task = Task(batch_id=batch.id, project_id=batch.project_id, stage=stage.value,
                        status=TaskStatus.TODO.value,
                        title=f"{STAGE_TITLES[stage]}: {batch.reference_name}")
            session.add(task)
            existing[stage.value] = task
    session.flush()
    return [existing[s.value] for s in Stage]


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
    task = session.scalars(
        select(Task).where(Task.batch_id == batch_id, Task.stage == stage.value)).first()
    if task is None:
        raise NotFoundError("task", f"{batch_id}/{stage.value}")
    changed = task.status != status.value
    task.status = status.value
    if detail is not None:
        task.detail = detail
    if progress is not None:
        task.progress_percent = max(0.0, min(100.0, progress))
    elif status is TaskStatus.DONE:
        task.progress_percent = 100.0
    task.updated_at = utcnow()
    if changed:
        append_event(session, entity_type="task", entity_id=task.id,
                     event_type="task.status_changed", batch_id=batch_id,
                     project_id=task.project_id,
                     payload={"stage": stage.value, "status": status.value, "detail": detail})
    return task


# API tokens ---------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and only its hash is stored."""
    plain = "edt_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_hash_token(plain))
    session.add(row)
    session.flush()
    return row, plain


def verify_token(session: Session, token: str) -> ApiToken | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _hash_token(token))
                          ).first()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row


def revoke_token(session: Session, token_id: str) -> ApiToken:
    row = _get(session, ApiToken, "API token", token_id)
    row.revoked_at = row.revoked_at or utcnow()
    return row
