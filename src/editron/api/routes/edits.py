"""Edit sessions: assemble one on the queue (202), list a batch's, read one, download an
export (``/api/edit-sessions/{id}/exports/fcpxml?ratio=16:9``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from editron.api.deps import Operator, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.api.routes.batches import Accepted
from editron.edit.exporters import EXPORTERS
from editron.services.edit import EditSessionPublic, get_edit_session, request_edit_for
from editron.services.requests import EditRequest
from editron.services.schemas import documented
from editron.services.sessions import (
    ZIP_MEDIA_TYPE,
    export_session_download,
    list_edit_sessions_public,
)
from editron.services.vocabulary import ExportFormatName, RatioName

__all__ = ["EXPORT_PATH", "download_types", "router"]

router = APIRouter(prefix="/api", tags=["edits"])

_SESSION = "/api/edit-sessions/{session_id}"
EXPORT_PATH = "/api/edit-sessions/{session_id}/exports/{format}"


def _of_session(expression: str) -> dict[str, dict[str, Any]]:
    """Links to what can be done with the session ``expression`` names."""
    return {"GetEditSession": link(_SESSION, session_id=expression),
            "ListRenders": link(f"{_SESSION}/renders", session_id=expression),
            "CreateRenders": link(f"{_SESSION}/renders", "post", session_id=expression),
            "ListFeedback": link(f"{_SESSION}/feedback", session_id=expression),
            "CreateFeedback": link(f"{_SESSION}/feedback", "post", session_id=expression)}


class EditSessionList(BaseModel):
    model_config = documented({"items": [EditSessionPublic.model_json_schema()["examples"][0]],
                               "limit": 50, "offset": 0})

    items: list[EditSessionPublic]
    limit: int
    offset: int


@router.post("/batches/{batch_id}/edit-sessions", status_code=202, response_model=Accepted,
             responses=follows(202, **_of_session("$response.body#/id")))
def create_edit_session(batch_id: str, body: EditRequest, response: Response,
                        settings: SettingsDep, _: Operator) -> Accepted:
    """The session exists at once (``assembling``); Location is where it becomes
    ``needsreview``."""
    queued = request_edit_for(batch_id, body, settings=settings)
    response.headers["Location"] = f"/api/edit-sessions/{queued.session_id}"
    return Accepted(id=queued.session_id, status="queued", job_id=queued.job_id)


@router.get("/batches/{batch_id}/edit-sessions", response_model=EditSessionList,
            responses=follows(200, **_of_session("$response.body#/items/0/session_id")))
def edit_sessions(batch_id: str, settings: SettingsDep, _: Reader,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> EditSessionList:
    """A batch's edit sessions, newest first, a page at a time."""
    items = list_edit_sessions_public(batch_id, limit=limit, offset=offset, settings=settings)
    return EditSessionList(items=items, limit=limit, offset=offset)


@router.get("/edit-sessions/{session_id}", response_model=EditSessionPublic,
            responses=follows(
                200, GetAnalysis=link("/api/analyses/{analysis_id}",
                                      analysis_id="$response.body#/analysis_id"),
                GetBatch=link("/api/batches/{batch_id}", batch_id="$response.body#/batch_id"),
                Export=link(EXPORT_PATH, session_id="$request.path.session_id"),
                **_of_session("$request.path.session_id")))
def edit_session(session_id: str, settings: SettingsDep, _: Reader) -> EditSessionPublic:
    """One edit session: its timelines, exports, previews and revision."""
    return get_edit_session(session_id, settings=settings)


def download_types() -> dict[str, Any]:
    """The media types an export download may carry: every registered format's, and zip
    (``api.app`` refreshes them whenever the OpenAPI document is made)."""
    types = sorted({*(e.MEDIA_TYPE for e in EXPORTERS.values()), ZIP_MEDIA_TYPE})
    return {t: {"schema": _download_schema(t)} for t in types}


def _download_schema(media_type: str) -> dict[str, Any]:
    """A JSON export (OTIO) is a JSON document, which a client parses as one; anything else
    is bytes (pure)."""
    if media_type == "application/json" or media_type.endswith("+json"):
        return {"type": "object", "description": "The export as a JSON document"}
    return {"type": "string", "format": "binary"}


@router.get(EXPORT_PATH.removeprefix("/api"), response_class=Response,
            responses={200: {"description": "The export file, or a zip of one file per "
                                            "timeline when several match",
                             "content": download_types()}})
def export(session_id: str, fmt: Annotated[ExportFormatName, Path(alias="format")],
           settings: SettingsDep, _: Reader,
           ratio: Annotated[RatioName | None, Query(description="One aspect ratio")] = None,
           variant: Annotated[int | None, Query(ge=1, le=10)] = None,
           paths: Annotated[Literal["absolute", "relative"], Query(
               description="relative: media paths relative to the session's export folder")]
           = "absolute") -> Response:
    """Download one export of a session (FCPXML, EDL, OTIO, ...); several matching timelines come
    as a zip."""
    download = export_session_download(session_id=session_id, fmt=fmt, ratio=ratio,
                                       variant=variant, path_mode=paths, settings=settings)
    return Response(download.content, media_type=download.media_type,
                    headers={"Content-Disposition":
                             f'attachment; filename="{download.filename}"'})
