"""The dashboard's pages: each reads the services (the same calls the API and CLI make) and
renders one template. Every page needs a session."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from editron.services.analyze import AnalysisPublic, latest_analysis
from editron.services.board import list_tasks
from editron.services.dashboard import analysis_stamp, batch_rows, render_queue, revision_history
from editron.services.edit import get_edit_session
from editron.services.ingest import get_batch
from editron.services.projects import list_projects
from editron.services.render import list_session_renders
from editron.services.sessions import list_edit_sessions_public
from editron.services.sources import list_sources
from editron.web import views
from editron.web.auth import SignedIn
from editron.web.templating import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STATUSES = ("queued", "downloading", "ready", "analyzing", "analyzed", "failed")
PAGE_SIZE = 50


@router.get("/", response_class=HTMLResponse)
def batches(request: Request, web: SignedIn,
            status: Annotated[str | None, Query(max_length=20)] = None,
            project: Annotated[str | None, Query(max_length=64)] = None,
            offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    settings = request.app.state.settings
    status = status if status in STATUSES else None
    project = project or None
    rows = batch_rows(status=status, project_id=project, limit=PAGE_SIZE, offset=offset,
                      settings=settings)
    projects = list_projects(limit=500, settings=settings)
    return page(request, "batches.html", web, rows=rows, projects=projects,
                names={p.id: p.name for p in projects}, statuses=STATUSES, status=status,
                project=project, offset=offset, page_size=PAGE_SIZE, live={"scope": "all"})


# Parsed complete analyses (with their chart, without the energy curve the chart was drawn
# from, the shots or the transcript's words), newest use last, per app: an event's analysis
# is megabytes of JSON, and a batch page is fetched again on every live update.
CACHED_ANALYSES = 4
_CACHE_LOCK = threading.Lock()
AnalysisView = tuple[AnalysisPublic | None, views.EnergyChart | None]


def _analysis_view(request: Request, batch_id: str) -> AnalysisView:
    settings = request.app.state.settings
    stamp = analysis_stamp(batch_id, settings=settings)
    if stamp is None:
        return None, None
    with _CACHE_LOCK:
        if not hasattr(request.app.state, "batch_analyses"):
            request.app.state.batch_analyses = OrderedDict()
        cache: OrderedDict[tuple[str, str, str | None], AnalysisView] = (
            request.app.state.batch_analyses)
        if stamp in cache:
            cache.move_to_end(stamp)
            return cache[stamp]
    analysis = latest_analysis(batch_id, settings=settings)
    if analysis is None:
        return None, None
    chart = (views.energy_chart(analysis.energy_curve, analysis.crowd_peaks)
             if analysis.energy_curve else None)
    # what the page shows of it, so a kept analysis is a few objects per line, not per word
    lines = [{"file_id": seg["file_id"], "start": seg["start"], "text": seg["text"]}
             for seg in analysis.transcript]
    view: AnalysisView = (analysis.model_copy(
        update={"energy_curve": [], "shots": [], "transcript": lines}), chart)
    if stamp[1] == "complete" and analysis.analysis_id == stamp[0]:
        with _CACHE_LOCK:
            cache[stamp] = view
            while len(cache) > CACHED_ANALYSES:
                cache.popitem(last=False)
    return view


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch(request: Request, batch_id: str, web: SignedIn) -> HTMLResponse:
    settings = request.app.state.settings
    found = get_batch(batch_id, settings=settings)
    analysis, chart = _analysis_view(request, found.batch_id)
    sessions = list_edit_sessions_public(found.batch_id, settings=settings)
    names = {f.id: f.filename for f in found.files}
    return page(request, "batch.html", web, batch=found, analysis=analysis, chart=chart,
                sessions=sessions, names=names,
                tasks=list_tasks(batch_id=found.batch_id, settings=settings),
                live={"batch_id": found.batch_id})


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def review(request: Request, session_id: str, web: SignedIn) -> HTMLResponse:
    settings = request.app.state.settings
    session = get_edit_session(session_id, settings=settings)
    files = {f.id: f for f in get_batch(session.batch_id, settings=settings).files}
    keys = [f"{t['aspect_ratio']} v{t['variant']}" for t in session.timelines]
    return page(request, "review.html", web, session=session, files=files, keys=keys,
                history=revision_history(session.session_id, settings=settings),
                renders=list_session_renders(session.session_id, settings=settings),
                live={"batch_id": session.batch_id}, page_state=session.status)


@router.get("/renders", response_class=HTMLResponse)
def renders(request: Request, web: SignedIn) -> HTMLResponse:
    jobs = render_queue(settings=request.app.state.settings)
    return page(request, "renders.html", web, jobs=jobs, live={"scope": "renders"})


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, web: SignedIn) -> HTMLResponse:
    settings = request.app.state.settings
    return page(request, "sources.html", web, sources=list_sources(settings=settings),
                projects=list_projects(limit=500, settings=settings),
                live={"scope": "all"})


@router.get("/board", response_class=HTMLResponse)
def board(request: Request, web: SignedIn,
          project: Annotated[str | None, Query(max_length=64)] = None,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    """A card per stage per batch, for the newest page of batches."""
    settings = request.app.state.settings
    rows = batch_rows(project_id=project or None, limit=PAGE_SIZE, offset=offset,
                      settings=settings)
    return page(request, "board.html", web, rows=rows, live={"scope": "all"},
                projects=list_projects(limit=500, settings=settings), project=project,
                offset=offset, page_size=PAGE_SIZE)
