"""The dashboard's forms. Each is read into the same request model the API takes as its body
(``services.requests``), handed to the same service, and answered with a redirect to the page
that shows the result (post/redirect/get). Every form carries the session's ``csrf_token``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from editron.api.errors import status_for
from editron.errors import EditronError, InputError
from editron.services.analyze import request_analysis
from editron.services.edit import request_edit_for
from editron.services.feedback import give_feedback
from editron.services.ingest import ingest_media_batch
from editron.services.render import (
    cancel_render_job,
    render_video_deliverables,
    retry_render_job,
)
from editron.services.requests import (
    AnalysisRequest,
    CommentRequest,
    EditRequest,
    FeedbackRequest,
    IngestRequest,
    RenderRequest,
)
from editron.services.sessions import network_destinations
from editron.services.sources import (
    add_dropbox_source,
    remove_source,
    request_poll,
    set_source_active,
)
from editron.web.auth import Administering, Operating
from editron.web.templating import page

__all__ = ["router", "run_form"]

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
Many = Annotated[list[str] | None, Form()]


def _problem_text(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
                     for e in exc.errors())


def run_form(request: Request, web: Operating, action: Callable[[], str]) -> Response:
    """Run ``action`` (which returns the page to go to); a refused request is shown as a page
    that says what was wrong, with the status the API would give."""
    try:
        return RedirectResponse(action(), status_code=303)
    except ValidationError as exc:
        code, message = 422, _problem_text(exc)
    except EditronError as exc:
        code, message = status_for(exc)[0], str(exc)
    back = request.headers.get("referer", "/")
    return page(request, "error.html", web, status_code=code, message=message, back=back)


def _blank(value: str) -> str | None:
    return value.strip() or None


@router.post("/batches")
def ingest(request: Request, web: Operating, source_url: Text = "",
           reference_name: Text = "", storage_tier: Text = "hot",
           project_id: Text = "") -> Response:
    def act() -> str:
        body = IngestRequest(source_url=source_url.strip(),
                             reference_name=_blank(reference_name),
                             storage_tier=storage_tier,
                             project_id=_blank(project_id))
        made = ingest_media_batch(source_url=body.source_url,
                                  reference_name=body.reference_name,
                                  storage_tier=body.storage_tier,
                                  checksum_required=body.checksum_required,
                                  project_id=body.project_id,
                                  settings=request.app.state.settings, defer=True,
                                  remote=True)  # a network caller: import roots apply
        return f"/batches/{made.batch_id}"
    return run_form(request, web, act)


@router.post("/batches/{batch_id}/analyse")
def analyse(request: Request, batch_id: str, web: Operating, brief: Text = "",
            max_iterations: Annotated[int, Form(ge=1, le=3)] = 3) -> Response:
    def act() -> str:
        body = AnalysisRequest(brief=_blank(brief), max_iterations=max_iterations)
        request_analysis(batch_id=batch_id, brief=body.brief, scope=body.scope,
                         model_hint=body.model_hint, max_iterations=body.max_iterations,
                         analysers=body.analysers, language=body.language,
                         settings=request.app.state.settings)
        return f"/batches/{batch_id}"
    return run_form(request, web, act)


@router.post("/batches/{batch_id}/edits")
def generate(request: Request, batch_id: str, web: Operating,
             deliverable_type: Text = "recap", aspect_ratios: Many = None,
             reference_style: Text = "", include_captions: Text = "",
             variants: Text = "", duration: Text = "") -> Response:
    def act() -> str:
        body = EditRequest.model_validate({
            "deliverable_type": deliverable_type, "aspect_ratios": aspect_ratios or None,
            "reference_style": _blank(reference_style),
            "include_captions": {"on": True, "off": False}.get(include_captions),
            "variants": _blank(variants), "duration": _blank(duration)})
        queued = request_edit_for(batch_id, body, settings=request.app.state.settings)
        return f"/sessions/{queued.session_id}"
    return run_form(request, web, act)


def _adjustments(pace: str, duration: str, captions: str, music: str,
                 transitions: str) -> list[str]:
    """The structured adjustments the review form offers, as the ``key=value`` words of
    ``FeedbackRequest.adjust`` (pure)."""
    pairs = (("pace", pace), ("duration", duration), ("captions", captions),
             ("music", music), ("transitions", transitions))
    return [f"{key}={value.strip()}" for key, value in pairs if value.strip()]


@router.post("/sessions/{session_id}/feedback")
def feedback(request: Request, session_id: str, web: Operating, decision: Text = "",
             notes: Text = "", pace: Text = "", duration: Text = "", captions: Text = "",
             music: Text = "", transitions: Text = "", drop: Many = None,
             comment_at: Many = None, comment_text: Many = None) -> Response:
    def act() -> str:
        comments = [CommentRequest(at=at.strip(), text=text.strip()) for at, text in
                    zip(comment_at or [], comment_text or [], strict=False)
                    if at.strip() and text.strip()]
        body = FeedbackRequest(decision=decision,
                               notes=_blank(notes),
                               adjust=_adjustments(pace, duration, captions, music,
                                                   transitions),
                               drop=[d for d in drop or [] if d.strip()], comments=comments)
        result = give_feedback(session_id, body, settings=request.app.state.settings)
        target = result.revision.session_id if result.revision else session_id
        return f"/sessions/{target}"
    return run_form(request, web, act)


@router.post("/sessions/{session_id}/render")
def render(request: Request, session_id: str, web: Operating,
           formats: Many = None, priority: Text = "standard", profile: Text = "",
           no_review: Text = "") -> Response:
    def act() -> str:
        settings = request.app.state.settings
        body = RenderRequest.model_validate({"formats": formats or ["mp4"],
                                             "priority": priority,
                                             "profile": _blank(profile),
                                             "no_review": no_review == "on"})
        render_video_deliverables(
            edit_session_id=session_id,
            destinations=network_destinations(body.destinations, settings=settings),
            formats=body.formats, priority=body.priority, profile=body.profile,
            ratios=body.aspect_ratios, force=body.force, no_review=body.no_review,
            settings=settings)
        return "/renders"
    return run_form(request, web, act)


@router.post("/renders/{job_id}/cancel")
def cancel(request: Request, job_id: str, web: Operating) -> Response:
    def act() -> str:
        cancel_render_job(job_id, settings=request.app.state.settings)
        return "/renders"
    return run_form(request, web, act)


@router.post("/renders/{job_id}/retry")
def retry(request: Request, job_id: str, web: Operating) -> Response:
    def act() -> str:
        retry_render_job(job_id, settings=request.app.state.settings, enqueue_job=True)
        return "/renders"
    return run_form(request, web, act)


@router.post("/sources")
def add_source(request: Request, web: Administering, folder_path: Text = "",
               project_id: Text = "", storage_tier: Text = "hot") -> Response:
    def act() -> str:
        add_dropbox_source(folder_path=folder_path, project_id=_blank(project_id),
                           storage_tier=storage_tier, settings=request.app.state.settings)
        return "/sources"
    return run_form(request, web, act)


@router.post("/sources/{source_id}/remove")
def remove_watched(request: Request, source_id: str, web: Administering) -> Response:
    def act() -> str:
        remove_source(source_id, settings=request.app.state.settings)
        return "/sources"
    return run_form(request, web, act)


@router.post("/sources/{source_id}/{change}")
def change_source(request: Request, source_id: str, change: str, web: Operating) -> Response:
    def act() -> str:
        settings = request.app.state.settings
        if change == "poll":
            request_poll(source_id, settings=settings)
        elif change in ("pause", "resume"):
            set_source_active(source_id, change == "resume", settings=settings)
        else:
            raise InputError(f"unknown change {change!r} (poll, pause or resume)")
        return "/sources"
    return run_form(request, web, act)
