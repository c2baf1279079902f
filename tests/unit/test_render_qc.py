"""Render QC without ffmpeg: the stderr parsers on captured real output, the command line, and
the checks assembled from a faked analysis pass."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from editron.render import qc, qc_measure, qc_parse
from editron.render.qc_measure import build_analysis_args
from editron.render.qc_parse import (
    QcSpec,
    is_decode_error_line,
    parse_black_log,
    parse_blackdetect,
    parse_ebur128_summary,
    parse_progress_frames,
    parse_silencedetect,
    unplanned_parts,
)

# ffmpeg n9.0.2, `-loglevel level+info -nostats`, stream dump lines removed: a 4 s clip cut to
# half its bytes, with 1 s of black from 1.5 s and the tone muted from 0.5 s to 3.6 s.
TRUNCATED_RUN = """\
[info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 't.mp4':
[info] Stream mapping:
[info] Output #0, null, to 'pipe:':
[in#0/mov,mp4,m4a,3gp,3g2,mj2 @ 0x55acb08965c0] [warning] Packet corrupt (stream = 0, dts = 32256).
[h264 @ 0x55acb0989480] [error] Invalid NAL unit size (7308 > 3308).
[h264 @ 0x55acb0989480] [error] missing picture in access unit with size 3312
[in#0/mov,mp4,m4a,3gp,3g2,mj2 @ 0x55acb0896440] [warning] corrupt input packet in stream 0
[in#0/mov,mp4,m4a,3gp,3g2,mj2 @ 0x55acb08965c0] [error] stream 1, offset 0x203a0: partial file
[vist#0:0/h264 @ 0x55acb08a7ec0] [dec:h264 @ 0x55acb0952bc0] [error] Decoding error: Invalid data found when processing input
[Parsed_silencedetect_2 @ 0x7fc0e0003580] [info] silence_start: 0.512125
[Parsed_blackdetect_0 @ 0x7fc0e0002c00] [info] black_start:1.52 black_end:2.48 black_duration:0.96
[Parsed_silencedetect_2 @ 0x7fc0e0003580] [info] silence_end: 2.538667 | silence_duration: 2.026542
[Parsed_ebur128_1 @ 0x7fc0e00030c0] [info] Summary:

  Integrated loudness:
    I:         -23.2 LUFS
    Threshold: -33.9 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:      -16.1 dBFS
[out#0/null @ 0x55acb08d6f40] [info] video:26KiB audio:238KiB subtitle:0KiB other streams:0KiB global headers:0KiB muxing overhead: unknown
[info] frame=   63 fps=0.0 q=-0.0 Lsize=N/A time=00:00:02.53 bitrate=N/A speed=63.7x elapsed=0:00:00.03
"""  # noqa: E501

# Black and silence that run to the end of a 4 s clip: blackdetect ends on the last frame's
# time; silencedetect closes the silence at end of stream.
RUN_TO_END = """\
[Parsed_silencedetect_2 @ 0x7fa5300041c0] [info] silence_start: 1.002896
[Parsed_blackdetect_0 @ 0x7fa530003840] [info] black_start:3 black_end:3.96 black_duration:0.96
[Parsed_silencedetect_2 @ 0x7fa5300041c0] [info] silence_end: 4 | silence_duration: 2.997104
"""

# Digital silence (anullsrc, 3 s): ebur128 reports -70 LUFS and a peak of -inf; here the
# silence closes after the summary.
DIGITAL_SILENCE = """\
[Parsed_silencedetect_1 @ 0x7fb5f80022c0] [info] silence_start: 0
[Parsed_ebur128_0 @ 0x7fb5f8001e00] [info] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:       -inf dBFS
[Parsed_silencedetect_1 @ 0x7fb5f80022c0] [info] silence_end: 3 | silence_duration: 3
"""

# The tail of `-progress pipe:1` (stdout).
PROGRESS_TAIL = "frame=50\nfps=0.00\nprogress=continue\nframe=100\nfps=0.00\nprogress=end\n"

SPEC = QcSpec(expected_frames=100, rate_num=25, rate_den=1, width=320, height=180,
              video_codec="h264", audio_codec="aac", loudness_target=-23.0)


def test_blackdetect_lines() -> None:
    assert parse_blackdetect(TRUNCATED_RUN) == [(1.52, 2.48)]
    assert parse_blackdetect(RUN_TO_END) == [(3.0, 3.96)]
    assert parse_blackdetect(DIGITAL_SILENCE) == []


def test_silencedetect_pairs_start_and_end() -> None:
    assert parse_silencedetect(TRUNCATED_RUN) == [(0.512125, 2.538667)]
    assert parse_silencedetect(RUN_TO_END) == [(1.002896, 4.0)]
    assert parse_silencedetect(DIGITAL_SILENCE) == [(0.0, 3.0)]


def test_silence_left_open_ends_at_the_given_time() -> None:
    opened = "[Parsed_silencedetect_1 @ 0x1] [info] silence_start: 2.5\n"
    assert parse_silencedetect(opened) == []
    assert parse_silencedetect(opened, until=6.0) == [(2.5, 6.0)]
    # silencedetect can report a start a hair before zero on primed audio
    assert parse_silencedetect("silence_start: -0.0213\nsilence_end: 1") == [(0.0, 1.0)]


def test_ebur128_summary() -> None:
    summary = parse_ebur128_summary(TRUNCATED_RUN)
    assert summary.integrated_lufs == -23.2 and summary.true_peak == -16.1
    silent = parse_ebur128_summary(DIGITAL_SILENCE)
    assert silent.integrated_lufs == -70.0 and silent.true_peak == float("-inf")
    assert parse_ebur128_summary(RUN_TO_END) == qc_parse.EbuR128Summary(None, None)


def test_decode_error_lines_and_frames() -> None:
    errors = [line for line in TRUNCATED_RUN.splitlines() if is_decode_error_line(line)]
    assert len(errors) == 4 and "partial file" in errors[2]
    assert not is_decode_error_line("[h264 @ 0x1] [warning] Packet corrupt (stream = 0)")
    assert parse_progress_frames(PROGRESS_TAIL) == 100
    # the stats line on stderr is not progress output
    assert parse_progress_frames(TRUNCATED_RUN) is None


def test_unplanned_parts() -> None:
    assert unplanned_parts((1.0, 3.0), []) == [(1.0, 3.0)]
    assert unplanned_parts((1.0, 3.0), [(0.0, 4.0)]) == []
    assert unplanned_parts((1.0, 3.0), [(1.5, 2.0)]) == [(1.0, 1.5), (2.0, 3.0)]
    assert unplanned_parts((1.0, 3.0), [(0.0, 1.2), (2.9, 5.0)]) == [(1.2, 2.9)]
    assert unplanned_parts((1.0, 3.0), [(3.0, 4.0)]) == [(1.0, 3.0)]


def test_analysis_command_has_one_pass_per_present_stream() -> None:
    args = build_analysis_args(Path("out.mp4"), SPEC, has_video=True, has_audio=True)
    graph = args[args.index("-filter_complex") + 1]
    assert graph == ("[0:v:0]blackdetect=d=0.5:pix_th=0.1[v];"
                     "[0:a:0]ebur128=peak=true:framelog=verbose,"
                     "silencedetect=noise=-50dB:d=2[a]")
    assert args[args.index("-loglevel") + 1] == "level+info"
    assert args[args.index("-progress") + 1] == "pipe:1"
    assert args[-3:] == ["-f", "null", "-"] and args.count("-map") == 2
    silent = build_analysis_args(Path("out.mp4"), SPEC, has_video=True, has_audio=False)
    assert "[0:a" not in silent[silent.index("-filter_complex") + 1]
    assert silent.count("-map") == 1


def test_keyframe_pass_skips_non_key_frames_and_black_detection() -> None:
    args = build_analysis_args(Path("out.mp4"), SPEC, has_video=True, has_audio=True,
                               keyframes_only=True)
    assert args[args.index("-skip_frame") + 1] == "nokey"
    assert args.index("-skip_frame") < args.index("-i")  # an input (decoder) option
    graph = args[args.index("-filter_complex") + 1]
    assert "blackdetect" not in graph and graph.startswith("[0:v:0]null[v];[0:a:0]ebur128")
    audio_only = build_analysis_args(Path("out.mp4"), SPEC, has_video=False, has_audio=True,
                                     keyframes_only=True)
    assert "-skip_frame" not in audio_only


# ffmpeg n9.0.2 `metadata=mode=print:file=...` after blackdetect=d=0.1: black 0-1 s, 3 s-end.
BLACK_LOG = """\
frame:0    pts:0       pts_time:0
lavfi.black_start=0
frame:30   pts:1000000 pts_time:1
lavfi.black_end=1
frame:90   pts:3000000 pts_time:3
lavfi.black_start=3
"""


def test_black_log_pairs_starts_and_ends_and_closes_a_run_at_the_end() -> None:
    assert parse_black_log(BLACK_LOG, until=4.0) == [(0.0, 1.0), (3.0, 4.0)]
    assert parse_black_log(BLACK_LOG, until=3.0) == [(0.0, 1.0)]  # nothing left to close
    assert parse_black_log("", until=4.0) == []
    assert parse_black_log("lavfi.black_end=2\nlavfi.black_start=x\n", until=4.0) == []


def _fake_pass(monkeypatch: pytest.MonkeyPatch, streams: qc_measure.Streams, log: str,
               progress: str = PROGRESS_TAIL) -> None:
    """Replace the container read and the ffmpeg run with canned results."""
    lines = log.splitlines()
    run = qc_measure.AnalysisPass(progress=progress.splitlines(),
                   log=[line for line in lines if not is_decode_error_line(line)],
                   errors=[line for line in lines if is_decode_error_line(line)])
    run.error_count = len(run.errors)
    monkeypatch.setattr(qc, "read_streams", lambda path: streams)
    monkeypatch.setattr(qc, "run_analysis_pass", lambda args, path, cancel: (run, "0" * 64))


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "render.mp4"
    path.write_bytes(b"x" * 10)
    return path


GOOD_STREAMS = qc_measure.Streams(duration=4.0, video_codec="h264", width=320, height=180,
                           rate=Fraction(25), audio_codec="aac", audio_detail="2 ch, 48000 Hz")


def test_checks_from_a_faked_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pass(monkeypatch, GOOD_STREAMS, TRUNCATED_RUN)
    report = qc.run_qc(_file(tmp_path), SPEC)
    # 1 s of black and 2 s of muted tone are over the limits; errors were logged.
    assert report.flags == ["black_segment", "silence", "decode_error"]
    assert not report.passed and report.size_bytes == 10 and report.frames == 100
    assert len(report.decode_errors) == 4
    planned = replace(SPEC, planned_black=((1.5, 2.5),), planned_silence=((0.5, 3.0),))
    assert qc.run_qc(_file(tmp_path), planned).flags == ["decode_error"]


def test_frame_tolerance_and_rates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = replace(SPEC, loudness_target=None)  # the canned log has no ebur128 summary
    for frames, flags in ((101, []), (99, []), (102, ["duration"]), (98, ["duration"])):
        _fake_pass(monkeypatch, GOOD_STREAMS, "", progress=f"frame={frames}\n")
        assert qc.run_qc(_file(tmp_path), spec).flags == flags, frames
    # a container much longer than the video (a trailing audio track) is a duration failure
    _fake_pass(monkeypatch, replace(GOOD_STREAMS, duration=6.0), "")
    assert qc.run_qc(_file(tmp_path), spec).flags == ["duration"]
    ntsc = replace(GOOD_STREAMS, rate=Fraction(2997, 100),
                   duration=float(100 / Fraction(30000, 1001)))
    _fake_pass(monkeypatch, ntsc, "")
    ntsc_spec = replace(spec, rate_num=30000, rate_den=1001)
    report = qc.run_qc(_file(tmp_path), ntsc_spec)
    fps = next(c for c in report.checks if c.name == "fps")
    assert report.passed and fps.expected == "30000/1001" and fps.actual == "2997/100"
    assert qc.run_qc(_file(tmp_path), replace(ntsc_spec, rate_num=30, rate_den=1)).flags == [
        "fps"]


def test_missing_streams_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mute = replace(GOOD_STREAMS, audio_codec=None)
    _fake_pass(monkeypatch, mute, "")
    report = qc.run_qc(_file(tmp_path), SPEC)
    assert report.flags == ["audio_missing"] and report.integrated_lufs is None
    audio_only = qc_measure.Streams(duration=3.0, audio_codec="aac")
    _fake_pass(monkeypatch, audio_only, DIGITAL_SILENCE)
    report = qc.run_qc(_file(tmp_path), SPEC)
    assert report.flags == ["video_missing", "loudness", "silence"]
    assert report.true_peak is None  # -inf is not JSON
    stored = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert stored["schema_version"] == qc.QC_SCHEMA_VERSION
    assert stored["silences"] == [{"start": 0.0, "end": 3.0}]
    assert {c["flag"] for c in stored["checks"] if not c["passed"]} == set(stored["flags"])



def _loudness_summary(lufs: float) -> str:
    return (f"[Parsed_ebur128_1 @ 0x1] [info] Summary:\n\n  Integrated loudness:\n"
            f"    I:         {lufs:.1f} LUFS\n    Threshold: -24.0 LUFS\n\n  True peak:\n"
            f"    Peak:       -2.0 dBFS\n")


def test_loudness_passes_within_one_lu_of_the_target_and_fails_outside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = replace(SPEC, loudness_target=-14.0)
    for lufs, flags in ((-14.0, []), (-13.0, []), (-15.0, []), (-12.9, ["loudness"]),
                        (-15.1, ["loudness"])):
        _fake_pass(monkeypatch, GOOD_STREAMS, _loudness_summary(lufs))
        report = qc.run_qc(_file(tmp_path), spec)
        assert report.flags == flags, lufs
        assert report.integrated_lufs == lufs
