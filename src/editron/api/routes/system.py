"""/api/health (no token), the queue workers and the per-batch task board."""

from __future__ import annotations

from fastapi import APIRouter, Request

from editron.api.deps import Reader, SettingsDep, optional_reader
from editron.services.board import list_tasks
from editron.services.schemas import TaskPublic
from editron.services.workers import Health, WorkerList, health, list_workers

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", response_model=Health, response_model_exclude_none=True)
def health_check(request: Request, settings: SettingsDep) -> Health:
    """Whether the API and its database answer, and whether every queue holding work has a
    live worker (``ok`` or ``degraded``). Needs no token; with a token that may read, the
    answer also names the version, each queue's work and workers, and the problems."""
    report = health(settings=settings)
    if optional_reader(request, settings):
        return report
    return report.brief()


@router.get("/workers", response_model=WorkerList)
def workers(settings: SettingsDep, _: Reader, alive: bool = False) -> WorkerList:
    """The queue workers seen in the last day, live ones first: host, queues, concurrency,
    the jobs each runs, whether its free disk lets it take work, and its last heartbeat on
    the database's clock (``alive``: only the live ones)."""
    return list_workers(alive_only=alive, settings=settings)


@router.get("/tasks", response_model=list[TaskPublic])
def tasks(settings: SettingsDep, _: Reader, batch_id: str | None = None,
          project_id: str | None = None) -> list[TaskPublic]:
    """The board cards (one per batch and stage), newest first, filtered by batch or project."""
    return list_tasks(batch_id=batch_id, project_id=project_id, settings=settings)
