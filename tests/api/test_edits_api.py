"""Edit sessions and feedback over HTTP, on the analysed sample event, with the queue in
immediate mode (a 202'd job has run by the time the response arrives)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES
from tests.conftest import AnalysedEvent

Http = tuple[TestClient, dict[str, str]]


def _client(settings: Settings) -> Iterator[Http]:
    settings = ready(settings)
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="edit-tests", scopes=ALL_SCOPES)
    with TestClient(create_app(settings, with_mcp=False)) as http:
        yield http, {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def event_client(analysed_event: AnalysedEvent) -> Iterator[Http]:
    yield from _client(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))


def test_edit_session_over_http(event_client: Http, analysed_event: AnalysedEvent) -> None:
    http, auth = event_client
    batch_id = analysed_event.batch_id
    made = http.post(f"/api/batches/{batch_id}/edit-sessions",
                     json={"deliverable_type": "social", "aspect_ratios": ["16:9", "9:16"],
                           "reference_style": "energetic", "start_tc": "00:59:59:00"},
                     headers=auth)
    assert made.status_code == 202, made.text
    accepted = made.json()
    session_id = accepted["id"]
    assert accepted["status"] == "queued" and accepted["job_id"] != session_id
    assert made.headers["Location"] == f"/api/edit-sessions/{session_id}"
    listed = http.get(f"/api/batches/{batch_id}/edit-sessions", params={"limit": 1},
                      headers=auth).json()
    assert listed["limit"] == 1 and [i["session_id"] for i in listed["items"]] == [session_id]
    doc = http.get(made.headers["Location"], headers=auth).json()
    assert doc["status"] == "needsreview" and doc["deliverable_type"] == "social"
    assert sorted(t["aspect_ratio"] for t in doc["timelines"]) == ["16:9", "9:16"]
    assert all(t["duration"] <= 15.0 for t in doc["timelines"])

    exports = f"/api/edit-sessions/{session_id}/exports"
    fcpxml = http.get(f"{exports}/fcpxml", params={"ratio": "16:9"}, headers=auth)
    assert fcpxml.status_code == 200, fcpxml.text
    assert fcpxml.headers["content-type"].startswith("application/xml")
    assert fcpxml.headers["content-disposition"] == 'attachment; filename="social_16x9.fcpxml"'
    assert fcpxml.text.lstrip().startswith("<?xml") and "<fcpxml" in fcpxml.text
    assert 'tcStart="3599s"' in fcpxml.text, "the requested record start (25 fps)"
    storage = str(analysed_event.settings.storage_dir)
    assert storage in fcpxml.text
    relative = http.get(f"{exports}/fcpxml", params={"ratio": "16:9", "paths": "relative"},
                        headers=auth)
    assert relative.status_code == 200 and storage not in relative.text
    srt = http.get(f"{exports}/srt", params={"ratio": "9:16", "variant": 1}, headers=auth)
    assert srt.status_code == 200, srt.text
    assert srt.headers["content-type"].startswith("application/x-subrip")
    assert "social_9x16.srt" in srt.headers["content-disposition"] and " --> " in srt.text
    both = http.get(f"{exports}/otio", headers=auth)
    assert both.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(both.content)).namelist()
    assert sorted(names) == ["social_16x9.otio", "social_9x16.otio"]
    edits = analysed_event.settings.batch_dir(batch_id) / "edits"
    assert not [p for p in edits.iterdir() if p.name.startswith(".download-")]

    approved = http.post(f"/api/edit-sessions/{session_id}/feedback",
                         json={"decision": "approve", "notes": "Lovely"}, headers=auth)
    assert approved.status_code == 201, approved.text
    assert approved.json()["session_status"] == "approved"
    assert approved.json()["revision"] is None
    assert approved.headers["Location"] == f"/api/edit-sessions/{session_id}/feedback"
    assert http.get(f"/api/edit-sessions/{session_id}", headers=auth).json()[
        "status"] == "approved"
    given = http.get(f"/api/edit-sessions/{session_id}/feedback", headers=auth).json()
    assert [(f["decision"], f["notes"]) for f in given] == [("approve", "Lovely")]


def test_edit_errors_are_problems(event_client: Http, analysed_event: AnalysedEvent) -> None:
    http, auth = event_client
    batch = f"/api/batches/{analysed_event.batch_id}/edit-sessions"
    for path in ("/api/edit-sessions/nope", "/api/edit-sessions/nope/exports/fcpxml",
                 "/api/edit-sessions/nope/feedback", "/api/batches/nope/edit-sessions"):
        missing = http.get(path, headers=auth)
        assert missing.status_code == 404, (path, missing.text)
        assert missing.headers["content-type"] == "application/problem+json"
    unknown = http.post("/api/batches/nope/edit-sessions", json={"deliverable_type": "recap"},
                        headers=auth)
    assert unknown.status_code == 404 and "no media batch with id 'nope'" in unknown.text
    for body in ({"deliverable_type": "trailer"}, {"deliverable_type": "recap", "variants": 0},
                 {"deliverable_type": "recap", "aspect_ratios": ["4:3"]},
                 {"deliverable_type": "recap", "duration": 9000},
                 {"deliverable_type": "recap", "music_path": "/etc/passwd"},
                 {"deliverable_type": "recap", "start_tc": "one o'clock"}, {}):
        bad = http.post(batch, json=body, headers=auth)
        assert bad.status_code == 422, (body, bad.text)
        assert bad.headers["content-type"] == "application/problem+json"
    style = http.post(batch, json={"deliverable_type": "recap", "reference_style": "grungy"},
                      headers=auth)
    assert style.status_code == 422 and "unknown style 'grungy'" in style.json()["detail"]
    assert http.get("/api/edit-sessions/nope/exports/mp3", headers=auth).status_code == 422
    bad_decision = http.post("/api/edit-sessions/nope/feedback", json={"decision": "maybe"},
                             headers=auth)
    assert bad_decision.status_code == 422


def test_a_review_makes_a_revision_and_the_gate_holds_renders(
        event_client: Http, analysed_event: AnalysedEvent) -> None:
    http, auth = event_client
    batch_id = analysed_event.batch_id
    project = http.post("/api/projects", json={"name": "Aurora Summit", "client_name": "NW"},
                        headers=auth).json()
    with db(analysed_event.settings) as session:
        repos.batches.get_batch(session, batch_id).project_id = project["id"]
    made = http.post(f"/api/batches/{batch_id}/edit-sessions",
                     json={"deliverable_type": "social", "aspect_ratios": ["9:16"],
                           "previews": False}, headers=auth).json()
    first = made["id"]
    renders = f"/api/edit-sessions/{first}/renders"
    gated = http.post(renders, json={"profile": "preview"}, headers=auth)
    assert gated.status_code == 409 and gated.json()["code"] == "review_required", gated.text
    assert "--no-review" in gated.json()["detail"]

    url = f"/api/edit-sessions/{first}/feedback"
    review = http.post(url, json={"decision": "changes", "adjust": ["pace=faster"],
                                  "notes": "no music, and make it purple"}, headers=auth)
    assert review.status_code == 201, review.text
    body = review.json()
    revision = body["revision"]
    assert revision["parent_id"] == first and revision["revision"] == 2
    assert revision["status"] == "needsreview", "the queue (immediate) assembled it"
    assert review.headers["Location"] == f"/api/edit-sessions/{revision['session_id']}"
    assert body["adjustments"]["pace"] == 1.25 and body["adjustments"]["music"] is False
    assert body["not_understood"] == ["make it purple"]
    assert body["session_status"] == "superseded"
    parent = http.get(f"/api/edit-sessions/{first}", headers=auth).json()
    assert parent["status"] == "superseded" and parent["timelines"], "the parent stays"
    doc = http.get(review.headers["Location"], headers=auth).json()
    assert doc["parent_id"] == first and doc["revision"] == 2
    assert {"key": "pace", "value": 1.25, "because": "asked for in this request"} in \
        doc["applied_preferences"]
    assert http.post(url, json={"decision": "approve"}, headers=auth).status_code == 409
    assert http.post(f"/api/edit-sessions/{first}/renders", json={},
                     headers=auth).status_code == 409

    for bad in ({"decision": "maybe"}, {"decision": "changes", "adjust": ["pace=warp"]},
                {"decision": "changes", "drop": ["hm-nothere"]},
                {"decision": "changes", "comments": [{"at": "99:00", "text": "dark"}]},
                {"decision": "changes", "comments": [{"at": "soon", "text": "dark"}]},
                {"decision": "changes", "adjustments": {"style": "energetic"}}):
        refused = http.post(f"/api/edit-sessions/{revision['session_id']}/feedback",
                            json=bad, headers=auth)
        assert refused.status_code == 422, (bad, refused.text)
    assert http.get(f"/api/edit-sessions/{revision['session_id']}", headers=auth).json()[
        "status"] == "needsreview", "a refused review changes nothing"

    assert http.patch(f"/api/projects/{project['id']}", json={"auto_approve": True},
                      headers=auth).json()["auto_approve"] is True
    waived = http.post(f"/api/edit-sessions/{revision['session_id']}/renders",
                       json={"profile": "preview"}, headers=auth)
    assert waived.status_code == 202, waived.text
    memory = http.get(f"/api/projects/{project['id']}/memory", headers=auth).json()
    assert memory["reviews"] == 1 and memory["metrics"]["decisions"] == 1
    assert memory["metrics"]["revisions_per_deliverable"] == {"social": 1.0}
    assert [p["key"] for p in memory["preferences"]["social"]] == ["pace", "music"]
    forgot = http.post(f"/api/projects/{project['id']}/memory/reset", headers=auth).json()
    assert forgot["reviews"] == 0 and forgot["preferences"] == {}
    board = {t["stage"]: t for t in http.get("/api/tasks", params={"batch_id": batch_id},
                                             headers=auth).json()}
    assert board["feedback"]["status"] == "in_progress" and "changes" in board[
        "feedback"]["detail"]
