"""/api/projects (create, list, read, update, and the creative memory) and a batch's files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from editron.api.deps import Admin, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.services.ingest import get_batch
from editron.services.memory import MemoryPublic, reset_memory, show_memory
from editron.services.projects import (
    ProjectPublic,
    create_project,
    get_project,
    list_projects,
    update_project,
)
from editron.services.schemas import FilePublic

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["projects"])


BRAND_HELP = ("The brand pod: primary_color, accent_color, outline_color (#RRGGBB), "
              "logo_path, logo_position, logo_opacity, title_card, lower_third, outro_card, "
              "card_seconds, font_path, font_name. logo_path and font_path must lie inside "
              "an import root (EDITRON_IMPORT_ROOTS).")


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Aurora Summit 2026"])
    client_name: str | None = Field(default=None, max_length=200, examples=["Northwind"])
    brand: dict[str, Any] = Field(default_factory=dict, description=BRAND_HELP,
                                  examples=[{"primary_color": "#0A2540",
                                             "title_card": "Aurora Summit"}])
    auto_approve: bool = Field(default=False, examples=[False],
        description="Render edits without a review.")


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200,
                             examples=["Aurora Summit 2026"])
    client_name: str | None = Field(default=None, max_length=200, examples=["Northwind"])
    brand: dict[str, Any] | None = Field(default=None, description=BRAND_HELP + " Keys are "
                                         "merged into the pod; null removes one.",
                                         examples=[{"accent_color": "#FFB400"}])
    auto_approve: bool | None = Field(default=None, examples=[True])


_PROJECT = "/api/projects/{project_id}"


def _of_project(expression: str) -> dict[str, dict[str, Any]]:
    return {"GetProject": link(_PROJECT, project_id=expression),
            "ChangeProject": link(_PROJECT, "patch", project_id=expression),
            "GetMemory": link(f"{_PROJECT}/memory", project_id=expression)}


@router.post("/projects", status_code=201, response_model=ProjectPublic,
             responses=follows(201, **_of_project("$response.body#/id")))
def make_project(body: ProjectCreate, response: Response, settings: SettingsDep,
                 _: Admin) -> ProjectPublic:
    """Create a project: a client, its brand pod, and whether its edits render without review.
    Location is the new project."""
    project = create_project(name=body.name, client_name=body.client_name, brand=body.brand,
                             auto_approve=body.auto_approve, settings=settings, remote=True)
    response.headers["Location"] = f"/api/projects/{project.id}"
    return project


@router.get("/projects", response_model=list[ProjectPublic],
            responses=follows(200, **_of_project("$response.body#/0/id")))
def projects(settings: SettingsDep, _: Reader,
             limit: Annotated[int, Query(ge=1, le=500)] = 50,
             offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[ProjectPublic]:
    """Projects, oldest first, a page at a time."""
    return list_projects(limit=limit, offset=offset, settings=settings)


@router.get("/projects/{project_id}", response_model=ProjectPublic)
def project(project_id: str, settings: SettingsDep, _: Reader) -> ProjectPublic:
    """One project with its brand pod and learned preferences."""
    return get_project(project_id, settings=settings)


@router.patch("/projects/{project_id}", response_model=ProjectPublic, responses=follows(
    200, GetMemory=link(f"{_PROJECT}/memory", project_id="$request.path.project_id")))
def change_project(project_id: str, body: ProjectUpdate, settings: SettingsDep,
                   _: Admin) -> ProjectPublic:
    """Change a project's name, client, brand keys (merged; null removes one) or auto-approval."""
    return update_project(project_id, name=body.name, client_name=body.client_name,
                          brand=body.brand, auto_approve=body.auto_approve, settings=settings,
                          remote=True)


@router.get("/projects/{project_id}/memory", response_model=MemoryPublic)
def memory(project_id: str, settings: SettingsDep, _: Reader) -> MemoryPublic:
    """What the project's reviews add up to per deliverable, and its review metrics."""
    return show_memory(project_id, settings=settings)


@router.post("/projects/{project_id}/memory/reset", response_model=MemoryPublic)
def forget(project_id: str, settings: SettingsDep, _: Admin) -> MemoryPublic:
    """Start the memory afresh; the reviews stay recorded."""
    return reset_memory(project_id, settings=settings)


@router.get("/batches/{batch_id}/files", response_model=list[FilePublic])
def files(batch_id: str, settings: SettingsDep, _: Reader) -> list[FilePublic]:
    """The files of a batch with their probe results and derivatives."""
    return get_batch(batch_id, settings=settings).files
