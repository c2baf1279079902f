"""Render QC with the real ffmpeg on small lavfi renders: each defect raises its own flag."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from editron.errors import MediaError, ProbeError, ProcessCancelledError, ProcessError
from editron.render import qc_measure
from editron.render.qc import run_qc
from editron.render.qc_parse import QcSpec
from tests.media_factory import run_ffmpeg

SECONDS = 4
FRAMES = SECONDS * 25
SPEC = QcSpec(expected_frames=FRAMES, rate_num=25, rate_den=1, width=320, height=180,
              video_codec="h264", audio_codec="aac", loudness_target=-14.0)


def _render(path: Path, *, video: str = "null", audio: str | None = "",
            loudness: float = -14.0, faststart: bool = True, seconds: int = SECONDS) -> Path:
    """A 320x180 render: testsrc2 and a tone normalised to ``loudness`` LUFS, then the
    ``video``/``audio`` filters (the defects); ``audio=None`` leaves audio out."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={seconds}"]
    graph = f"[0:v]{video}[v]"
    maps = ["-map", "[v]"]
    if audio is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000"]
        graph += (f";[1:a]loudnorm=I={loudness:g}:TP=-1:LRA=11,aresample=48000,asetnsamples=480"
                  f"{',' + audio if audio else ''}[a]")
        maps += ["-map", "[a]", "-c:a", "aac", "-b:a", "96k"]
    args += ["-filter_complex", graph, *maps, "-c:v", "libx264", "-preset", "ultrafast",
             "-pix_fmt", "yuv420p", *(["-movflags", "+faststart"] if faststart else []),
             str(path)]
    run_ffmpeg(args)
    return path


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("qc")
    files = {
        "good": _render(root / "good.mp4"),
        "black": _render(root / "black.mp4",
                         video="drawbox=c=black:t=fill:enable='between(t,1.5,2.46)'"),
        # longer, so the tone around the 3 s gap still carries the integrated loudness
        "silence": _render(root / "silence.mp4", seconds=8,
                           audio="volume=0:enable='between(t,2.5,5.5)'"),
        "quiet": _render(root / "quiet.mp4", loudness=-30.0),
        "mute": _render(root / "mute.mp4", audio=None),
        "moov_last": _render(root / "moov_last.mp4", faststart=False),
    }
    for name in ("good", "moov_last"):  # cut in half: the moov atom survives only in one
        data = files[name].read_bytes()
        cut = root / f"{name}_cut.mp4"
        cut.write_bytes(data[: len(data) // 2])
        files[f"{name}_cut"] = cut
    return files


def test_good_render_passes(renders: dict[str, Path]) -> None:
    report = run_qc(renders["good"], SPEC)
    assert report.passed and report.flags == [], report.checks
    assert report.frames == FRAMES
    assert report.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert report.true_peak is not None and report.true_peak < 0
    assert report.black_segments == [] and report.silences == [] and not report.decode_errors
    data = renders["good"].read_bytes()
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert report.size_bytes == len(data)


def test_black_segment_is_flagged_unless_planned(renders: dict[str, Path]) -> None:
    report = run_qc(renders["black"], SPEC)
    assert report.flags == ["black_segment"]
    [(start, end)] = report.black_segments
    assert start == pytest.approx(1.5, abs=0.1) and end == pytest.approx(2.5, abs=0.1)
    assert run_qc(renders["black"], replace(SPEC, planned_black=((1.5, 2.5),))).passed
    # a longer allowance also lets it through; a plan elsewhere does not
    assert run_qc(renders["black"], replace(SPEC, max_black_seconds=1.5)).passed
    assert run_qc(renders["black"], replace(SPEC, planned_black=((3.0, 4.0),))).flags == [
        "black_segment"]


def test_long_silence_is_flagged(renders: dict[str, Path]) -> None:
    spec = replace(SPEC, expected_frames=8 * 25)
    report = run_qc(renders["silence"], spec)
    assert report.flags == ["silence"]  # gating keeps the integrated loudness on target
    [(start, end)] = report.silences
    assert start == pytest.approx(2.5, abs=0.1) and end == pytest.approx(5.5, abs=0.1)
    assert run_qc(renders["silence"], replace(spec, planned_silence=((2.4, 5.6),))).passed
    # a pause shorter than the limit is not a defect
    assert run_qc(renders["silence"], replace(spec, max_silence_seconds=3.5)).passed


def test_quiet_render_fails_loudness(renders: dict[str, Path]) -> None:
    report = run_qc(renders["quiet"], SPEC)
    assert report.flags == ["loudness"]
    assert report.integrated_lufs == pytest.approx(-30.0, abs=1.0)
    assert run_qc(renders["quiet"], replace(SPEC, loudness_target=None)).passed


def test_stream_facts_against_the_spec(renders: dict[str, Path]) -> None:
    assert run_qc(renders["good"], replace(SPEC, expected_frames=FRAMES - 10)).flags == [
        "duration"]
    assert run_qc(renders["good"], replace(SPEC, expected_frames=FRAMES + 1)).passed
    wrong = replace(SPEC, width=1920, height=1080, video_codec="prores",
                    audio_codec="pcm_s16le")
    assert run_qc(renders["good"], wrong).flags == ["resolution", "video_codec", "audio_codec"]
    fps = run_qc(renders["good"], replace(SPEC, rate_num=30000, rate_den=1001,
                                           expected_frames=120))
    assert "fps" in fps.flags


def test_missing_audio(renders: dict[str, Path]) -> None:
    report = run_qc(renders["mute"], SPEC)
    assert report.flags == ["audio_missing"] and report.integrated_lufs is None


def test_truncated_render(renders: dict[str, Path]) -> None:
    # With the index up front the file opens and stops decoding half way: reported.
    report = run_qc(renders["good_cut"], SPEC)
    assert "decode_error" in report.flags and "duration" in report.flags
    assert report.decode_errors and report.frames is not None and report.frames < FRAMES
    # With the index at the end there is nothing to check: a MediaError naming the file.
    with pytest.raises(ProbeError, match=r"moov_last_cut\.mp4") as raised:
        run_qc(renders["moov_last_cut"], SPEC)
    assert isinstance(raised.value, MediaError)


def test_keyframe_mode_takes_black_from_the_render_and_counts_packets(
        renders: dict[str, Path]) -> None:
    # The render measured its black runs; QC decodes keyframes and the last group of pictures
    # only, and still counts every frame and catches a file cut short.
    good = run_qc(renders["good"], SPEC, black_segments=[])
    assert good.passed and good.frames == FRAMES and good.integrated_lufs is not None
    black = run_qc(renders["black"], SPEC, black_segments=[(1.5, 2.46), (3.0, 3.2)])
    assert black.flags == ["black_segment"] and black.black_segments == [(1.5, 2.46)]
    cut = run_qc(renders["good_cut"], SPEC, black_segments=[])
    assert "decode_error" in cut.flags and "duration" in cut.flags
    assert cut.frames is not None and cut.frames < FRAMES and cut.decode_errors
    assert run_qc(renders["mute"], SPEC, black_segments=[]).flags == ["audio_missing"]


def test_not_media_and_missing(tmp_path: Path) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    with pytest.raises(ProbeError, match=r"notes\.mp4"):
        run_qc(notes, SPEC)
    with pytest.raises(ProbeError, match="cannot read"):
        run_qc(tmp_path / "absent.mp4", SPEC)


def test_cancel_stops_the_pass(renders: dict[str, Path]) -> None:
    with pytest.raises(ProcessCancelledError):
        run_qc(renders["good"], SPEC, should_cancel=lambda: True)
    event = threading.Event()
    event.set()
    with pytest.raises(ProcessCancelledError):
        run_qc(renders["good"], SPEC, should_cancel=event)


def test_ffmpeg_failures_are_process_errors(renders: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The file is fine but the analysis cannot run: that is not a verdict on the file.
    monkeypatch.setattr(qc_measure, "ffmpeg_path", lambda: "false")
    with pytest.raises(ProcessError, match="exit code 1") as failed:
        run_qc(renders["good"], SPEC)
    assert failed.value.path == str(renders["good"])
    monkeypatch.setattr(qc_measure, "ffmpeg_path", lambda: str(tmp_path / "no-ffmpeg"))
    with pytest.raises(ProcessError, match="cannot start ffmpeg"):
        run_qc(renders["good"], SPEC)
