"""The render monitor's ETA and fps on a freshly loaded page (issue 20.6) and the review page's
players and clip strip for a session in three aspect ratios (issue 20.5), over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus
from editron.services.edit import get_edit_session
from editron.services.tokens import create_token
from tests.api.test_dashboard import sign_in
from tests.conftest import AnalysedEvent


@pytest.fixture()
def queued(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    reset_settings()
    return ready(Settings())


@pytest.fixture()
def http(queued: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(queued, with_mcp=False)) as client:
        yield client


def _monitor_jobs(settings: Settings) -> dict[str, str]:
    """A job that reported twice (the second report is the one to show), one running that has
    not reported yet, and one that finished after reporting."""
    with db(settings) as session:
        batch = repos.batches.create_batch(
            session,
            reference_name="eta",
            source_url="https://x.test/eta.zip",
            source_type="url",
            storage_tier="hot",
        )
        edit = repos.edit_sessions.create_edit_session(
            session, batch_id=batch.id, deliverable_type="recap", aspect_ratios=["16:9"]
        )
        ids: dict[str, str] = {}
        for name in ("reported", "silent", "done"):
            job = repos.render_jobs.create_render_job(
                session,
                edit_session_id=edit.id,
                aspect_ratio="16:9",
                format="mp4",
                profile="standard",
            )
            repos.render_jobs.set_job_status(session, job, JobStatus.RENDERING)
            ids[name] = job.id
        reported = repos.render_jobs.get_render_job(session, ids["reported"])
        repos.render_jobs.set_job_progress(session, reported, 10.0, eta_seconds=300.0, fps=20.0)
        repos.render_jobs.set_job_progress(session, reported, 42.0, eta_seconds=83.4, fps=47.25)
        done = repos.render_jobs.get_render_job(session, ids["done"])
        repos.render_jobs.set_job_progress(session, done, 90.0, eta_seconds=5.0, fps=60.0)
        repos.render_jobs.set_job_status(session, done, JobStatus.COMPLETE)
    return ids


def _cell(page: str, job_id: str, attribute: str) -> str:
    row = re.search(rf'id="job-{job_id}".*?</tr>', page, re.S)
    assert row, f"no row for {job_id}"
    cell = re.search(rf"<span {attribute}[^>]*>([^<]*)</span>", row.group(0))
    assert cell, f"no {attribute} in the row of {job_id}"
    return cell.group(1)


def test_a_fresh_monitor_shows_each_running_jobs_last_eta_and_fps(
    http: TestClient, queued: Settings
) -> None:
    ids = _monitor_jobs(queued)
    sign_in(http, create_token(name="op", settings=queued).token)
    page = http.get("/renders").text
    assert _cell(page, ids["reported"], "data-eta") == "ETA 83 s"  # the latest report
    assert _cell(page, ids["reported"], "data-fps") == "47.25 fps"
    assert _cell(page, ids["reported"], "data-percent") == "42%"
    for name in ("silent", "done"):  # nothing reported yet; finished (no ETA to give)
        assert _cell(page, ids[name], "data-eta") == "", name
        assert _cell(page, ids[name], "data-fps") == "", name


RATIOS = ("16:9", "9:16", "1:1")


def test_the_review_page_has_a_player_per_ratio_and_a_strip_of_thumbnails(
    analysed_event: AnalysedEvent,
) -> None:
    settings = ready(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))
    with TestClient(create_app(settings, with_mcp=False)) as http:
        csrf = sign_in(http, create_token(name="op", settings=settings).token)
        made = http.post(
            f"/batches/{analysed_event.batch_id}/edits",
            data={
                "csrf_token": csrf,
                "deliverable_type": "recap",
                "aspect_ratios": list(RATIOS),
                "include_captions": "on",
            },
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        session_id = made.headers["location"].rsplit("/", 1)[-1]
        edit = get_edit_session(session_id, settings=settings)
        assert sorted(tl["aspect_ratio"] for tl in edit.timelines) == sorted(RATIOS)
        page = http.get(made.headers["location"]).text
        players = re.findall(r"<video\b[^>]*>.*?</video>", page, re.S)
        assert len(players) == len(RATIOS)
        keys = [re.search(r'data-key="([^"]+)"', p) for p in players]
        assert sorted(k.group(1).split()[0] for k in keys if k) == sorted(RATIOS)
        for player in players:
            src = re.search(r'src="(/media/sessions/[^"]+/previews/[^"]+\.mp4)"', player)
            track = re.search(r'<track kind="captions"[^>]* src="([^"]+\.vtt)"', player)
            assert src and track, player
            vtt = http.get(track.group(1))
            assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT"), track.group(1)
        strips = re.findall(r'<ol class="strip".*?</ol>', page, re.S)
        assert len(strips) == len(RATIOS)
        for strip, timeline in zip(strips, edit.timelines, strict=True):
            thumbs = re.findall(r'<li>.*?<img src="([^"]+)".*?</li>', strip, re.S)
            assert len(thumbs) == len(timeline["clips"]) > 0
            for url in set(thumbs):
                thumb = http.get(url)
                assert thumb.status_code == 200, url
                assert thumb.headers["content-type"].startswith("image/"), url
