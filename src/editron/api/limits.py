"""The request body limit, as the outermost ASGI middleware: a declared ``Content-Length``
over the limit is answered 413 before the application runs (so before authentication), and a
streamed body is counted chunk by chunk and cut off as soon as it passes the limit."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["WEBHOOK_MAX_BODY_BYTES", "BodyLimit", "body_limit_for"]

# Dropbox's notification is {"list_folder": {"accounts": [...]}, "delta": {"users": [...]}}:
# about 50 bytes an account, so 64 KiB carries well over a thousand accounts at once.
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
_WEBHOOK_PATHS = ("/api/webhooks/",)


def body_limit_for(path: str, default: int) -> int:
    """The largest body ``path`` accepts (pure)."""
    if path.startswith(_WEBHOOK_PATHS):
        return min(default, WEBHOOK_MAX_BODY_BYTES)
    return default


def _too_large(limit: int) -> str:
    return (f"the request body is over this route's limit of {limit} bytes "
            "(EDITRON_MAX_BODY_BYTES sets it for the API)")


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers") or []:
        if key == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else -1
    return None


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"type": "about:blank", "title": "Too large", "status": 413,
                       "detail": _too_large(limit), "code": "too_large"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", ""), self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, limit)
            return
        if declared is not None and declared < 0:
            await _send_400(send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # FastAPI passes an HTTPException raised while it reads the body on to the
                # error handlers, which answer 413 as problem+json.
                raise HTTPException(413, _too_large(limit))
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _send_413(send, limit)


async def _send_400(send: Send) -> None:
    body = (b'{"type":"about:blank","title":"Bad request","status":400,'
            b'"detail":"Content-Length is not a number of bytes"}')
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
