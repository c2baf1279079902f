"""Quality control of a rendered file, run after every render; the report is stored as JSON.

One ffmpeg decode pass measures everything that needs the decoded media::

    [0:v:0] blackdetect                        -> black segments
    [0:a:0] ebur128 (true peak), silencedetect -> integrated loudness, true peak, silences
    -progress frame=                           -> decoded video frames
    [error]/[fatal] log lines                  -> decode errors

After an Editron render the picture need not be decoded a second time: the render graph taps
its finished frames on their way to the encoder (``black_tap``: blackdetect -> a metadata
log, read back by ``read_black_log``), so ``run_qc(..., black_segments=...)`` takes the black
segments from the render and checks the video stream without decoding every frame again
(on a 1080p H.264 output that decode was a fifth of the render's own time):

* every packet is demuxed, so the frame count is the number of video packets;
* every keyframe is decoded (``-skip_frame nokey`` in the ffmpeg pass, which also logs any
  demuxing error such as a file cut short);
* the last group of pictures is decoded in full, from its keyframe to the end of the stream.

The audio checks are the same in both modes (the audio is always decoded in full).

``-loglevel level+info`` tags each line with its level, so filter results (info) and decode
errors are told apart without a second run. The SHA-256 is streamed from disk while ffmpeg
decodes. Stream facts (codecs, size, rate) come from the container headers via PyAV.

Failures: a file that cannot be opened as media (missing, empty, cut before its header) raises
``ProbeError``; a file that opens but does not decode to its end is reported with the
``decode_error`` flag (and usually ``duration``). ffmpeg failing to run at all raises
``ProcessError``; a cancel raises ``ProcessCancelledError``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeAlias

from editron.errors import ProbeError
from editron.media.ffmpeg import CancelCheck
from editron.render.qc_measure import (
    MAX_DECODE_ERRORS_KEPT,
    Streams,
    build_analysis_args,
    count_video_packets,
    read_streams,
    run_analysis_pass,
)
from editron.render.qc_parse import (
    EbuR128Summary,
    QcSpec,
    Span,
    finite,
    parse_blackdetect,
    parse_ebur128_summary,
    parse_progress_frames,
    parse_silencedetect,
    unplanned_parts,
)

__all__ = [
    "QC_SCHEMA_VERSION",
    "QcCheck",
    "QcReport",
    "run_qc",
]

QC_SCHEMA_VERSION = 1
FPS_RELATIVE_TOLERANCE = 1e-4  # 2997/100 matches 30000/1001; 30 does not
# The container may run a little past the last video frame (the audio's last packet).
CONTAINER_SLACK_SECONDS = 0.05

Scalar: TypeAlias = str | int | float | None

log = logging.getLogger(__name__)




@dataclass(frozen=True, slots=True)
class QcCheck:
    """One check; ``flag`` is the name it raises in ``QcReport.flags`` when it fails."""

    name: str
    passed: bool
    expected: Scalar
    actual: Scalar
    detail: str = ""
    flag: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "expected": self.expected,
                "actual": self.actual, "detail": self.detail, "flag": self.flag or self.name}


@dataclass(frozen=True, slots=True)
class QcReport:
    path: str
    passed: bool
    flags: list[str]
    checks: list[QcCheck]
    duration_seconds: float | None
    frames: int | None
    integrated_lufs: float | None
    true_peak: float | None  # dBTP; None when there is no audio or it is digital silence
    black_segments: list[Span]
    silences: list[Span]
    decode_errors: list[str]  # the first MAX_DECODE_ERRORS_KEPT lines
    sha256: str
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (no NaN or infinity), with a schema version for stored reports."""
        return {
            "schema_version": QC_SCHEMA_VERSION, "path": self.path, "passed": self.passed,
            "flags": list(self.flags), "checks": [c.to_dict() for c in self.checks],
            "duration_seconds": self.duration_seconds, "frames": self.frames,
            "integrated_lufs": finite(self.integrated_lufs),
            "true_peak": finite(self.true_peak),
            "black_segments": [{"start": s, "end": e} for s, e in self.black_segments],
            "silences": [{"start": s, "end": e} for s, e in self.silences],
            "decode_errors": list(self.decode_errors),
            "sha256": self.sha256, "size_bytes": self.size_bytes,
        }


# ---- pure parsers of ffmpeg's stderr --------------------------------------------------------


# ---- the analysis pass ----------------------------------------------------------------------


# ---- checks ---------------------------------------------------------------------------------

def _rate_text(rate: Fraction | None) -> str | None:
    if rate is None:
        return None
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def _span_check(name: str, spans: list[Span], planned: Sequence[Span], limit: float,
                what: str) -> QcCheck:
    longest = 0.0
    where = ""
    for span in spans:
        for start, end in unplanned_parts(span, planned):
            if end - start > longest:
                longest, where = end - start, f"{start:.2f}–{end:.2f} s"
    passed = longest <= limit
    detail = f"{len(spans)} {what} detected" + ("" if passed else f"; unplanned {where}")
    return QcCheck(name, passed, f"≤ {limit:g} s unplanned", round(longest, 3), detail)


def _video_checks(spec: QcSpec, streams: Streams, frames: int | None,
                  black: list[Span]) -> list[QcCheck]:
    if streams.video_codec is None:
        return [QcCheck("video", False, spec.video_codec, None, "no video stream",
                        flag="video_missing")]
    rate = spec.rate
    expected_seconds = float(spec.expected_frames / rate)
    if frames is None and streams.duration is not None:
        frames = round(streams.duration * rate)
    frame_ok = frames is not None and abs(frames - spec.expected_frames) <= 1
    container_ok = (streams.duration is None or abs(streams.duration - expected_seconds)
                    <= float(1 / rate) + CONTAINER_SLACK_SECONDS)
    actual_rate = streams.rate
    rate_ok = actual_rate is not None and (abs(float(actual_rate - rate))
                                           <= FPS_RELATIVE_TOLERANCE * float(rate))
    size = f"{streams.width}x{streams.height}"
    return [
        QcCheck("duration", frame_ok and container_ok, spec.expected_frames, frames,
                f"expected {expected_seconds:.3f} s ± 1 frame; decoded {frames} frames, "
                f"container {streams.duration if streams.duration is not None else '?'} s"),
        QcCheck("resolution", size == f"{spec.width}x{spec.height}",
                f"{spec.width}x{spec.height}", size),
        QcCheck("fps", rate_ok, _rate_text(rate), _rate_text(actual_rate)),
        QcCheck("video_codec", streams.video_codec == spec.video_codec, spec.video_codec,
                streams.video_codec),
        _span_check("black_segment", black, spec.planned_black, spec.max_black_seconds,
                    "black segment(s)"),
    ]


def _audio_checks(spec: QcSpec, streams: Streams, loudness: EbuR128Summary,
                  silences: list[Span]) -> list[QcCheck]:
    if streams.audio_codec is None:
        return [QcCheck("audio", False, spec.audio_codec, None, "no audio stream",
                        flag="audio_missing")]
    checks = [QcCheck("audio_codec", streams.audio_codec == spec.audio_codec,
                      spec.audio_codec, streams.audio_codec, streams.audio_detail)]
    if spec.loudness_target is not None:
        lufs = loudness.integrated_lufs
        ok = lufs is not None and abs(lufs - spec.loudness_target) <= spec.loudness_tolerance
        checks.append(QcCheck("loudness", ok,
                              f"{spec.loudness_target:g} ± {spec.loudness_tolerance:g} LUFS",
                              lufs, "integrated loudness, EBU R128"))
    checks.append(_span_check("silence", silences, spec.planned_silence,
                              spec.max_silence_seconds, "silence(s)"))
    return checks


def run_qc(path: Path, spec: QcSpec, *, should_cancel: CancelCheck | None = None,
           black_segments: Sequence[Span] | None = None) -> QcReport:
    """Check ``path`` against ``spec`` and measure it; see the module docstring for errors.

    ``black_segments``: black runs the render measured on its own output frames (``black_tap``
    and ``read_black_log``); the video is then checked packet by packet and keyframe by
    keyframe instead of being decoded in full again."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProbeError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    if size == 0:
        raise ProbeError("file is empty (0 bytes)", path=str(path))
    streams = read_streams(path)
    has_video, has_audio = streams.video_codec is not None, streams.audio_codec is not None
    measured = black_segments is not None
    args = build_analysis_args(path, spec, has_video=has_video, has_audio=has_audio,
                               keyframes_only=measured)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The packet check (PyAV, which lets go of the GIL while it decodes) runs while the
        # ffmpeg pass decodes the audio and the keyframes: one is mostly one core's work.
        packets = pool.submit(count_video_packets, path) if measured and has_video else None
        run, digest = run_analysis_pass(args, path, should_cancel)
        counted = packets.result() if packets is not None else None
    text = "\n".join(run.log)
    frames = parse_progress_frames("\n".join(run.progress)) if has_video else None
    black = parse_blackdetect(text)
    if black_segments is not None:
        black = [s for s in black_segments if s[1] - s[0] >= spec.max_black_seconds]
    if counted is not None:
        frames, problems = counted
        run.error_count += len(problems)
        run.errors.extend(problems[: max(0, MAX_DECODE_ERRORS_KEPT - len(run.errors))])
    silences = parse_silencedetect(text, until=streams.duration)
    loudness = parse_ebur128_summary(text) if has_audio else EbuR128Summary(None, None)
    checks = [*_video_checks(spec, streams, frames, black),
              *_audio_checks(spec, streams, loudness, silences),
              QcCheck("decode", run.error_count == 0, 0, run.error_count,
                      run.errors[0] if run.errors else "decodes to the end",
                      flag="decode_error")]
    flags = list(dict.fromkeys(c.flag or c.name for c in checks if not c.passed))
    report = QcReport(
        path=str(path), passed=not flags, flags=flags, checks=checks,
        duration_seconds=streams.duration, frames=frames,
        integrated_lufs=loudness.integrated_lufs, true_peak=finite(loudness.true_peak),
        black_segments=black, silences=silences, decode_errors=run.errors,
        sha256=digest, size_bytes=size,
    )
    log.info("quality control of %s %s: %s", path, "passed" if report.passed else "failed",
             ", ".join(flags) or "no flags")
    return report
