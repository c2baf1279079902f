"""Render jobs over HTTP on the analysed sample event (preview profile, one 16:9 social cut,
queue in immediate mode), the network destination rule, and the render metrics."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES
from editron.errors import InputError
from editron.services.edit import generate_video_edits
from editron.services.render import render_video_deliverables
from editron.services.sessions import network_destinations
from editron.store import resolve_local
from tests.conftest import AnalysedEvent

Http = tuple[TestClient, dict[str, str]]


@pytest.fixture()
def event_settings(analysed_event: AnalysedEvent) -> Settings:
    return ready(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))


@pytest.fixture()
def event_client(event_settings: Settings) -> Iterator[Http]:
    with db(event_settings) as session:
        _, token = repos.tokens.create_token(session, name="render-tests", scopes=ALL_SCOPES)
    with TestClient(create_app(event_settings, with_mcp=False)) as http:
        yield http, {"Authorization": f"Bearer {token}"}


def _social(settings: Settings, batch_id: str) -> str:
    return generate_video_edits(batch_id=batch_id, deliverable_type="social",
                                aspect_ratios="16:9", settings=settings).session_id


def _until_settled(http: TestClient, auth: dict[str, str], job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, object] = http.get(f"/api/render-jobs/{job_id}", headers=auth).json()
        if job["status"] not in ("queued", "rendering") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_render_over_http(event_client: Http, event_settings: Settings,
                          analysed_event: AnalysedEvent) -> None:
    http, auth = event_client
    session_id = _social(event_settings, analysed_event.batch_id)
    folder = f"api-{uuid.uuid4().hex[:8]}"
    made = http.post(f"/api/edit-sessions/{session_id}/renders",
                     json={"profile": "preview", "destinations": [folder],
                           "priority": "rush", "no_review": True}, headers=auth)
    assert made.status_code == 202, made.text
    assert made.headers["Location"] == f"/api/edit-sessions/{session_id}/renders"
    request = made.json()
    assert request["edit_session_id"] == session_id and len(request["render_job_ids"]) == 1
    job_id = request["render_job_ids"][0]
    job = _until_settled(http, auth, job_id)
    assert job["status"] == "complete", job
    delivered = event_settings.home_dir / "deliveries" / folder / "social_16x9.mp4"
    assert job["output_urls"] == [delivered.as_uri()] and delivered.is_file()
    assert job["destinations"] == [str(delivered.parent)]
    listed = http.get(made.headers["Location"], headers=auth).json()
    assert [j["id"] for j in listed] == [job_id]
    assert http.get(f"/api/edit-sessions/{session_id}", headers=auth).json()[
        "status"] == "complete"
    # finished jobs can be neither cancelled nor retried
    for action in ("cancel", "retry"):
        refused = http.post(f"/api/render-jobs/{job_id}/{action}", headers=auth)
        assert refused.status_code == 409, refused.text

    metrics = http.get("/metrics", headers=auth).text
    assert re.search(r'^editron_render_jobs\{status="complete"\} [1-9]', metrics, re.M)
    assert "# TYPE editron_render_qc_failures_total counter" in metrics
    assert re.search(r"^editron_render_qc_failures_total \d+$", metrics, re.M)
    seconds = re.search(r"^editron_render_output_seconds_total (\S+)$", metrics, re.M)
    assert seconds and float(seconds.group(1)) >= 5.0


def test_cancel_then_retry_over_http(event_client: Http, event_settings: Settings,
                                     analysed_event: AnalysedEvent) -> None:
    http, auth = event_client
    session_id = _social(event_settings, analysed_event.batch_id)
    waiting = render_video_deliverables(edit_session_id=session_id, profile="preview",
                                        settings=event_settings, enqueue_jobs=False, no_review=True)
    job_id = waiting.render_job_ids[0]
    cancelled = http.post(f"/api/render-jobs/{job_id}/cancel", headers=auth)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    retried = http.post(f"/api/render-jobs/{job_id}/retry", headers=auth)
    assert retried.status_code == 202, retried.text
    assert retried.headers["Location"] == f"/api/render-jobs/{job_id}"
    job = _until_settled(http, auth, job_id)
    assert job["status"] == "complete"
    # the default destination is the media store: the job's own folder, downloaded over HTTP
    key = f"batches/{analysed_event.batch_id}/renders/{job_id}/social_16x9.mp4"
    assert job["output_key"] == key and job["output_urls"] == [f"store:{key}"]
    assert job["destinations"] == ["store:"]
    got = http.get(f"/api/render-jobs/{job_id}/output", headers=auth)
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"
    assert got.content == resolve_local(event_settings, key).read_bytes()
    assert not (event_settings.home_dir / "deliveries").exists()
    ranged = http.get(f"/api/render-jobs/{job_id}/output",
                      headers={**auth, "Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100
    missing = http.get(f"/api/render-jobs/{session_id}/output", headers=auth)
    assert missing.status_code == 404


def test_render_errors_are_problems(event_client: Http, event_settings: Settings,
                                    analysed_event: AnalysedEvent, tmp_path: Path) -> None:
    http, auth = event_client
    for method, path in (("get", "/api/render-jobs/nope"),
                         ("post", "/api/render-jobs/nope/cancel"),
                         ("post", "/api/render-jobs/nope/retry"),
                         ("get", "/api/edit-sessions/nope/renders")):
        missing = http.request(method.upper(), path, headers=auth)
        assert missing.status_code == 404, (path, missing.text)
        assert missing.headers["content-type"] == "application/problem+json"
        assert "no render job with id 'nope'" in missing.text or "edit session" in missing.text
    nobody = http.post("/api/edit-sessions/nope/renders", json={}, headers=auth)
    assert nobody.status_code == 404
    session_id = _social(event_settings, analysed_event.batch_id)
    url = f"/api/edit-sessions/{session_id}/renders"
    for destination in ("/etc", str(tmp_path), "../../escape", "file:///tmp/out",
                        "s3:bucket/x", "ftp://host/x", "~/Movies", "dropbox:relative"):
        refused = http.post(url, json={"destinations": [destination]}, headers=auth)
        assert refused.status_code == 422, (destination, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    assert "deliveries" in http.post(url, json={"destinations": ["/etc"]},
                                     headers=auth).json()["detail"]
    for body in ({"formats": ["avi"]}, {"priority": "asap"}, {"formats": []},
                 {"profile": "imax"}, {"profile": "master", "formats": ["mp4"]},
                 {"destination": "x"}):
        bad = http.post(url, json=body, headers=auth)
        assert bad.status_code == 422, (body, bad.text)
    assert http.get(url, headers=auth).json() == []  # nothing was queued by a refusal


def test_network_destinations_stay_in_deliveries(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    root = settings.home_dir / "deliveries"
    assert network_destinations(None, settings=settings) is None
    assert network_destinations([" "], settings=settings) is None
    assert network_destinations(["dropbox:/Events/Aurora", "gala", str(root / "a" / "b"),
                                 f"file://{root}/c", "gala/../day2"],
                                settings=settings) == [
        "dropbox:/Events/Aurora", str(root / "gala"), str(root / "a" / "b"), str(root / "c"),
        str(root / "day2")]
    root.mkdir(parents=True)
    (root / "sneaky").symlink_to(tmp_path)
    for escape in ("sneaky/x", "..", "/", "file://elsewhere/x", "a\x00b"):
        with pytest.raises(InputError):
            network_destinations([escape], settings=settings)
