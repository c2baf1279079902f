"""#17.3: a dead job's work is collected when its run is taken over (``jobs.inline.take_over``,
or the next worker's attempt, through ``jobs.orphans.dead_run_work``): only what that run
writes, however fresh; partial downloads, which a resumed download continues, and other runs'
work stay. A queued edit whose worker died is finished by the next worker."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update

from editron.config import Settings
from editron.db import repos
from editron.db.models_ops import JobRun
from editron.db.repos import job_runs
from editron.db.runtime import db, ready
from editron.jobs.execution import execute_job
from editron.jobs.inline import take_over
from editron.jobs.recovery import recover_jobs
from editron.services.edit import create_session_row, make_spec, request_edit
from tests.conftest import AnalysedEvent


def _dead_worker() -> str:
    """The lease id of a process on this host that has ended (and been reaped)."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return f"{socket.gethostname()}:{ended.pid}:gone"


def _dead_run(ev: AnalysedEvent, operation: str, entity_type: str, entity_id: str,
              arguments: dict[str, str]) -> job_runs.RunSnapshot:
    with db(ev.settings) as session:
        run = job_runs.create_run(session, operation=operation, arguments=arguments,
                                  priority="standard", entity_type=entity_type,
                                  entity_id=entity_id, max_attempts=3)
        snap = job_runs.claim(session, run.id, worker_id=_dead_worker())
    assert snap is not None
    return snap


def _touch(*paths: Path) -> None:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def test_taking_over_a_dead_batch_run_collects_its_work(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    bdir = ev.settings.batch_dir(ev.batch_id)
    live_derived = {p.name for p in (bdir / "derived").iterdir()}
    dead = [bdir / "scratch" / "dead-analysis" / "audio.f32", bdir / "derived" / "gone" / "p.jpg",
            bdir / "originals" / "half.mp4.part", bdir / "report.json.part"]
    kept = [bdir / "downloads" / "clip.mp4.part", bdir / "edits" / "other.part" / "a.otio",
            bdir / "edits" / "other" / "b.mp4.part"]
    _touch(*dead, *kept)
    snap = _dead_run(ev, "analyze_media_batch", "batch", ev.batch_id, {"batch_id": ev.batch_id})
    claimed = take_over(snap, ev.settings)
    assert claimed is not None and claimed.id == snap.id and claimed.status == "running"
    assert not any(p.exists() for p in dead)
    assert not (bdir / "scratch" / "dead-analysis").exists()
    assert not (bdir / "derived" / "gone").exists()
    assert all(p.exists() for p in kept)
    assert {p.name for p in (bdir / "derived").iterdir()} == live_derived


def test_taking_over_a_dead_edit_or_render_run_collects_its_work(
        analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    with db(ev.settings) as session:
        session_id = create_session_row(session, ev.batch_id, make_spec(
            deliverable_type="social"))
    edits = ev.settings.batch_dir(ev.batch_id) / "edits"
    dead = [edits / f"{session_id}.part" / "social_16x9.otio",
            edits / session_id / "previews" / ".social_16x9.mp4.part"]
    kept = [edits / session_id / "social_16x9.otio", edits / "other.part" / "a.otio",
            ev.settings.batch_dir(ev.batch_id) / "scratch" / "live" / "audio.f32"]
    _touch(*dead, *kept)
    snap = _dead_run(ev, "generate_video_edits", "edit_session", session_id,
                     {"session_id": session_id})
    assert take_over(snap, ev.settings) is not None
    assert not any(p.exists() for p in dead) and not (edits / f"{session_id}.part").exists()
    assert all(p.exists() for p in kept)

    work = ev.settings.home_dir / "renders" / "render-job-1"
    other = ev.settings.home_dir / "renders" / "render-job-2"
    _touch(work / "black.log", other / "black.log")
    snap = _dead_run(ev, "render_job", "render_job", "render-job-1",
                     {"render_job_id": "render-job-1"})
    assert take_over(snap, ev.settings) is not None
    assert not work.exists() and other.exists()


def test_an_edit_whose_worker_died_is_retried_by_the_next(
        analysed_event: AnalysedEvent, monkeypatch: pytest.MonkeyPatch) -> None:
    """A queued edit taken by a worker that died mid-assembly (its session ``assembling``,
    its exports half-staged) is re-queued by the sweep and finished by the next worker: the
    same session, assembled once, nothing half-written left."""
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    settings = ready(Settings(home=analysed_event.settings.home_dir))
    queued = request_edit(batch_id=analysed_event.batch_id, deliverable_type="social",
                          aspect_ratios="16:9", settings=settings)
    staging = settings.batch_dir(analysed_event.batch_id) / "edits" / f"{queued.session_id}.part"
    with db(settings) as session:  # a worker on another machine took it, began, and died
        job_runs.claim(session, queued.job_id, worker_id="elsewhere:1:dead")
        session.execute(update(JobRun).where(JobRun.id == queued.job_id)
                        .values(heartbeat_at="2000-01-01T00:00:00.000000Z"))
    _touch(staging / "social_16x9.otio")
    assert recover_jobs(settings).requeued == [queued.job_id]
    execute_job(queued.job_id, settings)  # the next worker
    with db(settings) as session:
        run = job_runs.get_run(session, queued.job_id)
        assert run is not None and (run.status, run.attempts) == ("done", 2)
        rows = repos.edit_sessions.list_edit_sessions(session, batch_id=analysed_event.batch_id)
        assert [(r.id, r.status) for r in rows] == [(queued.session_id, "needsreview")]
        assert [t["aspect_ratio"] for t in rows[0].timelines] == ["16:9"]
        assembled = repos.events.events_after(session, 0, session_id=queued.session_id,
                                              event_type="edit_session.assembled")
    assert len(assembled) == 1
    assert not staging.exists()
    assert (staging.parent / queued.session_id / "social_16x9.otio").is_file()
