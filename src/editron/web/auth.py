"""Signing in to the dashboard: the API token is exchanged once for a server-side session.

The cookie carries only a random session id (HttpOnly, SameSite=Strict); the session knows the
token's id, never its value. Every request checks that the token is still unrevoked, so
revoking a token ends its sessions at once. Each session has its own CSRF token that every
form carries as ``csrf_token``; the login form, posted before any session exists, is checked
against a random value in a short-lived cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request

from editron.config import Settings
from editron.domain.access import Scope, missing_scope
from editron.services.tokens import token_is_live

__all__ = ["COOKIE", "LOGIN_COOKIE", "SESSION_SECONDS", "Administering", "CsrfChecked",
           "Operating", "SessionStore", "SignedIn", "WebSession", "check_csrf", "login_redirect",
           "signed_in"]

COOKIE = "editron_session"
LOGIN_COOKIE = "editron_login_csrf"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class WebSession:
    id: str
    token_id: str
    token_name: str
    csrf: str
    expires: float
    scopes: frozenset[str] = frozenset()


@dataclass
class SessionStore:
    """Sessions of this server process (a restart signs everyone out)."""

    _sessions: dict[str, WebSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, token_id: str, token_name: str,
             scopes: Iterable[str] = ()) -> WebSession:
        made = WebSession(id=secrets.token_urlsafe(32), token_id=token_id,
                          token_name=token_name, csrf=secrets.token_urlsafe(32),
                          expires=time.time() + SESSION_SECONDS, scopes=frozenset(scopes))
        with self._lock:
            self._sessions[made.id] = made
        return made

    def get(self, session_id: str | None) -> WebSession | None:
        if not session_id:
            return None
        with self._lock:
            found = self._sessions.get(session_id)
            if found is not None and found.expires < time.time():
                del self._sessions[session_id]
                return None
        return found

    def close(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def close_token(self, token_id: str) -> None:
        with self._lock:
            for sid in [s.id for s in self._sessions.values() if s.token_id == token_id]:
                del self._sessions[sid]


class LoginRequired(Exception):
    """Raised by the session dependency; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_redirect(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='')}"


def _store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.web_sessions
    return store


def signed_in(request: Request) -> WebSession:
    """The request's live session, else LoginRequired (a revoked token's sessions end)."""
    store = _store(request)
    found = store.get(request.cookies.get(COOKIE))
    settings: Settings = request.app.state.settings
    if found is not None and not token_is_live(found.token_id, settings=settings):
        store.close_token(found.token_id)
        found = None
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return found


SignedIn = Annotated[WebSession, Depends(signed_in)]


def check_csrf(web: SignedIn, csrf_token: Annotated[str, Form()] = "") -> WebSession:
    """Every form of a signed-in page: its csrf_token must be the session's (403 if not)."""
    if not csrf_token or not hmac.compare_digest(csrf_token, web.csrf):
        raise HTTPException(403, "the form's csrf_token is missing or wrong; reload the page "
                                 "and submit it again")
    return web


CsrfChecked = Annotated[WebSession, Depends(check_csrf)]


def _needs(scope: Scope) -> Callable[[WebSession], WebSession]:
    def holds(web: CsrfChecked) -> WebSession:
        """A form that does something: the signed-in token must hold ``scope`` (403)."""
        reason = missing_scope(web.scopes, scope)
        if reason is not None:
            raise HTTPException(403, reason)
        return web
    return holds


# Forms that start or change work need the token's `operate` scope, configuration `admin`,
# as over HTTP (docs/architecture.md, "Access").
Operating = Annotated[WebSession, Depends(_needs(Scope.OPERATE))]
Administering = Annotated[WebSession, Depends(_needs(Scope.ADMIN))]
