"""The operator dashboard: server-rendered pages over the services, beside the API.

``mount_dashboard(app)`` adds its routes to the API's FastAPI app (``editron serve`` serves
both): ``login`` (sign-in), ``pages`` (what each page shows), ``actions`` (its forms),
``media`` (Range-served media, the live event stream, the script); ``auth`` holds the sessions
and the CSRF check, ``views`` the pure helpers the templates use.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from editron.web import actions, login, media, pages
from editron.web.auth import LoginRequired, SessionStore, login_redirect

__all__ = ["mount_dashboard"]


def mount_dashboard(app: FastAPI) -> None:
    """Serve the dashboard from ``app`` (pages at ``/``, the API stays under ``/api``)."""
    app.state.web_sessions = SessionStore()

    async def to_login(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_redirect(exc.next_path), status_code=303)

    app.add_exception_handler(LoginRequired, to_login)
    for module in (login, pages, actions, media):
        app.include_router(module.router)
