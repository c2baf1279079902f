"""Limits everywhere: a body size limit on every route, enforced before the body is read and
before authentication, and headers and parameters that answer 422, never 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.api.limits import WEBHOOK_MAX_BODY_BYTES
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES

MiB = 1024 * 1024


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, str]]]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    reset_settings()
    settings = ready(Settings())
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="limits", scopes=ALL_SCOPES)
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def _call(app: Any, path: str, chunks: list[bytes] | None, headers: list[tuple[bytes, bytes]]
          ) -> tuple[int, bytes, int]:
    """Drive the ASGI app directly: (status, body, how many times it asked for the body)."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if chunks is None:  # an endless stream
            return {"type": "http.request", "body": b"x" * 65536, "more_body": True}
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1234),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"),
                         (b"content-type", b"application/json"), *headers]}
    anyio.run(app, scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, asked


def test_a_declared_oversized_body_is_refused_unread_and_unauthenticated(
        api: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = api
    for path in ("/api/batches", "/api/projects", "/mcp/", "/api/webhooks/dropbox"):
        status, body, asked = _call(client.app, path, [b"{}"],
                                    [(b"content-length", str(80 * MiB).encode())])
        assert (status, asked) == (413, 0), path
        assert b'"code": "too_large"' in body and b"limit of" in body


def test_a_streamed_body_is_cut_off_at_the_limit(api: tuple[TestClient, dict[str, str]]
                                                 ) -> None:
    client, auth = api
    token = [(b"authorization", auth["Authorization"].encode())]
    for path, headers in (("/api/batches", []), ("/mcp/", token)):
        status, body, asked = _call(client.app, path, None, headers)
        assert status == 413, (path, body)
        assert asked <= MiB // 65536 + 2  # stopped reading once past 1 MiB
    # /mcp checks the token first, so a stranger's stream is not read at all.
    assert _call(client.app, "/mcp/", None, [])[::2] == (401, 0)
    # With a valid token the route itself reads the stream: still 413, as problem+json.
    big = b'{"source_url": "' + b"a" * (2 * MiB) + b'"}'
    status, body, _ = _call(client.app, "/api/batches",
                            [big[i:i + 65536] for i in range(0, len(big), 65536)], token)
    assert status == 413 and b"too_large" in body


def test_the_webhook_and_the_setting_have_their_own_limits(
        api: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = api
    body = b'{"list_folder": {"accounts": ["' + b"a" * WEBHOOK_MAX_BODY_BYTES + b'"]}}'
    assert client.post("/api/webhooks/dropbox", content=body).status_code == 413
    monkeypatch.setenv("EDITRON_MAX_BODY_BYTES", "1000")
    small = TestClient(create_app(ready(Settings()), with_mcp=False))
    refused = small.post("/api/projects", json={"name": "x" * 2000})
    assert refused.status_code == 413 and "limit of 1000 bytes" in refused.json()["detail"]
    assert small.post("/api/projects", json={"name": "x"}).status_code == 401


@pytest.mark.parametrize("value", [b"9" * 5000, b"12\xe9", str(2**63).encode(), b"\xb2",
                                   b"-1", b"1e3"])
def test_a_bad_last_event_id_is_422(api: tuple[TestClient, dict[str, str]],
                                    value: bytes) -> None:
    client, auth = api
    answer = client.get("/api/events", params={"follow": "false"},
                        headers={**auth, "Last-Event-ID": value})  # type: ignore[dict-item]
    assert answer.status_code == 422, answer.text
    assert "Last-Event-ID" in answer.json()["detail"]


def test_a_good_last_event_id_still_resumes(api: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = api
    answer = client.get("/api/events", params={"follow": "false"},
                        headers={**auth, "Last-Event-ID": str(2**62)})
    assert answer.status_code == 200


def test_a_destination_in_someone_elses_home_is_422(api: tuple[TestClient, dict[str, str]]
                                                    ) -> None:
    client, auth = api
    for destination in ("~nosuchuser/x", "~/x", "a\x00b"):
        answer = client.post("/api/edit-sessions/00000000-0000-4000-8000-000000000000/renders",
                             json={"destinations": [destination]}, headers=auth)
        assert answer.status_code == 422, (destination, answer.text)
