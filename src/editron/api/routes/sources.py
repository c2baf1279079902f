"""/api/sources: watched Dropbox folders (add, list, get, queue a poll). Tokens go in, never out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from editron.api.deps import Admin, Operator, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.services.schemas import documented
from editron.services.sources import (
    SourcePublic,
    add_dropbox_source,
    get_source,
    list_sources,
    request_poll,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["sources"])


class SourceCreate(BaseModel):
    folder_path: str = Field(min_length=1, max_length=1024, examples=["/Events/Gala 2026"])
    project_id: str | None = Field(default=None, examples=["4f1c9a2e"])
    account_id: str | None = Field(default=None, max_length=128,
                                   examples=["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"])
    access_token: str | None = Field(
        default=None, max_length=4096, json_schema_extra={"writeOnly": True},
        examples=["sl.u.AFexampleToken"],
        description="this folder's own Dropbox token; stored, never returned "
                    "(default: EDITRON_DROPBOX_TOKEN)")
    storage_tier: str = Field(default="hot", examples=["hot"], pattern="^(hot|warm|cold)$")


class SourceList(BaseModel):
    model_config = documented({"items": [SourcePublic.model_json_schema()["examples"][0]]})

    items: list[SourcePublic]


class PollAccepted(BaseModel):
    model_config = documented({"id": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
                               "status": "queued",
                               "job_id": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"})

    id: str
    status: str
    job_id: str


_SOURCE = "/api/sources/{source_id}"


@router.post("/sources", status_code=201, response_model=SourcePublic, responses=follows(
    201, GetSource=link(_SOURCE, source_id="$response.body#/id"),
    Poll=link(f"{_SOURCE}/poll", "post", source_id="$response.body#/id")))
def create_source(body: SourceCreate, response: Response, settings: SettingsDep,
                  _: Admin) -> SourcePublic:
    """Watch a Dropbox folder: new media there becomes batches. A token given here is stored and
    never returned. Location is the source."""
    source = add_dropbox_source(folder_path=body.folder_path, project_id=body.project_id,
                                account_id=body.account_id, access_token=body.access_token,
                                storage_tier=body.storage_tier, settings=settings)
    response.headers["Location"] = f"/api/sources/{source.id}"
    return source


@router.get("/sources", response_model=SourceList, responses=follows(
    200, GetSource=link(_SOURCE, source_id="$response.body#/items/0/id"),
    Poll=link(f"{_SOURCE}/poll", "post", source_id="$response.body#/items/0/id")))
def sources(settings: SettingsDep, _: Reader, active: bool | None = None,
            project_id: Annotated[str | None, Query(max_length=64)] = None) -> SourceList:
    """Watched Dropbox folders, filtered by project or activity."""
    return SourceList(items=list_sources(settings=settings, active=active,
                                         project_id=project_id))


@router.get("/sources/{source_id}", response_model=SourcePublic)
def source(source_id: str, settings: SettingsDep, _: Reader) -> SourcePublic:
    """One watched Dropbox folder, without its token."""
    return get_source(source_id, settings=settings)


@router.post("/sources/{source_id}/poll", status_code=202, response_model=PollAccepted)
def poll(source_id: str, response: Response, settings: SettingsDep,
         _: Operator) -> PollAccepted:
    """Queue a poll of a watched folder now; Location is the source."""
    job_id = request_poll(source_id, settings=settings)
    response.headers["Location"] = f"/api/sources/{source_id}"
    return PollAccepted(id=source_id, status="queued", job_id=job_id)
