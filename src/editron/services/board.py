"""The project board (a card per pipeline stage per batch) and the service's health."""

from __future__ import annotations

from pydantic import BaseModel

from editron import __version__
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ping, ready
from editron.services.schemas import TaskPublic

__all__ = ["Health", "health", "list_tasks"]


class Health(BaseModel):
    status: str
    version: str


def health(*, settings: Settings | None = None) -> Health:
    """``ok`` when the database answers (DatabaseError otherwise)."""
    settings = ready(settings)
    ping(settings)
    return Health(status="ok", version=__version__)


def list_tasks(*, batch_id: str | None = None, project_id: str | None = None,
               settings: Settings | None = None) -> list[TaskPublic]:
    """Board cards, oldest batch first and in stage order within a batch."""
    settings = ready(settings)
    with db(settings) as session:
        return [TaskPublic.model_validate(t) for t in
                repos.tasks.list_tasks(session, batch_id=batch_id, project_id=project_id)]
