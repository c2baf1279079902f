"""What the API fuzzing found, each pinned by a plain request (issue 16, point 8; issue 17,
point 6): a body that is not UTF-8 was an undocumented 400 (now the documented 422), as
FastAPI raised Starlette's HTTPException, which the problem handler did not catch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.api.errors import PROBLEM
from editron.config import Settings, reset_settings
from editron.db.runtime import ready
from editron.domain.access import ALL_SCOPES
from editron.services.tokens import create_token


@pytest.fixture()
def http(monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, dict[str, str]]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    reset_settings()
    settings = ready(Settings())
    token = create_token(
        name="findings", scopes=[s.value for s in ALL_SCOPES], settings=settings
    ).token
    return TestClient(create_app(settings, with_mcp=False)), {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize(
    "path", ["/api/batches", "/api/projects", "/api/batches/nope/edit-sessions"]
)
def test_a_body_that_is_not_utf8_is_invalid_input(
    http: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, headers = http
    answer = client.post(path, content=b"\xff\xfe{", headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "invalid_input"
    assert "UTF-8" in answer.json()["detail"]


def test_routing_errors_are_problems_too(http: tuple[TestClient, dict[str, str]]) -> None:
    """Starlette's own HTTP errors (an unknown path or method) go through the same handler."""
    client, headers = http
    for answer, status in (
        (client.get("/api/nothing-here", headers=headers), 404),
        (client.delete("/api/projects", headers=headers), 405),
    ):
        assert answer.status_code == status
        assert answer.headers["content-type"] == PROBLEM and answer.json()["status"] == status
