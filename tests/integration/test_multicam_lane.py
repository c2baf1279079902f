"""The multi-camera lane on generated footage: one sound field recorded by three cameras (PCM
48 kHz in MOV, AAC 44.1 kHz, a phone's band-limited AAC), started off the frame grid at their
own gains and noise, and a B-roll file of another place; ingested, analysed (sync in the
analysis document, ``analyze --json``, the report), placed by hand with ``editron sync``."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import opentimelineio as otio
import pycmx
import pytest
from typer.testing import CliRunner

from editron.cli.main import app
from editron.config import Settings
from editron.edit.conform import source_offset
from editron.edit.exporters import export_timeline
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits, session_timelines
from editron.services.ingest import ingest_media_batch
from editron.store import local_folder
from tests.fcpxml_structure import check as fcpxml_problems
from tests.fcpxml_structure import mc_clips
from tests.multicam_fixtures import Camera, record, sound_field, write_camera_file

pytestmark = pytest.mark.slow
RATE = 48_000
FRAME = 1 / 30
CAMERAS = (
    (Camera("wide", 1.013_711, 40, rate=48_000, gain=0.8, noise_db=-52, colour="dull", seed=1),
     "mov", "pcm_s16le", "testsrc2"),
    (Camera("stage", 6.520_113, 34, rate=44_100, gain=0.35, noise_db=-46, seed=2),
     "mp4", "aac", "smptebars"),
    (Camera("phone", 11.371_707, 30, rate=48_000, gain=1.5, noise_db=-42, colour="phone",
            seed=3), "mp4", "aac", "rgbtestsrc"),
)


@pytest.fixture(scope="module")
def event_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("multicam_event")
    folder = work / "event"
    folder.mkdir()
    field = sound_field(work / "parts", seconds=45, rate=RATE, seed=71)
    for cam, ext, codec, picture in CAMERAS:
        write_camera_file(record(field, RATE, cam), folder / f"{cam.name}.{ext}",
                          source=picture, audio_codec=codec)
    other = sound_field(work / "parts", seconds=30, rate=RATE, seed=73, broll=True)
    broll = Camera("broll", 2.0, 25, rate=48_000, gain=0.7, noise_db=-50, seed=4)
    write_camera_file(record(other, RATE, broll), folder / "broll.mp4", source="testsrc")
    return folder


def _by_name(doc_sync: list[dict], reports: list[dict]) -> dict[str, dict]:
    names = {r["file_id"]: Path(r["filename"]).stem for r in reports}
    return {names[row["file_id"]]: row for row in doc_sync}


def test_analysis_syncs_the_batch_and_a_hand_placement_survives_reanalysis(
        event_folder: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(event_folder), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    rows = _by_name(doc.sync, doc.file_reports)
    assert set(rows) == {"wide", "stage", "phone", "broll"}
    wide = rows["wide"]["event_offset"]
    for cam, *_ in CAMERAS:  # event offsets differ as the true starts do, within a frame
        row = rows[cam.name]
        assert row["event_offset"] is not None, row
        assert abs((row["event_offset"] - wide) - (cam.start - CAMERAS[0][0].start)) < FRAME
        assert row["method"] == "sound" and 0 < row["confidence"] <= 1
    assert rows["broll"]["event_offset"] is None
    assert rows["broll"]["reason"] == "no_shared_sound" and rows["broll"]["detail"]
    report = (local_folder(settings, doc.artifacts_path or "") / "brief.md").read_text()
    assert "## Event clock" in report and "not synced" in report

    runner = CliRunner()
    shown = runner.invoke(app, ["analyze", batch.batch_id[:8], "--passes", "1", "--json"])
    assert shown.exit_code == 0, shown.output
    assert {"file_id", "event_offset", "confidence", "drift_ppm"} <= set(
        json.loads(shown.stdout)["sync"][0])
    broll_id = rows["broll"]["file_id"]
    placed = runner.invoke(app, ["sync", batch.batch_id, "--offset", f"{broll_id[:8]}=12.5",
                                 "--json"])
    assert placed.exit_code == 0, placed.output
    row = next(r for r in json.loads(placed.stdout)["sync"] if r["file_id"] == broll_id)
    assert row["event_offset"] == 12.5 and row["method"] == "manual"
    bad = runner.invoke(app, ["sync", batch.batch_id, "--offset", "nofile=3"])
    assert bad.exit_code == 2 and "names no file" in bad.output
    again = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    kept = _by_name(again.sync, again.file_reports)["broll"]
    assert kept["event_offset"] == 12.5 and kept["method"] == "manual"


def _event_seconds(sync: dict[str, dict], file_id: str, frame: int, fps: float) -> float:
    row = sync[file_id]
    return row["event_offset"] + frame / fps / (1 + row["drift_ppm"] * 1e-6)


def test_synced_batch_merges_moments_and_no_deliverable_shows_one_event_time_twice(
        event_folder: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(event_folder), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    merged = [m for m in doc.event_moments if len(m["angles"]) >= 2]
    assert merged, doc.event_moments  # the crowd bursts all three cameras heard
    for m in merged:
        assert m["event_end"] > m["event_start"] and m["best"] in {
            a["file_id"] for a in m["angles"]}
        assert len({a["file_id"] for a in m["angles"]}) == len(m["angles"])
    sync = {r["file_id"]: r for r in doc.sync}
    heroes = [(h["file_id"], h["start"], h["end"]) for h in doc.hero_moments
              if sync[h["file_id"]]["event_offset"] is not None]
    events = [(_event_seconds(sync, f, 0, 1) + s, _event_seconds(sync, f, 0, 1) + e)
              for f, s, e in heroes]
    for (a0, a1), (b0, b1) in combinations(events, 2):  # top moments: each event time once
        assert min(a1, b1) - max(a0, b0) <= 0, (events, heroes)
    for deliverable in ("recap", "highlight", "social"):
        session = generate_video_edits(batch_id=batch.batch_id, deliverable_type=deliverable,
                                       settings=settings)
        _, timelines = session_timelines(session.session_id, settings=settings)
        for tl in timelines:
            fps = tl.rate.fps
            spans = [(_event_seconds(sync, c.file_id, c.source_start, fps),
                      _event_seconds(sync, c.file_id, c.source_end, fps))
                     for c in tl.clips if sync[c.file_id]["event_offset"] is not None]
            longest = max((c.transition_in.frames for c in tl.clips), default=0) / fps
            for (a0, a1), (b0, b1) in combinations(spans, 2):
                assert min(a1, b1) - max(a0, b0) <= longest + 1 / fps, (deliverable, spans)


def test_the_real_edit_of_a_synced_batch_exports_switchable_angles(
        event_folder: Path, settings: Settings) -> None:
    # #21.5 on the generated event: the recap's FCPXML has one multicam on the measured event
    # clock, the xmeml and OTIO stack the angles in sync, the EDL is the cut.
    batch = ingest_media_batch(source_url=str(event_folder), settings=settings)
    doc = analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    sync = {r["file_id"]: r for r in doc.sync if r["event_offset"] is not None}
    session = generate_video_edits(batch_id=batch.batch_id, deliverable_type="recap",
                                   aspect_ratios="16:9,9:16", settings=settings)
    _, timelines = session_timelines(session.session_id, settings=settings)
    for tl in timelines:
        assert any(c.angles for c in tl.clips), tl.aspect_ratio
        frame = Fraction(tl.rate.den, tl.rate.num)
        text = str(export_timeline(tl, "fcpxml"))
        truth = {f: Fraction(r["event_offset"]).limit_denominator(10**6)
                 for f, r in sync.items()}
        assert fcpxml_problems(text, event_offsets=truth, tolerance=frame) == []
        grouped = [c for c in tl.clips if c.file_id in sync]
        read = mc_clips(text)
        assert len(read) == len(grouped)
        for got, clip in zip(read, grouped, strict=True):
            assert got.video == clip.file_id
            assert got.sources[clip.file_id] == tl.rate.exact(
                source_offset(tl.media[clip.file_id], tl.rate) + clip.source_start)
            for file_id, start in clip.angles:  # a fixed multicam offset, within a frame
                at = got.sources[file_id]
                assert at is not None and abs(at - tl.rate.exact(
                    source_offset(tl.media[file_id], tl.rate) + start)) <= frame
        most = max(len(c.angles) for c in tl.clips)
        for fmt, adapter in (("xmeml", "fcp_xml"), ("otio", "otio_json")):
            back = otio.adapters.read_from_string(str(export_timeline(tl, fmt)), adapter)
            assert len(back.video_tracks()) == 1 + most, fmt
            cut = back.video_tracks()[0].find_clips()
            assert len(cut) == len(tl.clips), fmt
            stacked = sum(len(t.find_clips()) for t in back.video_tracks()[1:])
            assert stacked == sum(len(c.angles) for c in tl.clips), fmt
        edl = pycmx.parse_cmx3600(io.StringIO(str(export_timeline(tl, "edl"))))
        # the cut, plus a sound event for each clip whose sound is another camera's microphone
        foreign = sum(c.sound_file != c.file_id for c in tl.clips)
        assert sum(len(ev.edits) for ev in edl.events) == len(tl.clips) + foreign
