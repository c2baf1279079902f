"""Edit sessions: assemble one on the queue (202), list a batch's, read one, download an
export (``/api/edit-sessions/{id}/exports/fcpxml?ratio=16:9``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from editron.api.deps import Authorized, SettingsDep
from editron.api.routes.batches import Accepted
from editron.services.edit import EditSessionPublic, get_edit_session, request_edit
from editron.services.sessions import (
    EXPORT_MEDIA_TYPES,
    export_session_download,
    list_edit_sessions_public,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["edits"])

Ratio = Literal["16:9", "9:16", "1:1"]
ExportFormat = Literal["otio", "fcpxml", "xmeml", "edl", "srt", "vtt", "ass"]


class EditCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deliverable_type: Literal["recap", "highlight", "social"] = Field(examples=["recap"])
    aspect_ratios: list[Ratio] | None = Field(
        default=None, min_length=1, max_length=3, examples=[["16:9", "9:16"]],
        description="Default: 16:9, 9:16 and 1:1.")
    reference_style: str | None = Field(
        default=None, max_length=64, examples=["energetic"],
        description="standard, energetic, cinematic, documentary or social.")
    include_captions: bool | None = None  # None: what the project learned, else true
    imovie_project: str | None = Field(default=None, max_length=200,
                                       examples=["Aurora Summit recap"])
    variants: int | None = Field(default=None, ge=1, le=10, examples=[3])
    duration: float | None = Field(default=None, ge=1, le=600, examples=[45],
                                   description="Seconds; default: the deliverable's length.")
    start_tc: str | None = Field(
        default=None, pattern=r"^\d{2}:\d{2}:\d{2}[:;]\d{2,3}$", examples=["01:00:00:00"],
        description="Record timecode of the first frame in every export; default 01:00:00:00.")


class EditSessionList(BaseModel):
    items: list[EditSessionPublic]
    limit: int
    offset: int


@router.post("/batches/{batch_id}/edit-sessions", status_code=202, response_model=Accepted)
def create_edit_session(batch_id: str, body: EditCreate, response: Response,
                        settings: SettingsDep, _: Authorized) -> Accepted:
    job_id = request_edit(batch_id=batch_id, deliverable_type=body.deliverable_type,
                          aspect_ratios=body.aspect_ratios,
                          reference_style=body.reference_style,
                          include_captions=body.include_captions,
                          imovie_project=body.imovie_project, variants=body.variants,
                          duration=body.duration, start_tc=body.start_tc, settings=settings)
    response.headers["Location"] = f"/api/batches/{batch_id}/edit-sessions"
    return Accepted(id=job_id, status="queued", job_id=job_id)


@router.get("/batches/{batch_id}/edit-sessions", response_model=EditSessionList)
def edit_sessions(batch_id: str, settings: SettingsDep, _: Authorized,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> EditSessionList:
    items = list_edit_sessions_public(batch_id, limit=limit, offset=offset, settings=settings)
    return EditSessionList(items=items, limit=limit, offset=offset)


@router.get("/edit-sessions/{session_id}", response_model=EditSessionPublic)
def edit_session(session_id: str, settings: SettingsDep, _: Authorized) -> EditSessionPublic:
    return get_edit_session(session_id, settings=settings)


_DOWNLOAD: dict[int | str, dict[str, Any]] = {200: {
    "description": "The export file, or a zip of one file per timeline when several match",
    "content": {t: {"schema": {"type": "string", "format": "binary"}}
                for t in sorted(set(EXPORT_MEDIA_TYPES.values()))}}}


@router.get("/edit-sessions/{session_id}/exports/{format}", response_class=Response,
            responses=_DOWNLOAD)
def export(session_id: str, fmt: Annotated[ExportFormat, Path(alias="format")],
           settings: SettingsDep, _: Authorized,
           ratio: Annotated[Ratio | None, Query(description="One aspect ratio")] = None,
           variant: Annotated[int | None, Query(ge=1, le=10)] = None,
           paths: Annotated[Literal["absolute", "relative"], Query(
               description="relative: media paths relative to the session's export folder")]
           = "absolute") -> Response:
    download = export_session_download(session_id=session_id, fmt=fmt, ratio=ratio,
                                       variant=variant, path_mode=paths, settings=settings)
    return Response(download.content, media_type=download.media_type,
                    headers={"Content-Disposition":
                             f'attachment; filename="{download.filename}"'})
