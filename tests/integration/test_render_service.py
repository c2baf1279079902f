"""Render jobs on a really analysed event: one ffmpeg process per timeline and format, QC on
every file, delivery into a folder, progress events, cancel, retry, session status."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from editron.db import repos
from editron.db.models_ops import JobRun
from editron.db.repos.events import events_after
from editron.db.session import session_scope
from editron.domain.status import Stage
from editron.domain.timeline import Timeline
from editron.errors import InputError, InvalidStateError
from editron.render.graph import build_render_args
from editron.render.profiles import profile_for
from editron.services.edit import generate_video_edits, get_edit_session
from editron.services.render import (
    cancel_render_job,
    get_render_job,
    process_render_job,
    render_previews,
    render_video_deliverables,
    retry_render_job,
    run_render_job_inline,
)
from editron.services.render import job as render_service
from editron.services.render.previews import preview_render_args
from editron.store import resolve_local
from tests.conftest import AnalysedEvent


def _session(ev: AnalysedEvent, kind: str = "social", ratios: str = "16:9,9:16") -> str:
    return generate_video_edits(batch_id=ev.batch_id, deliverable_type=kind,
                                aspect_ratios=ratios, settings=ev.settings).session_id


def test_render_checks_and_delivers_every_timeline(analysed_event: AnalysedEvent,
                                                   tmp_path: Path) -> None:
    ev = analysed_event
    session_id = _session(ev)
    out = tmp_path / "delivered"
    request = render_video_deliverables(edit_session_id=session_id, destinations=str(out),
                                        profile="preview", settings=ev.settings,
                                        enqueue_jobs=False, no_review=True)
    assert get_edit_session(session_id, settings=ev.settings).status == "rendering"
    assert [j.status for j in request.jobs] == ["queued", "queued"]
    jobs = [process_render_job(j, settings=ev.settings) for j in request.render_job_ids]
    for job in jobs:
        assert job.status == "complete", job.last_error
        assert job.qc["passed"] and not job.qc["flags"], job.qc
        path = Path(job.output_urls[0].removeprefix("file://"))
        assert path.parent == out.resolve() and path.is_file()
        assert job.qc["sha256"] and job.qc["size_bytes"] == path.stat().st_size
    assert sorted(p.name for p in out.iterdir()) == ["social_16x9.mp4", "social_9x16.mp4"]
    assert get_edit_session(session_id, settings=ev.settings).status == "complete"
    with session_scope(ev.settings.resolved_database_url) as s:
        assert repos.tasks.get_task(s, ev.batch_id, Stage.RENDER).status == "done"
        events = [e for e in events_after(s, 0, session_id=session_id)
                  if e.event_type == "render_job.progress"]
        progress = [e.payload for e in events]
        progress_by_job: dict[str, list[dict[str, float]]] = {}
        for e in events:
            progress_by_job.setdefault(e.entity_id, []).append(e.payload)
    assert progress and all("progress_percent" in p for p in progress)
    for job in jobs:  # progress only moves forward, with an ETA once it is under way
        percents = [e["progress_percent"] for e in progress_by_job[job.id]]
        assert percents == sorted(percents), percents
    assert not (ev.settings.home_dir / "renders" / jobs[0].id).exists(), "work dir removed"
    # delivering the same render again leaves one file per name
    again = render_video_deliverables(edit_session_id=session_id, destinations=str(out),
                                      profile="preview", ratios=["9:16"],
                                      settings=ev.settings, enqueue_jobs=False, no_review=True)
    job = run_render_job_inline(again.render_job_ids[0], settings=ev.settings)
    assert job.status == "complete"
    assert sorted(p.name for p in out.iterdir()) == ["social_16x9.mp4", "social_9x16.mp4"]


def test_cancel_stops_ffmpeg_and_leaves_nothing(analysed_event: AnalysedEvent,
                                                tmp_path: Path) -> None:
    ev = analysed_event
    session_id = _session(ev, "recap", "16:9")
    out = tmp_path / "delivered"
    request = render_video_deliverables(edit_session_id=session_id, destinations=str(out),
                                        profile="preview", settings=ev.settings,
                                        enqueue_jobs=False, no_review=True)
    job_id = request.render_job_ids[0]
    seen: list[float] = []
    done = threading.Event()

    def work() -> None:
        try:
            process_render_job(job_id, settings=ev.settings, on_progress=seen.append)
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen, "the render reported progress"
    started = time.monotonic()
    cancel_render_job(job_id, settings=ev.settings)
    assert done.wait(10), "ffmpeg stopped soon after the cancel"
    assert time.monotonic() - started < 5
    job = get_render_job(job_id, settings=ev.settings)
    assert job.status == "cancelled" and not job.output_urls
    assert not out.exists() or not any(out.iterdir())
    assert not (ev.settings.home_dir / "renders" / job_id).exists()
    assert get_edit_session(session_id, settings=ev.settings).status == "failed"
    with pytest.raises(InvalidStateError, match="only a queued or rendering"):
        cancel_render_job(job_id, settings=ev.settings)
    retried = retry_render_job(job_id, settings=ev.settings, enqueue_job=False)
    assert retried.status == "queued"
    assert get_edit_session(session_id, settings=ev.settings).status == "rendering"


def test_qc_failure_fails_the_job_with_named_flags(analysed_event: AnalysedEvent,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ev = analysed_event
    session_id = _session(ev, "social", "1:1")
    real = render_service.qc_spec_for

    def one_second_short(timeline, profile):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        spec = real(timeline, profile)
        return replace(spec, expected_frames=spec.expected_frames + 25)

    monkeypatch.setattr(render_service, "qc_spec_for", one_second_short)
    request = render_video_deliverables(edit_session_id=session_id,
                                        destinations=str(tmp_path / "out"), profile="preview",
                                        settings=ev.settings, enqueue_jobs=False, no_review=True)
    job = run_render_job_inline(request.render_job_ids[0], settings=ev.settings)
    assert job.status == "failed" and "duration" in (job.last_error or "")
    assert job.qc["flags"] == ["duration"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert job.attempts == 1, "a QC failure is not retried"


def test_render_bad_input(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    session_id = _session(ev, "social", "16:9")
    for kwargs, message in (({"formats": "avi"}, "unknown render format"),
                            ({"priority": "asap"}, "unknown priority"),
                            ({"profile": "vhs"}, "unknown render profile"),
                            ({"formats": "mp4", "profile": "master"}, "needs the mov format"),
                            ({"formats": "mp4,webm", "profile": "reels"},
                             "reels profile .* needs the mp4 or mov format"),
                            ({"destinations": "ftp://host/x"}, "ftp")):
        with pytest.raises(InputError, match=message):
            render_video_deliverables(edit_session_id=session_id, settings=ev.settings,
                                      enqueue_jobs=False, **kwargs,
                                      no_review=True)  # type: ignore[arg-type]


def test_preview_renders_every_timeline_from_the_proxies(analysed_event: AnalysedEvent
                                                         ) -> None:
    ev = analysed_event
    session_id = _session(ev, "social", "16:9,9:16")
    paths = render_previews(session_id, settings=ev.settings)
    assert sorted(paths) == ["16:9 v1", "9:16 v1"]
    import av

    for key, path in paths.items():
        assert path.startswith(f"batches/{ev.batch_id}/edits/"), "a media-store key"
        with av.open(str(resolve_local(ev.settings, path))) as container:
            stream = container.streams.video[0]
            assert (stream.width, stream.height) == ((640, 360) if key.startswith("16:9")
                                                     else (360, 640))
    assert get_edit_session(session_id, settings=ev.settings).preview_paths == paths
    _captions_are_a_track_not_burned_in(session_id, paths, ev)


def _captions_are_a_track_not_burned_in(session_id: str, paths: dict[str, str],
                                        ev: AnalysedEvent) -> None:
    """The reviewer turns captions on and off (issue 20, point 5): the preview's picture has
    none, a WebVTT file beside it has them all (read by an independent parser)."""
    import webvtt

    with session_scope(ev.settings.resolved_database_url) as s:
        docs = list(repos.edit_sessions.get_edit_session(s, session_id).timelines)
    for doc in docs:
        tl = Timeline.from_dict(doc)
        assert tl.captions, "the sample event's speech gives the cut captions"
        args = " ".join(preview_render_args(tl, {}, ev.footage / "unused.mp4",
                                            settings=ev.settings))  # keys: through the store
        assert "ass=" not in args and "subtitles=" not in args
        burned = " ".join(build_render_args(
            tl, profile_for(tl.aspect_ratio, "mp4", "preview"),
            sources=render_service.sources_for(tl, settings=ev.settings),
            output=ev.footage / "unused.mp4",
            captions_ass=ev.footage / "captions.ass"))
        assert "ass=" in burned  # what the check above would see if they were burned in
        cues = webvtt.read(str(resolve_local(ev.settings, paths[f"{tl.aspect_ratio} v{tl.variant}"])
                               .with_suffix(".vtt")))
        assert [c.text for c in cues] == [str(c.text) for c in tl.captions]


def test_killed_worker_leaves_no_partial_file_and_the_render_runs_again(
        analysed_event: AnalysedEvent, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.queue_backends import WorkerProcesses, sqlite_queue_settings, wait_for

    ev = analysed_event
    session_id = _session(ev, "recap", "16:9")
    settings = sqlite_queue_settings(ev.settings.home, tmp_path, monkeypatch)
    out = tmp_path / "delivered"
    request = render_video_deliverables(edit_session_id=session_id, destinations=str(out),
                                        profile="preview", settings=settings, no_review=True)
    job_id = request.render_job_ids[0]
    (tmp_path / "logs").mkdir()
    workers = WorkerProcesses(tmp_path / "logs")
    try:
        first = workers.start()
        wait_for(lambda: get_render_job(job_id, settings=settings).progress_percent > 0,
                 timeout=60, what="the render is under way")
        first.kill()
        first.wait()
        assert get_render_job(job_id, settings=settings).status == "rendering"
        assert not out.exists() or not any(out.iterdir()), "no partial file was delivered"
        workers.start()
        wait_for(lambda: get_render_job(job_id, settings=settings).status == "complete",
                 timeout=120, what="the render ran again and completed")
    finally:
        workers.stop_all()
    job = get_render_job(job_id, settings=settings)
    assert job.attempts == 2 and job.qc["passed"]
    assert [p.name for p in out.iterdir()] == ["recap_16x9.mp4"]
    with session_scope(settings.resolved_database_url) as s:
        runs = [r for r in s.query(JobRun) if r.entity_id == job_id]
        assert len(runs) == 1
        assert runs[0].status == "done" and runs[0].attempts == 2


def test_rush_render_starts_before_queued_standard_and_low_work(
        analysed_event: AnalysedEvent, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.queue_backends import WorkerProcesses, sqlite_queue_settings, wait_for

    ev = analysed_event
    settings = sqlite_queue_settings(ev.settings.home, tmp_path, monkeypatch)
    ids: dict[str, str] = {}
    for priority in ("low", "standard", "rush"):  # queued in the worst order, no worker yet
        session_id = _session(ev, "social", "1:1")
        request = render_video_deliverables(edit_session_id=session_id,
                                            destinations=str(tmp_path / priority),
                                            profile="preview", priority=priority,
                                            settings=settings, no_review=True)
        ids[priority] = request.render_job_ids[0]
    assert {get_render_job(i, settings=settings).status for i in ids.values()} == {"queued"}
    (tmp_path / "logs").mkdir()
    workers = WorkerProcesses(tmp_path / "logs")
    try:
        workers.start(workers=1)
        wait_for(lambda: all(get_render_job(i, settings=settings).status == "complete"
                             for i in ids.values()), timeout=180, what="all renders done")
    finally:
        workers.stop_all()
    started = {p: get_render_job(i, settings=settings).started_at or "" for p, i in ids.items()}
    assert started["rush"] < started["standard"] < started["low"], started


def test_project_brand_pod_reaches_the_render(analysed_event: AnalysedEvent,
                                              tmp_path: Path) -> None:
    """The project's brand (logo corner and opacity, colours, title and outro cards) is
    stored on the timeline and burned into the picture."""
    import av
    import numpy as np
    from PIL import Image

    from editron.db.models import MediaBatch
    from editron.services.edit import session_timelines

    ev = analysed_event
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 100), (255, 0, 0)).save(logo)
    brand = {"logo_path": str(logo), "logo_position": "top-left", "logo_opacity": 1.0,
             "accent_color": "#00FF00", "title_card": "Aurora Summit", "outro_card": "See you"}
    with session_scope(ev.settings.resolved_database_url) as s:
        project = repos.projects.create_project(s, name="Northwind events", brand=brand)
        s.get_one(MediaBatch, ev.batch_id).project_id = project.id
    try:
        session_id = _session(ev, "social", "16:9")
    finally:
        with session_scope(ev.settings.resolved_database_url) as s:
            s.get_one(MediaBatch, ev.batch_id).project_id = None
    _, [tl] = session_timelines(session_id, settings=ev.settings)
    assert tl.brand is not None and tl.brand.logo_path == str(logo)
    assert tl.brand.title_card == "Aurora Summit" and tl.brand.font_path.endswith(".ttf")
    out = tmp_path / "out"
    request = render_video_deliverables(edit_session_id=session_id, destinations=str(out),
                                        profile="preview", settings=ev.settings,
                                        enqueue_jobs=False, no_review=True)
    job = run_render_job_inline(request.render_job_ids[0], settings=ev.settings)
    assert job.status == "complete", job.last_error
    with av.open(str(out / "social_16x9.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    frame = frames[0]
    h, w, _ = frame.shape
    for shown in (frames[0], frames[len(frames) // 2], frames[-1]):
        corner = shown[: h // 8, : w // 8].reshape(-1, 3).astype(int)
        red = (corner[:, 0] > 180) & (corner[:, 1] < 80) & (corner[:, 2] < 80)
        assert red.mean() > 0.3, "the red logo sits in the top-left corner, start to end"
    assert not np.array_equal(frame[h // 3: 2 * h // 3], np.zeros_like(frame[h // 3: 2 * h // 3]))
