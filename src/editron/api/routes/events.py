"""/api/events: the event log as server-sent events, resumable with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from sse_starlette.sse import EventSourceResponse

from editron.api.deps import Reader, SettingsDep
from editron.api.hub import EventHub, Filters, read_items
from editron.errors import InputError

__all__ = ["parse_last_event_id", "router"]

router = APIRouter(prefix="/api", tags=["events"])

MAX_EVENT_ID = 2**62  # ids are 64-bit integers in the database; the same bound as ``after``


def parse_last_event_id(value: str | None, default: int) -> int:
    """The event id a reconnecting client last saw, from its ``Last-Event-ID`` header; an
    empty header means ``default`` (the SSE spec's reset). Anything but ASCII digits up to
    2^62 is an InputError (422), never a server error (pure)."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_EVENT_ID:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise InputError(f"Last-Event-ID {shown!r} is not an event id: send the id of the "
                         f"last event received, a whole number from 0 to {MAX_EVENT_ID}")
    return int(text)


def _sse(item: dict[str, Any]) -> dict[str, str]:
    return {"id": str(item["id"]), "event": item["event_type"], "data": json.dumps(item)}


# OpenAPI before 3.2 reads ``schema`` of an event stream as the shape of each event.
_EVENT = {"type": "object", "required": ["data"], "properties": {
    "id": {"type": "string", "description": "The event's id, for Last-Event-ID",
           "examples": ["42"]},
    "event": {"type": "string", "description": "The event type",
              "examples": ["batch.ready"]},
    "data": {"type": "string", "contentMediaType": "application/json",
             "description": "The event as JSON: id, entity_type, entity_id, event_type, "
                            "batch_id, session_id, job_id, payload, created_at",
             "examples": ['{"id": 42, "event_type": "batch.ready", "batch_id": "7d2c1e9a"}']},
}}
_STREAM: dict[int | str, dict[str, Any]] = {200: {
    "description": "Server-sent events, one per logged change",
    "content": {"text/event-stream": {"schema": _EVENT}}}}


@router.get("/events", response_class=Response, responses=_STREAM)
async def events(request: Request, settings: SettingsDep, _: Reader,
                 batch_id: str | None = None, session_id: str | None = None,
                 job_id: str | None = None,
                 after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
                 follow: bool = True,
                 last_event_id: Annotated[str | None, Header(
                     description="The id of the last event received (a reconnecting "
                                 "EventSource sends it); overrides `after`",
                     examples=["1042"])] = None) -> EventSourceResponse:
    """Stream events after ``Last-Event-ID`` (or ``after``); ``follow=false`` stops at the end
    of the log instead of waiting for more. Heartbeats every 15 s keep proxies from closing."""
    start = parse_last_event_id(last_event_id, after)
    filters = Filters(batch_id, session_id, job_id)
    hub: EventHub = request.app.state.event_hub

    async def stream() -> AsyncIterator[dict[str, str]]:
        if follow:
            async for item in hub.follow(start, filters):
                yield _sse(item)
            return
        last = start
        while items := await asyncio.to_thread(read_items, settings, last, filters):
            for item in items:
                last = item["id"]
                yield _sse(item)

    return EventSourceResponse(stream(), ping=15)
