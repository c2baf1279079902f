"""/api/projects and a batch's files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from editron.api.deps import Authorized, SettingsDep
from editron.services.ingest import get_batch
from editron.services.projects import (
    ProjectPublic,
    create_project,
    get_project,
    list_projects,
)
from editron.services.schemas import FilePublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["projects"])


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Aurora Summit 2026"])
    client_name: str | None = Field(default=None, max_length=200, examples=["Northwind"])
    brand: dict[str, Any] = Field(default_factory=dict,
                                  examples=[{"colours": ["#0a2540", "#ffb400"]}])


@router.post("/projects", status_code=201, response_model=ProjectPublic)
def make_project(body: ProjectCreate, response: Response, settings: SettingsDep,
                 _: Authorized) -> ProjectPublic:
    project = create_project(name=body.name, client_name=body.client_name, brand=body.brand,
                             settings=settings)
    response.headers["Location"] = f"/api/projects/{project.id}"
    return project


@router.get("/projects", response_model=list[ProjectPublic])
def projects(settings: SettingsDep, _: Authorized,
             limit: Annotated[int, Query(ge=1, le=500)] = 50,
             offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[ProjectPublic]:
    return list_projects(limit=limit, offset=offset, settings=settings)


@router.get("/projects/{project_id}", response_model=ProjectPublic)
def project(project_id: str, settings: SettingsDep, _: Authorized) -> ProjectPublic:
    return get_project(project_id, settings=settings)


@router.get("/batches/{batch_id}/files", response_model=list[FilePublic])
def files(batch_id: str, settings: SettingsDep, _: Authorized) -> list[FilePublic]:
    return get_batch(batch_id, settings=settings).files
