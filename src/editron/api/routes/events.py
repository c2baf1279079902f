"""/api/events: the event log as server-sent events, resumable with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse

from editron.api.deps import Authorized, SettingsDep
from editron.api.hub import EventHub, Filters, read_items

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["events"])


def _sse(item: dict[str, Any]) -> dict[str, str]:
    return {"id": str(item["id"]), "event": item["event_type"], "data": json.dumps(item)}


@router.get("/events")
async def events(request: Request, settings: SettingsDep, _: Authorized,
                 batch_id: str | None = None, session_id: str | None = None,
                 job_id: str | None = None,
                 after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                 follow: bool = True,
                 last_event_id: Annotated[str | None, Header()] = None) -> EventSourceResponse:
    """Stream events after ``Last-Event-ID`` (or ``after``); ``follow=false`` stops at the end
    of the log instead of waiting for more. Heartbeats every 15 s keep proxies from closing."""
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
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
