"""The HTTP API over the real services, queue in immediate mode (jobs run inside the request)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, str]]]:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    settings = ready(Settings())
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="tests", scopes=ALL_SCOPES)
    with TestClient(create_app(settings)) as test_client:
        yield test_client, {"Authorization": f"Bearer {token}"}


def test_health_needs_no_token_but_everything_else_does(
        client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    assert http.get("/api/health").json()["status"] == "ok"
    for path in ("/api/batches", "/api/events?follow=false", "/api/tasks"):
        denied = http.get(path)
        assert denied.status_code == 401
        assert http.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/api/batches", headers=auth).status_code == 200


def test_ingest_and_analyse_over_http(client: tuple[TestClient, dict[str, str]],
                                      footage: Path) -> None:
    http, auth = client
    made = http.post("/api/batches", json={"source_url": str(footage),
                                           "reference_name": "Gala"}, headers=auth)
    assert made.status_code == 202, made.text
    batch_id = made.json()["id"]
    assert made.headers["Location"] == f"/api/batches/{batch_id}"
    batch = http.get(f"/api/batches/{batch_id}", headers=auth).json()
    assert batch["status"] == "ready" and batch["file_count"] == 2
    listed = http.get("/api/batches", params={"status": "ready", "limit": 5}, headers=auth)
    assert [b["batch_id"] for b in listed.json()["items"]] == [batch_id]
    queued = http.post(f"/api/batches/{batch_id}/analyses",
                       json={"brief": "Sponsors: Northwind", "max_iterations": 1},
                       headers=auth)
    assert queued.status_code == 202 and queued.json()["job_id"]
    assert http.get(f"/api/batches/{batch_id}", headers=auth).json()["status"] == "analyzed"
    board = http.get("/api/tasks", params={"batch_id": batch_id}, headers=auth).json()
    assert {t["stage"]: t["status"] for t in board}["analyze"] == "done"
    stream = http.get("/api/events", params={"batch_id": batch_id, "follow": "false"},
                      headers=auth)
    assert stream.headers["content-type"].startswith("text/event-stream")
    datas = [json.loads(line[5:]) for line in stream.text.splitlines()
             if line.startswith("data:")]
    kinds = [d["event_type"] for d in datas]
    assert kinds[0] == "batch.created" and "analysis.complete" in kinds
    ids = [d["id"] for d in datas]
    resumed = http.get("/api/events", params={"batch_id": batch_id, "follow": "false"},
                       headers={**auth, "Last-Event-ID": str(ids[2])})
    again = [json.loads(line[5:])["id"] for line in resumed.text.splitlines()
             if line.startswith("data:")]
    assert again == ids[3:]


def test_errors_are_problem_json(client: tuple[TestClient, dict[str, str]]) -> None:
    http, auth = client
    missing = http.get("/api/batches/nope", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "no media batch with id 'nope'" in missing.json()["detail"]
    bad = http.post("/api/batches", json={"source_url": "ftp://x/y"}, headers=auth)
    assert bad.status_code == 422 and "unsupported scheme" in bad.json()["detail"]
    invalid = http.post("/api/batches", json={"storage_tier": "hot"}, headers=auth)
    assert invalid.status_code == 422 and "source_url" in invalid.json()["detail"]
    tier = http.post("/api/batches", json={"source_url": "/tmp", "storage_tier": "tepid"},
                     headers=auth)
    assert tier.status_code == 422
    conflict = http.post("/api/batches/nope/analyses", json={}, headers=auth)
    assert conflict.status_code == 404
    spec = http.get("/openapi.json").json()
    assert "/api/batches" in spec["paths"] and "/api/events" in spec["paths"]


def test_live_events_from_another_process_arrive(tmp_path: Path) -> None:
    """A real uvicorn server; an event appended by a separate process reaches the SSE client."""
    import subprocess
    import sys

    import httpx

    from tests.live_server import live_api

    settings = ready(Settings())
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="sse", scopes=ALL_SCOPES)
    with live_api(settings) as base:
        writer = ("from editron.config import Settings\n"
                  "from editron.db.repos.events import append_event\n"
                  "from editron.db.runtime import db, ready\n"
                  "s = ready(Settings())\n"
                  "with db(s) as session:\n"
                  "    append_event(session, entity_type='render_job', entity_id='j-1',\n"
                  "                 event_type='job.progress', payload={'percent': 42})\n")
        seen: list[dict[str, object]] = []
        with httpx.stream("GET", f"{base}/api/events",
                          params={"job_id": "j-1"}, timeout=15,
                          headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200
            subprocess.run([sys.executable, "-c", writer], check=True)
            for line in response.iter_lines():
                if line.startswith("data:"):
                    seen.append(json.loads(line[5:]))
                    break
        assert seen and seen[0]["payload"] == {"percent": 42}


def test_tokens_cli_creates_once_and_revokes() -> None:
    from typer.testing import CliRunner

    from editron.cli.main import app

    runner = CliRunner()
    made = json.loads(runner.invoke(app, ["tokens", "create", "--name", "nora", "--json"]).stdout)
    assert made["token"].startswith("edt_")
    settings = ready(Settings())
    with db(settings) as session:
        assert repos.tokens.verify_token(session, made["token"]) is not None
    listed = json.loads(runner.invoke(app, ["tokens", "list", "--json"]).stdout)
    assert "token" not in json.dumps(listed["tokens"]).replace('"tokens"', "")
    assert runner.invoke(app, ["tokens", "revoke", made["id"], "--json"]).exit_code == 0
    with db(settings) as session:
        assert repos.tokens.verify_token(session, made["token"]) is None
    assert runner.invoke(app, ["tokens", "revoke", "nope"]).exit_code == 2


def test_metrics_count_real_work(client: tuple[TestClient, dict[str, str]],
                                 footage: Path) -> None:
    http, auth = client
    assert http.get("/metrics").status_code == 401
    http.post("/api/batches", json={"source_url": str(footage)}, headers=auth)
    text = http.get("/metrics", headers=auth).text
    assert 'editron_batches{status="ready"} 1' in text
    assert 'editron_jobs{operation="ingest_media_batch",state="done"} 1' in text
    assert 'editron_files{status="ready"} 2' in text
    assert "# TYPE editron_jobs gauge" in text
    assert 'editron_stage_duration_seconds_count{stage="ingest"} 1' in text


def test_stage_durations_pair_in_progress_with_done() -> None:
    from editron.services.metrics import stage_durations

    changes = [
        ("t1", "2026-11-28T10:00:00.000000Z", {"stage": "ingest", "status": "in_progress"}),
        ("t2", "2026-11-28T10:00:05.000000Z", {"stage": "render", "status": "in_progress"}),
        ("t1", "2026-11-28T10:00:30.500000Z", {"stage": "ingest", "status": "done"}),
        ("t2", "2026-11-28T10:01:00.000000Z", {"stage": "render", "status": "failed"}),
        ("t2", "2026-11-28T10:02:00.000000Z", {"stage": "render", "status": "in_progress"}),
        ("t2", "2026-11-28T10:02:10.000000Z", {"stage": "render", "status": "done"}),
        ("t3", "2026-11-28T10:03:00.000000Z", {"stage": "edit", "status": "done"}),
    ]
    assert stage_durations(changes) == {"ingest": (30.5, 1), "render": (10.0, 1)}


def test_projects_and_files(client: tuple[TestClient, dict[str, str]], footage: Path) -> None:
    http, auth = client
    made = http.post("/api/projects", json={"name": "Aurora Summit", "client_name": "NW"},
                     headers=auth)
    assert made.status_code == 201
    project_id = made.json()["id"]
    assert made.headers["Location"] == f"/api/projects/{project_id}"
    assert http.get(f"/api/projects/{project_id}", headers=auth).json()["name"] == "Aurora Summit"
    assert http.post("/api/projects", json={"name": ""}, headers=auth).status_code == 422
    batch = http.post("/api/batches", json={"source_url": str(footage),
                                            "project_id": project_id}, headers=auth).json()
    files = http.get(f"/api/batches/{batch['id']}/files", headers=auth).json()
    assert len(files) == 2 and all(f["checksum_sha256"] for f in files)
    listed = http.get("/api/batches", params={"project_id": project_id}, headers=auth).json()
    assert [b["batch_id"] for b in listed["items"]] == [batch["id"]]
    unknown = http.post("/api/batches", json={"source_url": str(footage),
                                              "project_id": "nope"}, headers=auth)
    assert unknown.status_code == 404


def test_database_outage_is_503_problem_not_500(
        client: tuple[TestClient, dict[str, str]]) -> None:
    from editron.db.session import dispose_engines

    http, auth = client
    assert http.get("/api/batches", headers=auth).status_code == 200
    settings = Settings()
    path = settings.home_dir / "editron.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.mkdir()  # the database file is gone and cannot be opened
    dispose_engines()
    response = http.get("/api/batches", headers=auth)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Database unavailable"
    assert "sqlite" not in response.json()["detail"]
    assert http.get("/api/health").status_code in (200, 503)
