"""/login and /logout: the API token in, a session cookie out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from editron.domain.access import Scope, missing_scope
from editron.services.tokens import authenticate
from editron.web.auth import (
    COOKIE,
    LOGIN_COOKIE,
    SESSION_SECONDS,
    CsrfChecked,
    SessionStore,
)
from editron.web.templating import page

__all__ = ["router", "safe_next"]

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path of this site (never ``//host`` or a URL) is followed after signing in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def _login_page(request: Request, next_path: str, error: str | None = None,
                status_code: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(32)
    response = page(request, "login.html", None, status_code=status_code, login_csrf=nonce,
                    next_path=next_path, error=error)
    _cookie(response, request, LOGIN_COOKIE, nonce, 600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request,
               next_path: Annotated[str | None, Query(alias="next", max_length=2000)] = None
               ) -> HTMLResponse:
    return _login_page(request, safe_next(next_path))


@router.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=512)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "",
          next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/") -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not csrf_token or not expected or not hmac.compare_digest(csrf_token, expected):
        raise HTTPException(403, "the sign-in form's csrf_token is missing or stale; reload "
                                 "/login and sign in again")
    found = authenticate(token.strip(), settings=request.app.state.settings) if token else None
    if found is None:
        return _login_page(request, safe_next(next_path), status_code=401,
                           error="That token is unknown or revoked. Make one with "
                                 "`editron tokens create --name NAME`.")
    if missing_scope(set(found.scopes), Scope.READ) is not None:
        return _login_page(request, safe_next(next_path), status_code=403,
                           error="That token may not read. Sign in with one that holds the "
                                 "`read` scope (`editron tokens create --scope read`).")
    store: SessionStore = request.app.state.web_sessions
    made = store.open(found.id, found.name, found.scopes)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    _cookie(response, request, COOKIE, made.id, SESSION_SECONDS)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, web: CsrfChecked) -> Response:
    store: SessionStore = request.app.state.web_sessions
    store.close(web.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
