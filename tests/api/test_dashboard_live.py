"""The dashboard's event stream over real HTTP (uvicorn on loopback; the stream never ends, so
Starlette's in-process client cannot read it): a reconnecting page gets exactly the events it
missed, after its ``Last-Event-ID`` (which wins over the ``after`` it was rendered at), only for
its batch, and without a session it gets nothing."""

from __future__ import annotations

import json
import re
import threading

import httpx

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.tokens import create_token
from tests.live_server import live_api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _append(settings: Settings, batch_id: str, count: int) -> list[int]:
    with db(settings) as session:
        return [
            repos.events.append_event(
                session,
                entity_type="batch",
                entity_id=batch_id,
                event_type="batch.file_progress",
                payload={"index": i},
            ).id
            for i in range(count)
        ]


def _sign_in(http: httpx.Client, token: str) -> None:
    form = CSRF.search(http.get("/login").text)
    assert form
    done = http.post("/login", data={"token": token, "csrf_token": form.group(1)})
    assert done.status_code == 303, done.text


def _first_events(
    http: httpx.Client, count: int, params: dict[str, str], headers: dict[str, str]
) -> list[dict[str, object]]:
    """The first ``count`` events of the stream (then the connection is dropped)."""
    got: list[dict[str, object]] = []
    with http.stream("GET", "/live", params=params, headers=headers, timeout=20) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        ids: list[str] = []
        for line in stream.iter_lines():
            if line.startswith("id:"):
                ids.append(line[3:].strip())
            elif line.startswith("data:"):
                got.append(json.loads(line[5:]))
                assert str(got[-1]["id"]) == ids[-1]  # the SSE id is the event's id
                if len(got) == count:
                    break
    return got


def test_the_stream_resumes_after_last_event_id(settings: Settings) -> None:
    settings = ready(settings)
    token = create_token(name="live", settings=settings).token
    with live_api(settings) as base, httpx.Client(base_url=base, follow_redirects=False) as http:
        assert http.get("/live").status_code == 303  # no session, no events
        _sign_in(http, token)
        mine = _append(settings, "batch-a", 2)
        _append(settings, "batch-b", 1)  # another batch's: never sent to this page
        mine += _append(settings, "batch-a", 2)
        first = _first_events(http, 2, {"batch_id": "batch-a", "after": "0"}, {})
        assert [e["id"] for e in first] == mine[:2]
        resumed = _first_events(
            http, 2, {"batch_id": "batch-a", "after": "0"}, {"Last-Event-ID": str(mine[1])}
        )
        assert [e["id"] for e in resumed] == mine[2:]
        assert {e["batch_id"] for e in resumed} == {"batch-a"}
        later: list[int] = []
        timer = threading.Timer(1.0, lambda: later.extend(_append(settings, "batch-a", 1)))
        timer.start()  # arrives while the stream is open, after its backlog
        live = _first_events(http, 2, {"batch_id": "batch-a", "after": str(mine[2])}, {})
        timer.join()
        assert [e["id"] for e in live] == [mine[3], later[0]]
