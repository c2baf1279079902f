"""Every frame rate through ingest, analysis, edit and every export: footage made at each rate
(2 s of 160x90 test pattern with a tone and a timecode track), and each written file read back
by a reader nobody here wrote. Where a format cannot express the rate (CMX3600 at 15 fps, Final
Cut at 120 fps) the session records that one export as unavailable and writes the others."""

from __future__ import annotations

import io
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pycmx
import pytest

from editron.config import Settings
from editron.domain.timecode import frames_to_timecode, timecode_to_frames
from editron.domain.timeline import FrameRate, Timeline
from editron.edit.conform import record_start, source_offset
from editron.media.ffmpeg import ffmpeg_path
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits, session_timelines
from editron.services.ingest import ingest_media_batch
from editron.store import resolve_local
from tests.fcpxml_structure import check as fcpxml_problems

RATES = ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60",
         "12", "15", "20", "48", "120"]
RATIOS = ("16:9", "9:16", "1:1")
START = "00:59:50:00"


def _rate(text: str) -> FrameRate:
    num, _, den = text.partition("/")
    return FrameRate(int(num), int(den or 1))


def _footage(folder: Path, rate: FrameRate) -> str:
    """A 2 s camera file at ``rate`` whose timecode track starts at 10:00:00:00."""
    folder.mkdir(parents=True)
    tc = frames_to_timecode(timecode_to_frames("10:00:00:00", rate), rate)
    subprocess.run([
        ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate={rate}:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(rate.timebase),
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-timecode", tc, "-shortest",
        str(folder / "cam_a.mp4")], check=True, timeout=60)
    return tc


def _frames(t: otio.opentime.RationalTime, rate: FrameRate) -> int:
    return round(t.value_rescaled_to(rate.num / rate.den))


def _seconds(value: str) -> Fraction:
    return Fraction(0) if value == "0s" else Fraction(value.rstrip("s"))


def _check_otio(path: Path, tl: Timeline, source: list[int]) -> None:
    back = otio.adapters.read_from_file(str(path))
    clips = back.video_tracks()[0].find_clips()
    assert [_frames(c.source_range.start_time, tl.rate) for c in clips] == source
    assert _frames(back.global_start_time, tl.rate) == record_start(tl)


def _check_xmeml(path: Path, tl: Timeline, source: list[int]) -> None:
    text = path.read_text(encoding="utf-8")
    back = otio.adapters.read_from_string(text, "fcp_xml")
    clips = back.video_tracks()[0].find_clips()
    assert [_frames(c.source_range.start_time, tl.rate) for c in clips] == source
    assert [_frames(c.source_range.duration, tl.rate) for c in clips] == \
        [c.duration for c in tl.clips]
    assert f"<width>{tl.width}</width>" in text and f"<height>{tl.height}</height>" in text


def _check_edl(path: Path, tl: Timeline, source: list[int]) -> None:
    edl = pycmx.parse_cmx3600(io.StringIO(path.read_text(encoding="utf-8")))
    edits = [e for ev in edl.events for e in ev.edits]
    assert [timecode_to_frames(e.source_in, tl.rate) for e in edits] == source
    assert [timecode_to_frames(e.record_in, tl.rate) for e in edits] == \
        [record_start(tl) + c.record_start for c in tl.clips]
    assert all(e.channels.video and e.channels.a1 for e in edits)


def _check_fcpxml(path: Path, tl: Timeline, source: list[int]) -> None:
    text = path.read_text(encoding="utf-8")
    assert fcpxml_problems(text) == []
    pattern = r'<asset-clip ref="r\d+" offset="[^"]+" name="[^"]+" start="([^"]+)"'
    starts = [_seconds(v) * tl.rate.num / tl.rate.den for v in re.findall(pattern, text)]
    assert starts == source


CHECKS = {"otio": _check_otio, "xmeml": _check_xmeml, "edl": _check_edl,
          "fcpxml": _check_fcpxml}


@pytest.mark.parametrize("text", RATES)
def test_every_rate_edits_and_exports(tmp_path: Path, text: str) -> None:
    rate = _rate(text)
    tc = _footage(tmp_path / "footage", rate)
    settings = Settings(home=tmp_path / "home")
    batch = ingest_media_batch(source_url=str(tmp_path / "footage"), settings=settings)
    assert batch.status == "ready" and batch.files[0].fps == pytest.approx(rate.fps, rel=1e-3)
    analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    doc = generate_video_edits(batch_id=batch.batch_id, deliverable_type="social",
                               aspect_ratios=",".join(RATIOS), start_tc=START,
                               settings=settings)
    assert doc.status == "needsreview", doc.last_error
    no_timecode = rate.num in (12, 15, 20, 120)
    missing = {"edl"} if no_timecode else set()
    if rate.num == 120:
        missing.add("fcpxml")
    errors = doc.exports["errors"]
    assert {(e["format"], e["aspect_ratio"]) for e in errors} == {
        (f, r) for f in missing for r in RATIOS}
    for err in errors:
        assert err["kind"] == "unavailable" and str(rate) in err["error"], err
    written = {(f["format"], f["aspect_ratio"]): resolve_local(settings, f["path"])
               for f in doc.exports["files"]}
    _, timelines = session_timelines(doc.session_id, settings=settings)
    for tl in timelines:
        assert tl.rate == rate and tl.start_timecode == START
        info = tl.media[tl.clips[0].file_id]
        assert info.timecode is not None and source_offset(info, rate) == \
            timecode_to_frames(tc, rate, drop=";" in tc)
        source = [source_offset(tl.media[c.file_id], rate) + c.source_start for c in tl.clips]
        for fmt, check in CHECKS.items():
            if fmt in missing:
                assert (fmt, tl.aspect_ratio) not in written
                continue
            check(written[(fmt, tl.aspect_ratio)], tl, source)
