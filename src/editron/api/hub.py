"""One poller of the event log per API process, fanned out to every live SSE client.

Two hundred dashboards must not mean two hundred database polls: the hub reads new events once
per tick and hands each subscriber the ones matching its filters. A client resuming from an
older id first reads its backlog from the database, then joins the live feed without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from editron.config import Settings
from editron.errors import DatabaseError
from editron.services.events import latest_event_id, read_events

__all__ = ["EventHub", "Filters", "read_items"]

POLL_SECONDS = 0.2
BATCH = 1000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filters:
    batch_id: str | None = None
    session_id: str | None = None
    job_id: str | None = None

    def match(self, item: dict[str, Any]) -> bool:
        return all(want is None or item.get(key) == want for key, want in (
            ("batch_id", self.batch_id), ("session_id", self.session_id),
            ("job_id", self.job_id)))


def read_items(settings: Settings, after: int, filters: Filters | None = None,
               limit: int = BATCH) -> list[dict[str, Any]]:
    f = filters or Filters()
    return [e.model_dump() for e in read_events(settings, after, batch_id=f.batch_id,
                                                session_id=f.session_id, job_id=f.job_id,
                                                limit=limit)]


@dataclass
class EventHub:
    settings: Settings
    last_id: int = 0
    _subscribers: set[asyncio.Queue[dict[str, Any]]] = field(default_factory=set)
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        latest = await asyncio.to_thread(self._latest_id)
        self.last_id = latest
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _latest_id(self) -> int:
        return latest_event_id(self.settings)

    async def _poll(self) -> None:
        down = False
        while True:
            try:
                items = await asyncio.to_thread(read_items, self.settings, self.last_id)
            except DatabaseError as exc:
                # An outage must not end live events for good (nor fail the server's
                # shutdown with it): keep polling, and say so once per outage.
                if not down:
                    log.warning("event hub: cannot read the event log (%s); retrying",
                                exc.message)
                down = True
                await asyncio.sleep(POLL_SECONDS)
                continue
            if down:
                log.info("event hub: reading the event log again")
                down = False
            for item in items:
                self.last_id = item["id"]
                for queue in list(self._subscribers):
                    queue.put_nowait(item)
            if len(items) < BATCH:
                await asyncio.sleep(POLL_SECONDS)

    async def follow(self, after: int, filters: Filters) -> AsyncIterator[dict[str, Any]]:
        """Everything after ``after`` that matches, then live events as they come."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            seen = after
            live_from = self.last_id
            while seen < live_from:  # backlog straight from the database
                backlog = await asyncio.to_thread(read_items, self.settings, seen, filters)
                backlog = [i for i in backlog if i["id"] <= live_from]
                if not backlog:
                    break
                for item in backlog:
                    seen = item["id"]
                    yield item
            while True:
                item = await queue.get()
                if item["id"] > seen and filters.match(item):
                    seen = item["id"]
                    yield item
        finally:
            self._subscribers.discard(queue)
