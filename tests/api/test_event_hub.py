"""The API's event hub outlives a database outage: its poll keeps going, live events flow again
once the database is back, and stopping it does not raise the outage's error."""

from __future__ import annotations

import asyncio
import time

from editron.api.hub import POLL_SECONDS, EventHub
from editron.config import Settings
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.db.session import dispose_engines


def test_the_hub_keeps_polling_through_an_outage() -> None:
    settings = ready(Settings())
    path = settings.home_dir / "editron.db"
    aside = path.with_name("aside.db")

    async def scenario() -> None:
        hub = EventHub(settings)
        await hub.start()
        try:
            dispose_engines()
            path.rename(aside)
            path.mkdir()  # the database cannot be opened now
            dispose_engines()
            await asyncio.sleep(POLL_SECONDS * 5)  # several polls fail meanwhile
            assert hub._task is not None and not hub._task.done(), "the poll loop died"
            path.rmdir()
            aside.rename(path)
            dispose_engines()
            with db(settings) as session:
                event = append_event(session, entity_type="render_job", entity_id="j-1",
                                     event_type="job.progress", payload={"percent": 5})
                session.flush()
                wanted = event.id
            deadline = time.monotonic() + 60
            while hub.last_id < wanted and time.monotonic() < deadline:
                await asyncio.sleep(POLL_SECONDS)
            assert hub.last_id >= wanted, "live events did not resume"
        finally:
            await hub.stop()  # would raise the outage's error if the poll had died of it

    asyncio.run(scenario())
