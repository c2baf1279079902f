"""/api/webhooks/dropbox: Dropbox's challenge and change notifications.

No bearer token here: Dropbox cannot send one. The POST is trusted only through its
``X-Dropbox-Signature`` (HMAC-SHA256 of the raw body with the app secret); a missing or wrong
one is 403. Dropbox wants an answer within ten seconds, so the route only queues polls.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from editron.api.deps import SettingsDep
from editron.api.errors import ERROR_RESPONSES
from editron.services.schemas import documented
from editron.services.sources import handle_dropbox_webhook

__all__ = ["router"]

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])

_SIGNED_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "list_folder": {"type": "object", "properties": {
                    "accounts": {"type": "array", "items": {"type": "string"}}}},
                "delta": {"type": "object", "properties": {
                    "users": {"type": "array", "items": {"type": "integer"}}}},
            },
        }}},
    },
}


class WebhookAccepted(BaseModel):
    model_config = documented({"polls_queued": 2})

    polls_queued: int


@router.get("/dropbox", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "The challenge, echoed"}})
def dropbox_challenge(challenge: Annotated[str, Query(max_length=1024)]) -> PlainTextResponse:
    """Dropbox's verification request: echo the challenge back, as plain text only."""
    return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})


@router.post("/dropbox", response_model=WebhookAccepted, openapi_extra=_SIGNED_BODY,
             responses={403: {**ERROR_RESPONSES[422],
                              "description": "Missing or wrong X-Dropbox-Signature"},
                        422: ERROR_RESPONSES[422]})
async def dropbox_notification(
        request: Request, settings: SettingsDep,
        x_dropbox_signature: Annotated[str | None, Header(
            max_length=256, description="HMAC-SHA256 of the raw body with the app secret, hex",
            examples=["1f3b5c1d0e9a7b2c4d6e8f00112233445566778899aabbccddeeff0011223344"])
        ] = None,
) -> WebhookAccepted | JSONResponse:
    """A change in a watched account: queue a poll of each active source it concerns."""
    body = await request.body()
    # A wrong signature is WebhookSignatureError, which the error table answers with 403.
    queued = await run_in_threadpool(handle_dropbox_webhook, body, x_dropbox_signature,
                                     settings=settings)
    return WebhookAccepted(polls_queued=queued)
