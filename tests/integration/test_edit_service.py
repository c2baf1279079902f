"""Edit sessions on a really analysed event: blueprints → timelines per ratio → exports,
status and task card, events, the CLI contract, and exports read back by OpenTimelineIO."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio
import pytest
from typer.testing import CliRunner

from editron.cli.main import app
from editron.db import repos
from editron.db.repos.events import events_after
from editron.db.session import session_scope
from editron.domain.status import Stage
from editron.errors import InputError, InvalidStateError, NotFoundError
from editron.services.edit import export_session, generate_video_edits, session_timelines
from editron.store import resolve_local
from tests.conftest import AnalysedEvent
from tests.fcpxml_structure import seconds


def test_recap_session_is_59_seconds_in_every_ratio(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    doc = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                               imovie_project="Aurora Summit", settings=ev.settings)
    assert doc.status == "needsreview" and doc.variants == 1
    assert sorted(t["aspect_ratio"] for t in doc.timelines) == ["16:9", "1:1", "9:16"]
    _, timelines = session_timelines(doc.session_id, settings=ev.settings)
    for tl in timelines:
        assert tl.duration_frames == 59 * 25, (tl.aspect_ratio, tl.duration_frames)
        assert tl.name == "Aurora Summit"
        files = {c.file_id for c in tl.clips}
        assert len(files) == 3, "every file with good moments is in the recap"
        for clip in tl.clips:
            info = tl.media[clip.file_id]
            assert 0 <= clip.source_start < clip.source_end <= round(info.duration * 25)
    assert any(t.captions for t in timelines), "the speech is captioned"
    with session_scope(ev.settings.resolved_database_url) as s:
        filenames = {f.id: f.filename for f in repos.files.list_files(s, ev.batch_id)}
    order = [filenames[c.file_id] for c in timelines[0].clips]
    assert list(dict.fromkeys(order)) == [
        "keynote_open.mp4", "main_stage.mp4", "awards.mp4"], "by capture time, not by name"
    names = {Path(f["path"]).name for f in doc.exports["files"]}
    assert {"recap_16x9.fcpxml", "recap_9x16.otio", "recap_1x1.xml", "recap_16x9.edl"} <= names
    root = ev.settings.storage_dir
    # keys, not this host's paths: another host reads the same files through the store
    assert doc.exports["folder"] == f"batches/{ev.batch_id}/edits/{doc.session_id}"
    for f in doc.exports["files"]:
        assert f["path"].startswith(doc.exports["folder"] + "/") and str(root) not in f["path"]
        assert resolve_local(ev.settings, f["path"]).stat().st_size > 0
    saved = json.dumps([t.to_dict() for t in timelines])
    assert str(root) not in saved and str(ev.settings.home_dir) not in saved
    for tl in timelines:
        assert all(m.path.startswith(f"batches/{ev.batch_id}/") for m in tl.media.values())
    # the NLE export names each source where this host's storage folder holds it
    fcpxml = next(f["path"] for f in doc.exports["files"] if f["format"] == "fcpxml")
    first = next(iter(timelines[0].media.values()))
    assert (root / first.path).as_uri() in resolve_local(ev.settings, fcpxml).read_text()
    with session_scope(ev.settings.resolved_database_url) as s:
        card = repos.tasks.get_task(s, ev.batch_id, Stage.EDIT)
        assert card.status == "done"
        kinds = [e.event_type for e in events_after(s, 0, batch_id=ev.batch_id)
                 if e.entity_id == doc.session_id]
    assert kinds[0] == "edit_session.created" and "edit_session.assembled" in kinds


def test_highlight_variants_share_no_moment(analysed_event: AnalysedEvent) -> None:
    ev = analysed_event
    doc = generate_video_edits(batch_id=ev.batch_id, deliverable_type="highlight",
                               aspect_ratios="9:16", settings=ev.settings)
    _, timelines = session_timelines(doc.session_id, settings=ev.settings)
    assert doc.variants == len(timelines) >= 2
    spans = [(c.file_id, c.source_start, c.source_end) for t in timelines for c in t.clips]
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]:
                owner = [t.variant for t in timelines for c in t.clips
                         if (c.file_id, c.source_start, c.source_end) in (a, b)]
                assert len(set(owner)) == 1, f"variants share footage {a} {b}"
    for tl in timelines:
        assert 10 * 25 <= tl.duration_frames <= 30 * 25
        assert all(c.crop for c in tl.clips), "vertical clips carry crop keyframes"
    names = {Path(f["path"]).name for f in doc.exports["files"]}
    assert "highlight-2_9x16.fcpxml" in names


def _fcpxml_frames(path: Path) -> list[tuple[int, int]]:
    """Each spine clip's first source frame and length, read with exact fractions: its
    ``start`` less its asset's (the file's timecode), over the sequence's frame duration."""
    root = ET.parse(path).getroot()
    sequence = root.find("./library/event/project/sequence")
    assert sequence is not None
    fmt = root.find(f"./resources/format[@id='{sequence.get('format')}']")
    assert fmt is not None
    frame = seconds(fmt.get("frameDuration"))
    assets = {a.get("id"): seconds(a.get("start")) for a in root.iter("asset")}
    frames = []
    for clip in sequence.iterfind("./spine/asset-clip"):
        start = (seconds(clip.get("start")) - assets[clip.get("ref")]) / frame
        length = seconds(clip.get("duration")) / frame
        assert start.denominator == length.denominator == 1, "on the frame grid"
        frames.append((int(start), int(length)))
    return frames


def test_exports_read_back_with_the_same_clips(analysed_event: AnalysedEvent,
                                               tmp_path: Path) -> None:
    ev = analysed_event
    doc = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                               aspect_ratios="16:9,1:1", settings=ev.settings)
    _, timelines = session_timelines(doc.session_id, settings=ev.settings)
    tl = next(t for t in timelines if t.aspect_ratio == "16:9")
    assert tl.duration_frames <= 15 * 25
    for fmt, suffix, adapter in (("fcpxml", "fcpxml", "fcpx_xml"), ("xmeml", "xml", "fcp_xml"),
                                 ("edl", "edl", "cmx_3600"), ("otio", "otio", None)):
        [path] = export_session(session_id=doc.session_id, fmt=fmt, ratio="16:9",
                                out=tmp_path / f"social.{suffix}", settings=ev.settings)
        kwargs = {"rate": 25} if adapter == "cmx_3600" else {}
        read = otio.adapters.read_from_file(str(path), adapter_name=adapter, **kwargs)
        tracks = read.video_tracks() if isinstance(read, otio.schema.Timeline) else next(
            iter(read.find_children(descended_from_type=otio.schema.Timeline))).video_tracks()
        clips = [c for c in tracks[0].find_clips()]
        assert len(clips) == len(tl.clips), fmt
        # OTIO's fcpx_xml reader truncates float(seconds) * rate, so an exact 207/25s reads
        # as frame 206 (137 of the frames 0..2000 at 25 fps land one early); its frames may
        # be one short, and the exact read-back of the FCPXML is ``_fcpxml_frames``.
        slack = 1 if fmt == "fcpxml" else 0
        for got, want in zip(clips, tl.clips, strict=True):
            rng = got.source_range
            assert rng is not None
            start, length = round(rng.start_time.to_frames(25)), round(rng.duration.to_frames(25))
            assert want.source_start - slack <= start <= want.source_start, fmt
            assert want.duration - slack <= length <= want.duration, fmt
        if fmt == "fcpxml":
            assert _fcpxml_frames(path) == [(c.source_start, c.duration) for c in tl.clips]
    paths = export_session(session_id=doc.session_id, fmt="srt", out=tmp_path / "captions",
                           settings=ev.settings)
    assert sorted(p.name for p in paths) == ["social_16x9.srt", "social_1x1.srt"]


def test_edit_bad_input(analysed_event: AnalysedEvent, settings: object) -> None:
    ev = analysed_event
    with pytest.raises(InputError, match="unknown deliverable"):
        generate_video_edits(batch_id=ev.batch_id, deliverable_type="trailer",
                             settings=ev.settings)
    with pytest.raises(InputError, match="unknown aspect ratio"):
        generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                             aspect_ratios="4:3", settings=ev.settings)
    with pytest.raises(InputError, match="unknown style"):
        generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                             reference_style="wes-anderson", settings=ev.settings)
    with pytest.raises(InputError, match="no such file"):
        generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                             music_path="/nope/song.mp3", settings=ev.settings)
    with pytest.raises(NotFoundError):
        generate_video_edits(batch_id="missing", deliverable_type="recap",
                             settings=ev.settings)
    with pytest.raises(NotFoundError):
        export_session(session_id="missing", fmt="otio", out=Path("x.otio"),
                       settings=ev.settings)


def test_edit_needs_an_analysed_batch(footage: Path, settings: object) -> None:
    from editron.config import Settings
    from editron.services.ingest import ingest_media_batch

    assert isinstance(settings, Settings)
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    with pytest.raises(InvalidStateError, match="analyse it first"):
        generate_video_edits(batch_id=batch.batch_id, deliverable_type="recap",
                             settings=settings)


def test_cli_edit_and_export_json(analysed_event: AnalysedEvent, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from editron.config import reset_settings

    monkeypatch.setenv("EDITRON_HOME", str(analysed_event.settings.home))
    reset_settings()
    runner = CliRunner()
    result = runner.invoke(app, ["edit", analysed_event.batch_id, "--deliverable", "social",
                                 "--ratios", "9:16", "--no-captions", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["preview_paths"] and resolve_local(analysed_event.settings,
                                                  doc["preview_paths"]["9:16 v1"]).is_file()
    result = runner.invoke(app, ["edit", analysed_event.batch_id, "--deliverable", "social",
                                 "--ratios", "9:16", "--no-captions", "--no-preview",
                                 "--start-tc", "00:00:10:00", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    edl = next(resolve_local(analysed_event.settings, f["path"])
               for f in doc["exports"]["files"] if f["format"] == "edl")
    assert "\nFCM: NON-DROP FRAME\n" in edl.read_text() and " 00:00:10:00 " in edl.read_text()
    assert doc["status"] == "needsreview" and doc["timelines"][0]["aspect_ratio"] == "9:16"
    assert doc["timelines"][0]["captions"] == []
    clip = doc["timelines"][0]["clips"][0]
    assert {"file_id", "source_start", "source_end", "record_start", "crop"} <= set(clip)
    out = tmp_path / "social.fcpxml"
    result = runner.invoke(app, ["export", doc["session_id"], "--format", "fcpxml",
                                 "--out", str(out), "--relative", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"] == [str(out)]
    assert "<fcpxml" in out.read_text()
    bad = runner.invoke(app, ["edit", analysed_event.batch_id, "--deliverable", "trailer"])
    assert bad.exit_code == 2 and "unknown deliverable" in bad.stderr
    bad = runner.invoke(app, ["edit", analysed_event.batch_id, "--deliverable", "social",
                              "--start-tc", "10 o'clock"])
    assert bad.exit_code == 2 and "not a timecode" in bad.stderr


def test_cli_edit_and_render_through_the_queue(analysed_event: AnalysedEvent, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """EDITRON_QUEUE_URL set: edit and render enqueue; --wait follows them to the end."""
    from editron.config import reset_settings

    monkeypatch.setenv("EDITRON_HOME", str(analysed_event.settings.home))
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    runner = CliRunner()
    result = runner.invoke(app, ["edit", analysed_event.batch_id, "--deliverable", "social",
                                 "--ratios", "1:1", "--no-preview", "--wait", "--json"])
    assert result.exit_code == 0, result.output
    session = json.loads(result.stdout)
    assert session["status"] == "needsreview" and session["aspect_ratios"] == ["1:1"]
    out = tmp_path / "delivered"
    result = runner.invoke(app, ["render", session["session_id"], "--profile", "preview",
                                 "--destination", str(out), "--wait", "--no-review",
                                 "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [j["status"] for j in doc["jobs"]] == ["complete"]
    assert (out / "social_1x1.mp4").is_file()


def test_feedback_shapes_the_next_edit_for_that_client(analysed_event: AnalysedEvent) -> None:
    from editron.db.models import MediaBatch
    from editron.services.feedback import record_editron_feedback

    ev = analysed_event
    with session_scope(ev.settings.resolved_database_url) as s:
        project = repos.projects.create_project(s, name="Northwind events")
        s.get_one(MediaBatch, ev.batch_id).project_id = project.id
    try:
        first = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                     aspect_ratios="16:9", settings=ev.settings)
        assert first.reference_style == "standard" and first.include_captions
        record_editron_feedback(edit_session_id=first.session_id, decision="changes",
                                adjust=["style=energetic", "duration=8", "captions=off"],
                                settings=ev.settings)
        second = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                      aspect_ratios="16:9", settings=ev.settings)
        assert second.reference_style == "energetic"
        assert second.timelines[0]["duration"] <= 8.0
        assert not second.include_captions and second.timelines[0]["captions"] == []
        explicit = generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                        aspect_ratios="16:9", reference_style="cinematic",
                                        include_captions=True, settings=ev.settings)
        assert explicit.reference_style == "cinematic" and explicit.include_captions
        recap = generate_video_edits(batch_id=ev.batch_id, deliverable_type="recap",
                                     aspect_ratios="16:9", settings=ev.settings)
        assert recap.reference_style == "standard", "preferences are per deliverable"
    finally:
        with session_scope(ev.settings.resolved_database_url) as s:
            s.get_one(MediaBatch, ev.batch_id).project_id = None
