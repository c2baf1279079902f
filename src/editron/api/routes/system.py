"""/api/health (no token) and the per-batch task board."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from editron import __version__
from editron.api.deps import Authorized, SettingsDep
from editron.db import repositories as repo
from editron.services.runtime import db
from editron.services.schemas import TaskPublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["system"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=Health)
def health(settings: SettingsDep) -> Health:
    with db(settings) as session:
        session.execute(text("SELECT 1"))  # the database answers
    return Health(status="ok", version=__version__)


@router.get("/tasks", response_model=list[TaskPublic])
def tasks(settings: SettingsDep, _: Authorized, batch_id: str | None = None,
          project_id: str | None = None) -> list[TaskPublic]:
    with db(settings) as session:
        return [TaskPublic.model_validate(t) for t in
                repo.list_tasks(session, batch_id=batch_id, project_id=project_id)]
