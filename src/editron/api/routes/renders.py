"""Render jobs: queue a session's renders (202), list them, follow, cancel and retry one,
download a finished one (from the media store).

Destinations given over HTTP are ``store:`` (the default: the media store, downloaded with
``GET /api/render-jobs/{id}/output``), ``dropbox:/...`` or folders under ``<home>/deliveries``
(see ``editron.services.sessions``); anything else is refused with 422."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from editron.api.deps import Operator, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.services.render import (
    RenderJobPublic,
    RenderRequestPublic,
    cancel_render_job,
    get_render_job,
    list_session_renders,
    render_output,
    render_video_deliverables,
    retry_render_job,
)
from editron.services.requests import RenderRequest
from editron.services.sessions import network_destinations

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["renders"])

_JOB = "/api/render-jobs/{job_id}"
_MEDIA_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


def _of_job(expression: str) -> dict[str, dict[str, Any]]:
    return {"GetRenderJob": link(_JOB, job_id=expression),
            "Cancel": link(f"{_JOB}/cancel", "post", job_id=expression),
            "Retry": link(f"{_JOB}/retry", "post", job_id=expression)}


@router.post("/edit-sessions/{session_id}/renders", status_code=202,
             response_model=RenderRequestPublic, responses=follows(
                 202, ListRenders=link("/api/edit-sessions/{session_id}/renders",
                                       session_id="$request.path.session_id"),
                 **_of_job("$response.body#/render_job_ids/0")))
def create_renders(session_id: str, body: RenderRequest, response: Response,
                   settings: SettingsDep, _: Operator) -> RenderRequestPublic:
    """Queue the renders of a session, one job per timeline and format; Location lists them."""
    request = render_video_deliverables(
        edit_session_id=session_id,
        destinations=network_destinations(body.destinations, settings=settings),
        formats=body.formats, priority=body.priority, profile=body.profile,
        ratios=body.aspect_ratios, force=body.force, no_review=body.no_review,
        settings=settings)
    response.headers["Location"] = f"/api/edit-sessions/{session_id}/renders"
    return request


@router.get("/edit-sessions/{session_id}/renders", response_model=list[RenderJobPublic],
            responses=follows(200, **_of_job("$response.body#/0/id")))
def renders(session_id: str, settings: SettingsDep, _: Reader) -> list[RenderJobPublic]:
    """A session's render jobs with progress, QC and outputs."""
    return list_session_renders(session_id, settings=settings)


@router.get("/render-jobs/{job_id}", response_model=RenderJobPublic, responses=follows(
    200, GetEditSession=link("/api/edit-sessions/{session_id}",
                             session_id="$response.body#/edit_session_id"),
    **_of_job("$request.path.job_id")))
def render_job(job_id: str, settings: SettingsDep, _: Reader) -> RenderJobPublic:
    """One render job: progress, QC result, outputs and last error."""
    return get_render_job(job_id, settings=settings)


@router.get("/render-jobs/{job_id}/output", response_class=FileResponse,
            responses={200: {"description": "The rendered file (HTTP Range for seeking)",
                             "content": {"video/mp4": {"schema": {"type": "string",
                                                                  "format": "binary"}},
                                         "video/quicktime": {"schema": {"type": "string",
                                                                        "format": "binary"}},
                                         "video/webm": {"schema": {"type": "string",
                                                                   "format": "binary"}}}}})
def output(job_id: str, settings: SettingsDep, _: Reader) -> FileResponse:
    """Download a finished render from the media store (whichever host rendered it)."""
    path = render_output(job_id, settings=settings)
    return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix.lower(),
                                                          "application/octet-stream"),
                        filename=path.name)


@router.post("/render-jobs/{job_id}/cancel", response_model=RenderJobPublic,
             responses=follows(200, **_of_job("$response.body#/id")))
def cancel(job_id: str, settings: SettingsDep, _: Operator) -> RenderJobPublic:
    """Cancel a queued or running render job (its ffmpeg is stopped)."""
    return cancel_render_job(job_id, settings=settings)


@router.post("/render-jobs/{job_id}/retry", status_code=202, response_model=RenderJobPublic,
             responses=follows(202, **_of_job("$response.body#/id")))
def retry(job_id: str, response: Response, settings: SettingsDep,
          _: Operator) -> RenderJobPublic:
    """Queue a failed or cancelled render job again; Location is the job."""
    job = retry_render_job(job_id, settings=settings, enqueue_job=True)
    response.headers["Location"] = f"/api/render-jobs/{job_id}"
    return job
