"""Editron's MCP tools over streamable HTTP at /mcp, behind the same bearer tokens as /api."""

from __future__ import annotations

from typing import Any

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from editron.config import Settings
from editron.services.tokens import authenticate

__all__ = ["TokenGate"]


class TokenGate:
    """Lets a request through only with a valid ``Authorization: Bearer`` token."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    def _valid(self, token: str) -> bool:
        return authenticate(token, settings=self.settings) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
        if scheme.lower() == "bearer" and token and await anyio.to_thread.run_sync(
                self._valid, token):
            await self.app(scope, receive, send)
            return
        body = (b'{"type":"about:blank","title":"Unauthorized","status":401,'
                b'"detail":"a bearer token is required for /mcp"}')
        start: dict[str, Any] = {"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/problem+json"),
            (b"www-authenticate", b"Bearer"), (b"content-length", str(len(body)).encode())]}
        await send(start)
        await send({"type": "http.response.body", "body": body})
