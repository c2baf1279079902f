"""Live updates survive a dropped connection, in a real browser (Debian's chromium driven by
Playwright) against a live server on loopback.

Playwright's routing stands in for the network: it answers a page's first event-stream request
itself with one event and then ends the stream (the connection dropping), and then refuses a
reconnection with 503 (a proxy while the server restarts). The real server answers every other
request, so what it replays is what the dashboard really sends: the browser's own
``Last-Event-ID`` after a drop (Playwright does not show that header, which the network stack
adds, so the test reads its effect: the event after it arrives, and the one before it does not
come again), and the page's ``after`` when it opens a new stream itself."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, Route

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.tokens import create_token
from tests.e2e.browser import Watch, browser
from tests.live_server import live_api

# Every event a page's EventSource delivers, in order (the page's own script is unchanged).
RECORD_EVENTS = """
window.__liveSeen = [];
window.__liveUrls = [];
const NativeEventSource = window.EventSource;
window.EventSource = class extends NativeEventSource {
  constructor(url, init) {
    super(url, init);
    window.__liveUrls.push(String(url));
    this.addEventListener("change", (m) => window.__liveSeen.push(Number(m.lastEventId)));
  }
};
"""
REFUSED = "HTTP 503"


def _append_events(settings: Settings, count: int) -> list[int]:
    with db(settings) as session:
        return [
            repos.events.append_event(
                session,
                entity_type="batch",
                entity_id="live-test",
                event_type="batch.file_progress",
                payload={"index": i, "count": count},
            ).id
            for i in range(count)
        ]


def _dropped_after(event_id: int) -> Callable[[Route], None]:
    """Answer with one event and end the stream; the browser retries 100 ms later."""
    body = (
        f"retry: 100\nid: {event_id}\nevent: change\n"
        f"data: {json.dumps({'id': event_id, 'event_type': 'batch.file_progress'})}\n\n"
    )
    return lambda route: route.fulfill(
        status=200, body=body, headers={"content-type": "text/event-stream"}
    )


def _refused(route: Route) -> None:
    route.fulfill(status=503, body="restarting", headers={"content-type": "text/plain"})


def _passed(route: Route) -> None:
    route.continue_()


def _seen_becomes(page: Page, want: list[int]) -> None:
    page.wait_for_function(f"window.__liveSeen.length >= {len(want)}", timeout=20_000)
    page.wait_for_timeout(600)  # nothing arrives twice
    assert page.evaluate("window.__liveSeen") == want


def test_live_updates_resume_after_a_dropped_connection(settings: Settings) -> None:
    settings = ready(settings)
    token = create_token(name="live", settings=settings).token
    plan: deque[Callable[[Route], None]] = deque()
    made: list[int] = []

    def answer(route: Route) -> None:
        (plan.popleft() if plan else _passed)(route)

    with live_api(settings) as base, browser() as chromium:
        watch = Watch()
        page = watch.attach(chromium.new_page(viewport={"width": 1366, "height": 768}))
        page.add_init_script(RECORD_EVENTS)
        page.goto(base + "/login")
        page.fill("#token", token)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(base + "/")
        page.route(re.compile(r"/live\?"), answer)

        # A drop: the browser reconnects by itself with Last-Event-ID; the server resumes after it.
        made += _append_events(settings, 2)
        plan.extend([_dropped_after(made[0]), _passed])
        page.goto(base + "/sources")
        _seen_becomes(page, [made[0], made[1]])
        page.wait_for_function("document.body.dataset.liveState === 'open'")

        # A refused reconnection: the browser gives up, the page opens a new stream from the
        # last event it saw (after=), and the server replays what came since.
        made += _append_events(settings, 2)
        plan.extend([_dropped_after(made[2]), _refused, _passed])
        page.goto(base + "/board")
        _seen_becomes(page, [made[2], made[3]])
        page.wait_for_function("document.body.dataset.liveState === 'open'")
        urls = page.evaluate("window.__liveUrls")
        assert len(urls) == 2, urls  # the browser's own retries reuse the first EventSource
        assert parse_qs(urlsplit(urls[1]).query)["after"] == [str(made[2])]
        assert not plan
        expected = [p for p in watch.problems if REFUSED in p or "503" in p]
        assert expected, "the refused reconnection was not seen"
        watch.problems = [p for p in watch.problems if p not in expected]
        watch.check()
