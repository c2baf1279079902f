"""/api/events: the event log as server-sent events, resumable with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from sse_starlette.sse import EventSourceResponse

from editron.api.deps import Authorized, SettingsDep
from editron.config import Settings
from editron.db.events import events_after
from editron.services.runtime import db

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["events"])
POLL_SECONDS = 0.25


def _read(settings: Settings, last_id: int, filters: dict[str, str | None]
          ) -> list[dict[str, Any]]:
    with db(settings) as session:
        return [{"id": str(e.id), "event": e.event_type, "data": json.dumps({
            "id": e.id, "entity_type": e.entity_type, "entity_id": e.entity_id,
            "event_type": e.event_type, "batch_id": e.batch_id, "session_id": e.session_id,
            "job_id": e.job_id, "payload": e.payload, "created_at": e.created_at})}
            for e in events_after(session, last_id, **filters)]  # type: ignore[arg-type]


@router.get("/events")
async def events(settings: SettingsDep, _: Authorized,
                 batch_id: str | None = None, session_id: str | None = None,
                 job_id: str | None = None,
                 after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                 follow: bool = True,
                 last_event_id: Annotated[str | None, Header()] = None) -> EventSourceResponse:
    """Stream events after ``Last-Event-ID`` (or ``after``); ``follow=false`` stops at the end
    of the log instead of waiting for more. Heartbeats every 15 s keep proxies from closing."""
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    filters = {"batch_id": batch_id, "session_id": session_id, "job_id": job_id}

    async def stream() -> AsyncIterator[dict[str, Any]]:
        last = start
        while True:
            found = await asyncio.to_thread(_read, settings, last, filters)
            for item in found:
                last = int(item["id"])
                yield item
            if not follow and not found:
                return
            if not found:
                await asyncio.sleep(POLL_SECONDS)

    return EventSourceResponse(stream(), ping=15)
