"""What the pages load besides HTML, each behind the session: media (proxies, posters, hero
thumbnails, review previews, render outputs) served with HTTP Range so players can seek, the
live event stream, and the script. Only the stylesheet is public (the login page needs it,
and it carries no data)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, Response
from sse_starlette.sse import EventSourceResponse

from editron.api.hub import EventHub, Filters
from editron.errors import NotFoundError
from editron.services.analyze import latest_analysis
from editron.services.dashboard import output_file, preview_file, served_path
from editron.services.edit import get_edit_session
from editron.services.ingest import get_batch
from editron.web.auth import SignedIn
from editron.web.views import preview_key, webvtt

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".png": "image/png", ".webm": "video/webm"}


def _file(path: Path, *, download: bool = False) -> FileResponse:
    """Starlette's FileResponse answers Range requests with 206 and Content-Range."""
    kind = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=kind, filename=path.name if download else None,
                        headers={"Cache-Control": "private, max-age=60"})


@router.get("/static/app.css")
def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "app.css", media_type="text/css")


@router.get("/static/app.js")
def script(_: SignedIn) -> FileResponse:
    return FileResponse(STATIC / "app.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/media/batches/{batch_id}/files/{file_id}/{kind}")
async def file_media(request: Request, batch_id: str, file_id: str,
                     kind: Literal["proxy", "poster", "sprite"], _: SignedIn) -> FileResponse:
    settings = request.app.state.settings
    batch = await asyncio.to_thread(get_batch, batch_id, settings=settings)
    found = next((f for f in batch.files if f.id == file_id), None)
    if found is None:
        raise NotFoundError("media file", file_id)
    stored = {"proxy": found.proxy_path, "poster": found.poster_path,
              "sprite": found.sprite_path}[kind]
    return _file(served_path(stored, settings=settings))


@router.get("/media/batches/{batch_id}/moments/{index}")
async def moment_thumbnail(request: Request, batch_id: str, index: int,
                           _: SignedIn) -> FileResponse:
    settings = request.app.state.settings
    analysis = await asyncio.to_thread(latest_analysis, batch_id, settings=settings)
    moments = analysis.hero_moments if analysis is not None else []
    if not 0 <= index < len(moments) or not moments[index].get("thumbnail"):
        raise NotFoundError("hero moment thumbnail", f"{batch_id} #{index}")
    return _file(served_path(moments[index]["thumbnail"], settings=settings))


@router.get("/media/sessions/{session_id}/previews/{slug}.mp4")
async def preview(request: Request, session_id: str, slug: str, _: SignedIn) -> FileResponse:
    """The review preview, rendered from the proxies the first time it is asked for."""
    path = await asyncio.to_thread(preview_file, session_id, preview_key(slug),
                                   settings=request.app.state.settings)
    return _file(path)


@router.get("/media/sessions/{session_id}/captions/{slug}.vtt")
async def captions(request: Request, session_id: str, slug: str, _: SignedIn) -> Response:
    """A timeline's captions as WebVTT, for the player's caption track."""
    found = await asyncio.to_thread(get_edit_session, session_id,
                                    settings=request.app.state.settings)
    key = preview_key(slug)
    timeline = next((t for t in found.timelines
                     if f"{t['aspect_ratio']} v{t['variant']}" == key), None)
    if timeline is None:
        raise NotFoundError("timeline", f"{session_id} {key}")
    return Response(webvtt(timeline["captions"]), media_type="text/vtt")


@router.get("/media/renders/{job_id}/{index}")
async def download(request: Request, job_id: str, index: int, _: SignedIn) -> FileResponse:
    path = await asyncio.to_thread(output_file, job_id, index,
                                   settings=request.app.state.settings)
    return _file(path, download=True)


def _sse(item: dict[str, Any]) -> dict[str, str]:
    return {"id": str(item["id"]), "event": "change", "data": json.dumps(item)}


@router.get("/live")
async def live(request: Request, _: SignedIn,
               batch_id: Annotated[str | None, Query(max_length=64)] = None,
               after: Annotated[int, Query(ge=0, le=2**62)] = 0,
               last_event_id: Annotated[str | None, Header()] = None) -> EventSourceResponse:
    """The event log for one page, resumed from ``Last-Event-ID`` after a dropped connection
    (EventSource sends it by itself), else from the event the page was rendered at."""
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    hub: EventHub = request.app.state.event_hub

    async def stream() -> AsyncIterator[dict[str, str]]:
        async for item in hub.follow(start, Filters(batch_id=batch_id)):
            yield _sse(item)

    return EventSourceResponse(stream(), ping=15)
