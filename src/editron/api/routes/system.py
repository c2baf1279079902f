"""/api/health (no token) and the per-batch task board."""

from __future__ import annotations

from fastapi import APIRouter

from editron.api.deps import Reader, SettingsDep
from editron.services.board import Health, health, list_tasks
from editron.services.schemas import TaskPublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", response_model=Health)
def health_check(settings: SettingsDep) -> Health:
    """Whether the API, its database and its queue answer; needs no token."""
    return health(settings=settings)


@router.get("/tasks", response_model=list[TaskPublic])
def tasks(settings: SettingsDep, _: Reader, batch_id: str | None = None,
          project_id: str | None = None) -> list[TaskPublic]:
    """The board cards (one per batch and stage), newest first, filtered by batch or project."""
    return list_tasks(batch_id=batch_id, project_id=project_id, settings=settings)
