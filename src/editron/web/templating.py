"""The Jinja2 environment of the dashboard and the one way a page is rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from editron.services.events import latest_event_id
from editron.services.vocabulary import names_of
from editron.web import views
from editron.web.auth import WebSession

__all__ = ["page"]

HERE = Path(__file__).parent
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"),
                                            autoescape=True))
templates.env.filters.update(bytes=views.human_bytes, clock=views.clock,
                             slug=views.ratio_slug)
templates.env.globals.update(batch_progress=views.batch_progress,
                             describe_adjustments=views.describe_adjustments)

NAV = (("/", "Batches"), ("/renders", "Renders"), ("/sources", "Sources"), ("/board", "Board"))


def page(request: Request, name: str, web: WebSession | None, *, status_code: int = 200,
         live: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render a template with what every page needs: the session's CSRF token, the nav, the
    registries for forms, and the event id the page is current at (live updates start there,
    so nothing between rendering and subscribing is missed)."""
    settings = request.app.state.settings
    after = latest_event_id(settings) if web is not None else 0
    response: HTMLResponse = templates.TemplateResponse(request, name, {
        "web": web, "csrf": web.csrf if web else "", "nav": NAV, "path": request.url.path,
        "live": live or {}, "after": after, "page_state": "",
        "deliverables": names_of("deliverable"),
        "ratios": names_of("aspect ratio"), "styles": names_of("style"),
        "profiles": names_of("render profile"), **context},
        status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
