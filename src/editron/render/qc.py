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

import hashlib
import logging
import math
import re
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeAlias

import av

from editron.errors import ProbeError, ProcessCancelledError, ProcessError
from editron.media.ffmpeg import CancelCheck, ffmpeg_path
from editron.render.filters import filter_spec

__all__ = [
    "QC_SCHEMA_VERSION", "EbuR128Summary", "QcCheck", "QcReport", "QcSpec", "Span",
    "black_tap", "build_analysis_args", "is_decode_error_line", "parse_black_log",
    "parse_blackdetect", "parse_ebur128_summary", "parse_progress_frames",
    "parse_silencedetect", "read_black_log", "run_qc", "unplanned_parts",
]

QC_SCHEMA_VERSION = 1
HASH_BLOCK_BYTES = 1 << 20
MAX_DECODE_ERRORS_KEPT = 20
BLACK_PIXEL_THRESHOLD = 0.10
BLACK_TAP_MIN_SECONDS = 0.1  # the render's tap logs black runs this long; QC applies the limit
FPS_RELATIVE_TOLERANCE = 1e-4  # 2997/100 matches 30000/1001; 30 does not
# The container may run a little past the last video frame (the audio's last packet).
CONTAINER_SLACK_SECONDS = 0.05
_POLL_SECONDS = 0.05

Span: TypeAlias = tuple[float, float]
Scalar: TypeAlias = str | int | float | None

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QcSpec:
    """What the render was meant to be. Planned spans (seconds) are black or silence the
    timeline intends (a fade through black, a pause) and are never flagged."""

    expected_frames: int
    rate_num: int
    rate_den: int
    width: int
    height: int
    video_codec: str
    audio_codec: str
    loudness_target: float | None
    loudness_tolerance: float = 1.0
    planned_black: tuple[Span, ...] = ()
    planned_silence: tuple[Span, ...] = ()
    max_black_seconds: float = 0.5
    max_silence_seconds: float = 2.0
    silence_threshold_db: float = -50.0

    @property
    def rate(self) -> Fraction:
        return Fraction(self.rate_num, self.rate_den)


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
            "integrated_lufs": _finite(self.integrated_lufs),
            "true_peak": _finite(self.true_peak),
            "black_segments": [{"start": s, "end": e} for s, e in self.black_segments],
            "silences": [{"start": s, "end": e} for s, e in self.silences],
            "decode_errors": list(self.decode_errors),
            "sha256": self.sha256, "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True, slots=True)
class EbuR128Summary:
    integrated_lufs: float | None
    true_peak: float | None


@dataclass(frozen=True, slots=True)
class _Streams:
    duration: float | None
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    rate: Fraction | None = None
    audio_codec: str | None = None
    audio_detail: str = ""


@dataclass(slots=True)
class _Pass:
    """What the analysis run left behind: progress lines, kept log lines, error lines."""

    progress: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# ---- pure parsers of ffmpeg's stderr --------------------------------------------------------

_NUMBER = r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf)"
_BLACK = re.compile(rf"black_start:\s*{_NUMBER}\s+black_end:\s*{_NUMBER}")
_SILENCE_START = re.compile(rf"silence_start:\s*{_NUMBER}")
_SILENCE_END = re.compile(rf"silence_end:\s*{_NUMBER}")
_LEVEL_TAG = re.compile(r"\[(error|fatal|panic)\]")
_FRAME = re.compile(r"^frame=\s*(\d+)\s*$", re.MULTILINE)


def parse_blackdetect(text: str) -> list[Span]:
    """``black_start:1.52 black_end:2.52 black_duration:1`` lines -> [(1.52, 2.52)]."""
    return [(float(a), float(b)) for a, b in _BLACK.findall(text)]


def parse_silencedetect(text: str, *, until: float | None = None) -> list[Span]:
    """Pairs ``silence_start`` with the next ``silence_end``. A silence still open when the
    log ends (older ffmpeg does not close it at end of stream) ends at ``until`` if given."""
    spans: list[Span] = []
    start: float | None = None
    for line in text.splitlines():
        if (m := _SILENCE_START.search(line)) is not None:
            start = max(0.0, float(m.group(1)))
        elif (m := _SILENCE_END.search(line)) is not None and start is not None:
            spans.append((start, float(m.group(1))))
            start = None
    if start is not None and until is not None and until > start:
        spans.append((start, until))
    return spans


def parse_ebur128_summary(text: str) -> EbuR128Summary:
    """Integrated loudness (LUFS) and true peak (dBFS; -inf for digital silence) from the
    ``Summary:`` block ebur128 prints when it closes. Missing values are None."""
    _, found, summary = text.rpartition("Summary:")
    if not found:
        return EbuR128Summary(None, None)
    integrated = re.search(rf"^\s*I:\s*{_NUMBER}\s*LUFS", summary, re.MULTILINE)
    peak = re.search(rf"^\s*Peak:\s*{_NUMBER}\s*dBFS", summary, re.MULTILINE)
    return EbuR128Summary(float(integrated.group(1)) if integrated else None,
                          float(peak.group(1)) if peak else None)


_BLACK_LOG = re.compile(rf"^lavfi\.black_(start|end)={_NUMBER}\s*$", re.MULTILINE)


def black_tap(log_path: Path) -> str:
    """Filters that log the black runs of the frames passing through (for a ``split`` branch
    ending in ``nullsink``): the render graph's side of ``run_qc(black_segments=...)``."""
    return ",".join([
        filter_spec("blackdetect", {"d": f"{BLACK_TAP_MIN_SECONDS:g}",
                                    "pix_th": f"{BLACK_PIXEL_THRESHOLD:g}"}),
        filter_spec("metadata", {"mode": "print", "file": str(log_path)}),
        "nullsink",
    ])


def parse_black_log(text: str, *, until: float) -> list[Span]:
    """Black runs from the ``metadata=mode=print`` log of a ``black_tap``: each
    ``lavfi.black_start=T`` paired with the next ``lavfi.black_end=T``; a run still open at
    the end of the program (blackdetect marks no end there) lasts until ``until``."""
    spans: list[Span] = []
    start: float | None = None
    for kind, value in _BLACK_LOG.findall(text):
        if kind == "start":
            start = max(0.0, float(value))
        elif start is not None:
            spans.append((start, float(value)))
            start = None
    if start is not None and until > start:
        spans.append((start, until))
    return spans


def read_black_log(path: Path, *, until: float) -> list[Span]:
    """``parse_black_log`` of the file a ``black_tap`` wrote (absent or empty: no black)."""
    try:
        return parse_black_log(path.read_text(encoding="utf-8", errors="replace"), until=until)
    except FileNotFoundError:
        return []


def is_decode_error_line(line: str) -> bool:
    """A line ffmpeg tagged ``[error]``/``[fatal]`` under ``-loglevel level+…``."""
    return _LEVEL_TAG.search(line) is not None


def parse_progress_frames(text: str) -> int | None:
    """The last ``frame=N`` of ``-progress`` output: frames that went through the pass."""
    counts = _FRAME.findall(text)
    return int(counts[-1]) if counts else None


def unplanned_parts(span: Span, planned: Sequence[Span]) -> list[Span]:
    """What is left of ``span`` after cutting out every planned span."""
    parts = [span]
    for p_start, p_end in planned:
        rest: list[Span] = []
        for start, end in parts:
            if p_end <= start or p_start >= end:
                rest.append((start, end))
                continue
            if p_start > start:
                rest.append((start, p_start))
            if p_end < end:
                rest.append((p_end, end))
        parts = rest
    return parts


# ---- the analysis pass ----------------------------------------------------------------------

def build_analysis_args(path: Path, spec: QcSpec, *, has_video: bool,
                        has_audio: bool, keyframes_only: bool = False) -> list[str]:
    """The ffmpeg arguments (without the binary) of the one decode pass (pure).
    ``keyframes_only``: decode only the video's keyframes and look for no black (the render
    measured it)."""
    chains: list[str] = []
    maps: list[str] = []
    if has_video and keyframes_only:
        chains.append("[0:v:0]null[v]")
        maps += ["-map", "[v]"]
    elif has_video:
        chains.append(f"[0:v:0]blackdetect=d={spec.max_black_seconds:g}"
                      f":pix_th={BLACK_PIXEL_THRESHOLD:g}[v]")
        maps += ["-map", "[v]"]
    if has_audio:
        # framelog=verbose keeps ebur128's ten-per-second lines out of the info log.
        chains.append("[0:a:0]ebur128=peak=true:framelog=verbose,"
                      f"silencedetect=noise={spec.silence_threshold_db:g}dB"
                      f":d={spec.max_silence_seconds:g}[a]")
        maps += ["-map", "[a]"]
    skip = ["-skip_frame", "nokey"] if has_video and keyframes_only else []
    return ["-hide_banner", "-nostdin", "-loglevel", "level+info", "-nostats",
            "-progress", "pipe:1", *skip, "-i", str(path), "-filter_complex", ";".join(chains),
            *maps, "-f", "null", "-"]


def _cancelled(check: CancelCheck | None) -> bool:
    if check is None:
        return False
    if isinstance(check, threading.Event):
        return check.is_set()
    return bool(check())


def _run_pass(args: list[str], path: Path,
              should_cancel: CancelCheck | None) -> tuple[_Pass, str]:
    """Run the analysis and hash the file meanwhile; returns the pass and the SHA-256."""
    result = _Pass()
    try:
        proc = subprocess.Popen([ffmpeg_path(), *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ProcessError(f"quality control: cannot start ffmpeg: {exc.strerror or exc}",
                           path=str(path)) from exc

    def read_progress() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("frame="):
                result.progress.append(line.strip())

    def read_log() -> None:
        # Errors are counted but few are kept: a broken file can print one per frame.
        assert proc.stderr is not None
        for line in proc.stderr:
            if is_decode_error_line(line):
                result.error_count += 1
                if len(result.errors) < MAX_DECODE_ERRORS_KEPT:
                    result.errors.append(line.strip())
            elif "[warning]" not in line:
                result.log.append(line.rstrip("\n"))

    readers = [threading.Thread(target=read_progress, daemon=True),
               threading.Thread(target=read_log, daemon=True)]
    for reader in readers:
        reader.start()
    try:
        digest = _sha256(path, should_cancel)
        while proc.poll() is None:
            if _cancelled(should_cancel):
                raise ProcessCancelledError("quality control: cancelled, ffmpeg stopped",
                                            path=str(path))
            time.sleep(_POLL_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    if proc.returncode != 0:
        tail = "\n".join([*result.errors, *result.log][-20:])
        last = result.errors[-1] if result.errors else f"exit code {proc.returncode}"
        raise ProcessError(f"quality control: ffmpeg failed: {last}", path=str(path),
                           stderr_tail=tail)
    return result, digest


def _sha256(path: Path, should_cancel: CancelCheck | None) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(HASH_BLOCK_BYTES):
                digest.update(block)
                if _cancelled(should_cancel):
                    raise ProcessCancelledError("quality control: cancelled", path=str(path))
    except OSError as exc:
        raise ProbeError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    return digest.hexdigest()


def _read_streams(path: Path) -> _Streams:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        reason = str(getattr(exc, "strerror", None) or exc).strip().rstrip(".")
        raise ProbeError(f"cannot open for quality control: {reason}", path=str(path)) from exc
    try:
        duration = container.duration / 1_000_000 if container.duration else None
        facts: dict[str, Any] = {}
        if container.streams.video:
            video = container.streams.video[0]
            facts.update(video_codec=video.codec_context.name, width=video.codec_context.width,
                         height=video.codec_context.height,
                         rate=video.base_rate or video.average_rate or video.guessed_rate)
        if container.streams.audio:
            audio = container.streams.audio[0]
            facts.update(audio_codec=audio.codec_context.name,
                         audio_detail=f"{audio.channels or 0} ch, {audio.sample_rate or 0} Hz")
        if not facts:
            raise ProbeError("not a media file: no audio or video streams", path=str(path))
        return _Streams(duration=duration, **facts)
    finally:
        container.close()


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


def _video_checks(spec: QcSpec, streams: _Streams, frames: int | None,
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


def _audio_checks(spec: QcSpec, streams: _Streams, loudness: EbuR128Summary,
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


def _video_packets(path: Path) -> tuple[int, list[str]]:
    """Demux every video packet and decode the last group of pictures in full: the number of
    packets (frames) and what went wrong (as decode error lines)."""
    errors: list[str] = []
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        return 0, [f"cannot reopen for the packet check: {exc}"]
    with container:
        video = container.streams.video[0]
        count, tail, last_key = 0, 0, None
        try:
            for packet in container.demux(video):
                if packet.size == 0:
                    continue
                count += 1
                if packet.is_keyframe:
                    last_key, tail = packet.pts, 0
                tail += 1
        except av.error.FFmpegError as exc:
            errors.append(f"demuxing stopped after {count} video packets: {exc}")
        if last_key is None:
            return count, [*errors, "no keyframe in the video stream"]
        video.thread_type = "AUTO"
        decoded = 0
        try:
            container.seek(last_key, stream=video, backward=True, any_frame=False)
            for packet in container.demux(video):
                decoded += len(packet.decode())
        except av.error.FFmpegError as exc:
            errors.append(f"the last group of pictures does not decode: {exc}")
        if decoded < tail:
            errors.append(f"decoded {decoded} of the {tail} frames from the last keyframe to "
                          "the end")
    return count, errors


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
    streams = _read_streams(path)
    has_video, has_audio = streams.video_codec is not None, streams.audio_codec is not None
    measured = black_segments is not None
    args = build_analysis_args(path, spec, has_video=has_video, has_audio=has_audio,
                               keyframes_only=measured)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The packet check (PyAV, which lets go of the GIL while it decodes) runs while the
        # ffmpeg pass decodes the audio and the keyframes: one is mostly one core's work.
        packets = pool.submit(_video_packets, path) if measured and has_video else None
        run, digest = _run_pass(args, path, should_cancel)
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
        integrated_lufs=loudness.integrated_lufs, true_peak=_finite(loudness.true_peak),
        black_segments=black, silences=silences, decode_errors=run.errors,
        sha256=digest, size_bytes=size,
    )
    log.info("quality control of %s %s: %s", path, "passed" if report.passed else "failed",
             ", ".join(flags) or "no flags")
    return report
