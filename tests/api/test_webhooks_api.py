"""The Dropbox webhook (challenge, signed notifications) and /api/sources over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.models_ops import Event, JobRun
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES
from tests.dropbox_api_server import FakeDropbox, serve_dropbox

SECRET = "webhook-app-secret"
TOKEN = "sl.API-SECRET-token-987654321"
Client = tuple[TestClient, dict[str, str], Settings]


def _sign(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def _client(monkeypatch: pytest.MonkeyPatch, queue_url: str,
            api_host: str = "http://127.0.0.1:9") -> Iterator[Client]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", queue_url)
    monkeypatch.setenv("EDITRON_DROPBOX_APP_SECRET", SECRET)
    monkeypatch.setenv("EDITRON_DROPBOX_API_HOST", api_host)
    reset_settings()
    settings = ready(Settings())
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="tests", scopes=ALL_SCOPES)
    with TestClient(create_app(settings, with_mcp=False)) as test_client:
        yield test_client, {"Authorization": f"Bearer {token}"}, settings


@pytest.fixture()
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """A queue with no worker: polls are recorded, not run."""
    yield from _client(monkeypatch, "memory://")


def _polls(settings: Settings) -> list[str]:
    with db(settings) as session:
        return sorted(str(r.arguments["source_id"]) for r in session.scalars(
            select(JobRun).where(JobRun.operation == "poll_dropbox_source")))


def test_challenge_is_echoed_as_plain_text(queued: Client) -> None:
    http, _, _ = queued
    answer = http.get("/api/webhooks/dropbox", params={"challenge": "<b>abc123</b>"})
    assert answer.status_code == 200
    assert answer.text == "<b>abc123</b>"
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert http.get("/api/webhooks/dropbox").status_code == 422


def test_signed_notifications_queue_polls_for_matching_accounts(queued: Client) -> None:
    http, auth, settings = queued
    ids = {}
    for name, account in (("a", "dbid:A"), ("b", "dbid:B"), ("any", None)):
        made = http.post("/api/sources", headers=auth,
                         json={"folder_path": f"/Events/{name}", "account_id": account})
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    paused = http.post("/api/sources", headers=auth,
                       json={"folder_path": "/Events/paused", "account_id": "dbid:A"}).json()
    from editron.services.sources import set_source_active

    set_source_active(paused["id"], False, settings=settings)

    body = json.dumps({"list_folder": {"accounts": ["dbid:A"]},
                       "delta": {"users": [42]}}).encode()
    for signature in (None, "0" * 64, _sign(body + b"x")):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Dropbox-Signature"] = signature
        refused = http.post("/api/webhooks/dropbox", content=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert _polls(settings) == []

    ok = http.post("/api/webhooks/dropbox", content=body,
                   headers={"X-Dropbox-Signature": _sign(body),
                            "Content-Type": "application/json"})
    assert ok.status_code == 200 and ok.json() == {"polls_queued": 2}
    assert _polls(settings) == sorted([ids["a"], ids["any"]])
    # A burst of notifications does not pile up polls that have not started yet.
    again = http.post("/api/webhooks/dropbox", content=body,
                      headers={"X-Dropbox-Signature": _sign(body)})
    assert again.json() == {"polls_queued": 2} and len(_polls(settings)) == 2

    other = json.dumps({"list_folder": {"accounts": ["dbid:B"]}}).encode()
    http.post("/api/webhooks/dropbox", content=other,
              headers={"X-Dropbox-Signature": _sign(other)})
    assert _polls(settings) == sorted([ids["a"], ids["any"], ids["b"]])


def test_sources_need_a_token_and_never_return_one(queued: Client) -> None:
    http, auth, settings = queued
    assert http.get("/api/sources").status_code == 401
    assert http.post("/api/sources", json={"folder_path": "/x"}).status_code == 401
    made = http.post("/api/sources", headers=auth,
                     json={"folder_path": "/Events/Gala/", "access_token": TOKEN,
                           "storage_tier": "warm"})
    assert made.status_code == 201
    source = made.json()
    assert made.headers["Location"] == f"/api/sources/{source['id']}"
    assert source["folder_path"] == "/Events/Gala" and source["has_token"] is True
    assert "access_token" not in source
    listed = http.get("/api/sources", headers=auth)
    one = http.get(f"/api/sources/{source['id']}", headers=auth)
    poll = http.post(f"/api/sources/{source['id']}/poll", headers=auth)
    assert poll.status_code == 202 and poll.json()["job_id"]
    for answer in (made, listed, one, poll):
        assert TOKEN not in answer.text
    assert http.get("/api/sources/nope", headers=auth).status_code == 404
    assert http.post("/api/sources/nope/poll", headers=auth).status_code == 404
    bad = http.post("/api/sources", headers=auth, json={"folder_path": "Events"})
    assert bad.status_code == 422 and "must start with '/'" in bad.json()["detail"]
    dup = http.post("/api/sources", headers=auth, json={"folder_path": "/events/gala"})
    assert dup.status_code == 409
    with db(settings) as session:
        stored = [json.dumps(e.payload) for e in session.scalars(select(Event))]
    assert stored and TOKEN not in "\n".join(stored)


def test_poll_over_http_ingests_the_folder(monkeypatch: pytest.MonkeyPatch,
                                           media_dir: Path) -> None:
    with serve_dropbox(token=TOKEN) as fake:
        fake.put("/Events/Gala/keynote.mp4", (media_dir / "clip.mp4").read_bytes())
        fake.put("/Events/Gala/readme.txt", b"not media")
        for http, auth, settings in _client(monkeypatch, "immediate://", fake.api_url):
            _poll_once(http, auth, settings, fake)


def _poll_once(http: TestClient, auth: dict[str, str], settings: Settings,
               fake: FakeDropbox) -> None:
    source = http.post("/api/sources", headers=auth,
                       json={"folder_path": "/Events/Gala", "access_token": TOKEN}).json()
    body = b'{"list_folder": {"accounts": []}}'
    ok = http.post("/api/webhooks/dropbox", content=body,
                   headers={"X-Dropbox-Signature": _sign(body)})
    assert ok.json() == {"polls_queued": 1}
    batches = http.get("/api/batches", headers=auth).json()["items"]
    assert [(b["status"], b["file_count"]) for b in batches] == [("ready", 1)]
    after = http.get(f"/api/sources/{source['id']}", headers=auth).json()
    assert after["watching"] is True
    everything = "\n".join(r.text for r in (
        http.get("/api/sources", headers=auth),
        http.get("/api/events", params={"follow": "false"}, headers=auth),
        http.get(f"/api/batches/{batches[0]['batch_id']}", headers=auth)))
    assert TOKEN not in everything
    assert len(fake.link_gets()) == 1
