"""Editron's MCP tools over streamable HTTP at /mcp, behind the same bearer tokens, scopes and
failed-authentication limit as /api, with the SDK's DNS-rebinding protection on."""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from editron.api.deps import client_address
from editron.api.ratelimit import FailedAuthLimiter
from editron.config import Settings
from editron.domain.access import missing_scope
from editron.errors import RateLimitedError
from editron.mcp.scopes import needed_scopes
from editron.services.tokens import TokenPublic, authenticate

__all__ = ["LOOPBACK_HOSTS", "TokenGate", "transport_security"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings, bind_host: str | None) -> TransportSecuritySettings:
    """Host headers /mcp answers: ``EDITRON_ALLOWED_HOSTS`` when set, else the loopback names
    and the host the server binds, on any port; browser origins likewise (pure)."""
    names = list(dict.fromkeys([*LOOPBACK_HOSTS, *([bind_host] if bind_host else [])]))
    hosts = settings.allowed_hosts or [h for n in names for h in (n, f"{n}:*")]
    bare = [h.removesuffix(":*") for h in hosts]
    origins = [f"{scheme}://{h}{port}" for h in dict.fromkeys(bare)
               for scheme in ("http", "https") for port in ("", ":*")]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=[*origins, *settings.cors_origins])


async def _answer(send: Send, status: int, title: str, detail: str,
                  extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail}).encode()
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()), *extra]}
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return b"".join(chunks)


class TokenGate:
    """Lets a request through only with a valid ``Authorization: Bearer`` token that holds
    the scope of every tool the JSON-RPC body calls (``mcp.scopes``)."""

    def __init__(self, app: ASGIApp, settings: Settings, limiter: FailedAuthLimiter) -> None:
        self.app, self.settings, self.limiter = app, settings, limiter

    def _token(self, token: str) -> TokenPublic | None:
        return authenticate(token, settings=self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        try:
            self.limiter.check(client)
        except RateLimitedError as exc:
            await _answer(send, 429, "Too many requests", str(exc),
                          ((b"retry-after", str(exc.retry_after).encode()),))
            return
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        scheme, _, value = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        token = (await anyio.to_thread.run_sync(self._token, value)
                 if scheme.lower() == "bearer" and value else None)
        if token is None:
            self.limiter.failed(client)
            await _answer(send, 401, "Unauthorized", "a valid bearer token is required for /mcp",
                          ((b"www-authenticate", b"Bearer"),))
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        held = {s.value for s in token.scopes}
        for needed in sorted(needed_scopes(body)):
            reason = missing_scope(held, needed)
            if reason is not None:
                await _answer(send, 403, "Forbidden", reason)
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body over once, then the real stream's
    messages (a disconnect)."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
