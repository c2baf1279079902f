"""What each dashboard page shows and what its forms change, over HTTP without a browser: the
batches table's filters and progress bars, the batch page's files and analysis, the render
monitor's order, QC flags, cancel and retry, the sources' forms, and the board.

The queue is a SQLite queue nobody works, so a form's job is queued and seen as queued, not
run (a test of the running is in tests/api/test_dashboard.py and the browser tests)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import (
    BatchStatus,
    JobStatus,
    Priority,
    SessionStatus,
    Stage,
    TaskStatus,
)
from editron.services.analyze import ANALYZE_OPERATION, latest_analysis
from editron.services.edit import get_edit_session
from editron.services.events import read_events
from editron.services.ingest import get_batch
from editron.services.projects import create_project
from editron.services.render import get_render_job
from editron.services.sources import get_source, list_sources
from editron.services.tokens import create_token
from editron.web.views import clock, human_bytes
from tests.api.test_dashboard import sign_in
from tests.conftest import AnalysedEvent

ADMIN = ["read", "operate", "admin"]


@pytest.fixture()
def queued(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    reset_settings()
    return ready(Settings())


@pytest.fixture()
def http(queued: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(queued, with_mcp=False)) as client:
        yield client


def _batch(
    settings: Settings,
    name: str,
    *,
    project_id: str | None = None,
    status: BatchStatus | None = None,
) -> str:
    with db(settings) as session:
        batch = repos.batches.create_batch(
            session,
            reference_name=name,
            source_url=f"https://x.test/{name}.zip",
            source_type="url",
            storage_tier="hot",
            project_id=project_id,
        )
        repos.tasks.ensure_tasks(session, batch)
        if status is not None:
            repos.batches.set_batch_status(session, batch, status)
        return batch.id


def _row(page: str, batch_id: str) -> str:
    found = re.search(rf'<tr data-batch="{batch_id}">.*?</tr>', page, re.S)
    assert found, f"no row for {batch_id}"
    return found.group(0)


def test_batches_filter_by_project_and_status_with_progress_bars(
    http: TestClient, queued: Settings
) -> None:
    gala, fair = (create_project(name=n, settings=queued) for n in ("Gala", "Fair"))
    night = _batch(queued, "night", project_id=gala.id, status=BatchStatus.DOWNLOADING)
    day = _batch(queued, "day", project_id=fair.id)
    with db(queued) as session:
        repos.tasks.set_task(session, night, Stage.INGEST, TaskStatus.IN_PROGRESS, progress=40)
    csrf = sign_in(http, create_token(name="op", settings=queued).token)
    every = http.get("/").text
    row = _row(every, night)
    assert 'id="dl-' + night + '" max="100" value="40.0"' in row
    assert 'id="an-' + night + '" max="100" value="0.0"' in row
    assert ">Gala<" in row and "downloading" in row and ">Fair<" in _row(every, day)
    for params, shown in (
        ({"project": gala.id}, {night}),
        ({"project": fair.id}, {day}),
        ({"status": "downloading"}, {night}),
        ({"status": "queued"}, {day}),
        ({"project": fair.id, "status": "downloading"}, set()),
    ):
        page = http.get("/", params=params).text
        assert {b for b in (night, day) if f'data-batch="{b}"' in page} == shown, params
    made = http.post(
        "/batches",
        data={
            "csrf_token": csrf,
            "reference_name": "Drop",
            "storage_tier": "warm",
            "project_id": fair.id,
            "source_url": "https://www.dropbox.com/scl/fo/abc123/events?rlkey=k&dl=0",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    batch = get_batch(made.headers["location"].rsplit("/", 1)[1], settings=queued)
    assert (batch.project_id, batch.storage_tier, batch.status) == (fair.id, "warm", "queued")
    assert batch.source_url.startswith("https://www.dropbox.com/scl/fo/abc123/")
    assert f'data-batch="{batch.batch_id}"' in http.get("/", params={"project": fair.id}).text


def test_batch_page_shows_files_facts_and_the_analysis(
    analysed_event: AnalysedEvent, tmp_path: Path
) -> None:
    settings = ready(
        analysed_event.settings.model_copy(
            update={"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"}
        )
    )
    bid = analysed_event.batch_id
    batch, analysis = get_batch(bid, settings=settings), latest_analysis(bid, settings=settings)
    assert analysis is not None and analysis.hero_moments and analysis.sponsor_moments
    # the analysis bar moved while the analysis ran (each step logged, so pages update live)
    steps = [e.payload["progress_percent"] for e in read_events(settings, 0, batch_id=bid,
                                                                limit=100_000)
             if e.event_type == "task.progress" and e.payload["stage"] == "analyze"]
    assert len(steps) >= 2 and steps == sorted(steps) and 0 < steps[-1] <= 99, steps
    with TestClient(create_app(settings, with_mcp=False)) as http:
        sign_in(http, create_token(name="op", settings=settings).token)
        page = http.get(f"/batches/{bid}").text
        for f in batch.files:
            assert f"{f.resolution} · {f.codec} · {f.fps:.2f} fps" in page, f.filename
            assert f"· {clock(f.duration_seconds)} · {human_bytes(f.size_bytes)}" in page
            poster = http.get(f"/media/batches/{bid}/files/{f.id}/poster")
            assert poster.headers["content-type"] == "image/jpeg"
        moments = page.split("<h3>Hero moments</h3>")[1].split("<h3>Sponsor moments</h3>")
        for i, m in enumerate(analysis.hero_moments):
            assert f'data-start="{m["start"]}"' in moments[0]
            assert f"Confidence {m['confidence'] * 100:.0f}%" in moments[0]
            assert escape("; ".join(m["reasons"])) in moments[0]
            if m.get("thumbnail"):
                thumb = http.get(f"/media/batches/{bid}/moments/{i}")
                assert thumb.status_code == 200 and thumb.content, m["moment_id"]
        sponsors = moments[1].split("<h3>Transcript</h3>")
        for s in analysis.sponsor_moments:
            assert escape(s["name"]) in sponsors[0]
        for seg in analysis.transcript:
            assert escape(seg["text"]) in sponsors[1]


def test_the_batch_forms_queue_an_analysis_with_its_brief_and_an_edit_with_its_options(
    analysed_event: AnalysedEvent, tmp_path: Path
) -> None:
    settings = ready(
        analysed_event.settings.model_copy(
            update={"queue_url": f"sqlite:///{tmp_path / 'queue.db'}"}
        )
    )
    bid = analysed_event.batch_id
    with TestClient(create_app(settings, with_mcp=False)) as http:
        csrf = sign_in(http, create_token(name="op", settings=settings).token)
        page = http.get(f"/batches/{bid}").text
        style = re.search(r'<select id="reference_style".*?<option>([^<]+)</option>', page, re.S)
        assert style, "the style choices come from the registry"
        asked = http.post(
            f"/batches/{bid}/analyse",
            data={"csrf_token": csrf, "brief": "Sponsors: Contoso", "max_iterations": "1"},
            follow_redirects=False,
        )
        assert asked.status_code == 303 and asked.headers["location"] == f"/batches/{bid}"
        with db(settings) as session:
            run = repos.job_runs.latest_for(session, entity_id=bid, operations=(ANALYZE_OPERATION,))
        assert run is not None and run.status == "queued"
        assert "Contoso" in str(run.arguments) and run.arguments["max_iterations"] == 1
        made = http.post(
            f"/batches/{bid}/edits",
            data={
                "csrf_token": csrf,
                "deliverable_type": "social",
                "aspect_ratios": ["16:9", "9:16"],
                "reference_style": style.group(1),
                "include_captions": "off",
                "variants": "2",
                "duration": "20",
            },
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        edit = get_edit_session(made.headers["location"].rsplit("/", 1)[1], settings=settings)
        assert (
            edit.deliverable_type,
            edit.aspect_ratios,
            edit.reference_style,
            edit.include_captions,
            edit.variants,
        ) == ("social", ["16:9", "9:16"], style.group(1), False, 2)
        assert "being assembled" in http.get(made.headers["location"]).text


def _jobs(settings: Settings, out: Path) -> dict[str, str]:
    """A running job, three queued ones of each priority (the low one oldest), a failed one
    with QC flags and a complete one with a delivered file."""
    bid = _batch(settings, "jobs", status=None)
    ids: dict[str, str] = {}
    with db(settings) as session:
        edit = repos.edit_sessions.create_edit_session(
            session, batch_id=bid, deliverable_type="recap", aspect_ratios=["16:9"]
        )
        for status in (
            SessionStatus.NEEDSREVIEW,
            SessionStatus.APPROVED,
            SessionStatus.RENDERING,
        ):  # approved and sent to render
            repos.edit_sessions.set_session_status(session, edit, status)
        for name, priority in (
            ("low", Priority.LOW),
            ("rush", Priority.RUSH),
            ("standard", Priority.STANDARD),
            ("running", Priority.LOW),
            ("failed", Priority.STANDARD),
            ("done", Priority.STANDARD),
        ):
            job = repos.render_jobs.create_render_job(
                session,
                edit_session_id=edit.id,
                aspect_ratio="16:9",
                format="mp4",
                profile="standard",
                priority=priority,
            )
            ids[name] = job.id
            if name in ("running", "failed", "done"):
                repos.render_jobs.set_job_status(session, job, JobStatus.RENDERING)
        running = repos.render_jobs.get_render_job(session, ids["running"])
        repos.render_jobs.set_job_progress(session, running, 37.5)
        failed = repos.render_jobs.get_render_job(session, ids["failed"])
        repos.render_jobs.update_render_job(
            session,
            failed,
            qc={"passed": False, "flags": ["black frames at 0:03", "loudness -31 LUFS"]},
        )
        repos.render_jobs.set_job_status(session, failed, JobStatus.FAILED, last_error="QC failed")
        done = repos.render_jobs.get_render_job(session, ids["done"])
        repos.render_jobs.update_render_job(
            session, done, output_urls=[out.as_uri()], qc={"passed": True, "flags": []}
        )
        repos.render_jobs.set_job_status(session, done, JobStatus.COMPLETE)
    return ids


def test_render_monitor_order_qc_cancel_retry_and_download(
    http: TestClient, queued: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "recap.mp4"
    out.write_bytes(bytes(range(256)) * 8)
    ids = _jobs(queued, out)
    csrf = sign_in(http, create_token(name="op", settings=queued).token)
    page = http.get("/renders").text
    order = sorted(ids, key=lambda name: page.index(f'id="job-{ids[name]}"'))
    assert order[:4] == ["running", "rush", "standard", "low"]  # the order they run in
    assert set(order[4:]) == {"failed", "done"}
    running = re.search(rf'id="job-{ids["running"]}".*?</tr>', page, re.S)
    assert running and 'value="37.5"' in running.group(0) and "38%" in running.group(0)
    failed = re.search(rf'id="job-{ids["failed"]}".*?</tr>', page, re.S)
    assert failed and "flagged (2)" in failed.group(0)
    assert "black frames at 0:03" in failed.group(0) and "loudness -31 LUFS" in failed.group(0)
    assert "/retry" in failed.group(0) and "/cancel" not in failed.group(0)
    for name, action, status in (
        ("rush", "cancel", "cancelled"),
        ("running", "cancel", "cancelled"),
        ("failed", "retry", "queued"),
    ):
        done = http.post(
            f"/renders/{ids[name]}/{action}", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/renders", done.text
        assert get_render_job(ids[name], settings=queued).status == status, name
    refused = http.post(f"/renders/{ids['done']}/retry", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "only a failed or cancelled" in refused.text
    page = http.get("/renders").text
    rush = re.search(rf'id="job-{ids["rush"]}".*?</tr>', page, re.S)
    assert rush and "cancelled" in rush.group(0) and "/retry" in rush.group(0)
    link = f"/media/renders/{ids['done']}/0"
    assert f'href="{link}"' in page
    part = http.get(link, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == out.read_bytes()[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{out.stat().st_size}"
    assert "attachment" in part.headers["content-disposition"]


def test_sources_add_pause_resume_and_remove_through_the_forms(
    http: TestClient, queued: Settings
) -> None:
    project = create_project(name="Gala", settings=queued)
    csrf = sign_in(http, create_token(name="admin", scopes=ADMIN, settings=queued).token)
    added = http.post(
        "/sources",
        data={
            "csrf_token": csrf,
            "folder_path": "/Events/Gala 2026",
            "project_id": project.id,
            "storage_tier": "warm",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/sources", added.text
    [source] = list_sources(settings=queued)
    assert (source.folder_path, source.project_id, source.storage_tier) == (
        "/Events/Gala 2026",
        project.id,
        "warm",
    )
    assert "/Events/Gala 2026" in http.get("/sources").text
    for change, active, shown in (
        ("pause", False, "paused"),
        ("resume", True, "waiting for a first poll"),
    ):
        done = http.post(
            f"/sources/{source.id}/{change}", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303, done.text
        assert get_source(source.id, settings=queued).active is active
        row = re.search(r"<tr><td>/Events/Gala 2026</td>.*?</tr>", http.get("/sources").text, re.S)
        assert row and f"<td>{shown}</td>" in row.group(0), change
        assert ("/resume" in row.group(0)) is not active
    unknown = http.post(f"/sources/{source.id}/explode", data={"csrf_token": csrf})
    assert unknown.status_code == 422 and "pause or resume" in unknown.text
    gone = http.post(
        f"/sources/{source.id}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and list_sources(settings=queued) == []


def test_board_has_a_card_per_stage_per_batch(http: TestClient, queued: Settings) -> None:
    gala = create_project(name="Gala", settings=queued)
    night = _batch(queued, "night", project_id=gala.id)
    _batch(queued, "day")
    with db(queued) as session:
        repos.tasks.set_task(session, night, Stage.INGEST, TaskStatus.DONE, detail="2 files")
        repos.tasks.set_task(
            session, night, Stage.ANALYZE, TaskStatus.FAILED, detail="no speech model"
        )
    sign_in(http, create_token(name="op", settings=queued).token)
    page = http.get("/board").text
    cards = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'<section class="card" aria-label="(\w+)">(.*?)</section>', page, re.S
        )
    }
    assert set(cards) == {"night", "day"}
    for name, card in cards.items():
        stages = re.findall(r'<li>([^<:]+): \w+ <span class="status s-(\w+)">', card)
        assert [s for s, _ in stages] == [
            "Ingest footage",
            "Analyse moments",
            "Assemble edits",
            "Render deliverables",
            "Deliver",
            "Client feedback",
        ], card
        status = dict(stages)
        if name == "night":
            assert (status["Ingest footage"], status["Analyse moments"]) == ("done", "failed")
            assert "2 files" in card and "no speech model" in card
        else:
            assert set(status.values()) == {"todo"}
    only = http.get("/board", params={"project": gala.id}).text
    assert 'aria-label="night"' in only and 'aria-label="day"' not in only
