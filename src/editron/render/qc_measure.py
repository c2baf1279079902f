"""What QC measures of a rendered file and how: the one ffmpeg analysis pass (its arguments,
run with progress, cancel and the decode-error lines kept), the stream facts from the container
headers, the video packets, and the file's SHA-256 streamed while ffmpeg decodes."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from editron.errors import ProbeError, ProcessCancelledError, ProcessError
from editron.media.children import die_with_parent
from editron.media.ffmpeg import CancelCheck, crash_error, ffmpeg_path
from editron.render.qc_parse import BLACK_PIXEL_THRESHOLD, QcSpec, is_decode_error_line

__all__ = [
    "HASH_BLOCK_BYTES",
    "MAX_DECODE_ERRORS_KEPT",
    "AnalysisPass",
    "Streams",
    "build_analysis_args",
    "count_video_packets",
    "read_streams",
    "run_analysis_pass",
]


HASH_BLOCK_BYTES = 1 << 20


MAX_DECODE_ERRORS_KEPT = 20




_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Streams:
    duration: float | None
    video_codec: str | None = None
    width: int = 0
    height: int = 0
    rate: Fraction | None = None
    audio_codec: str | None = None
    audio_detail: str = ""


@dataclass(slots=True)
class AnalysisPass:
    """What the analysis run left behind: progress lines, kept log lines, error lines."""

    progress: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0


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


def run_analysis_pass(args: list[str], path: Path,
              should_cancel: CancelCheck | None) -> tuple[AnalysisPass, str]:
    """Run the analysis and hash the file meanwhile; returns the pass and the SHA-256."""
    result = AnalysisPass()
    try:
        proc = subprocess.Popen([ffmpeg_path(), *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace",
                                preexec_fn=die_with_parent())
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
        if proc.returncode < 0:
            raise crash_error("quality control", proc.returncode, path=str(path),
                              stderr_tail=tail)
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


def read_streams(path: Path) -> Streams:
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
        return Streams(duration=duration, **facts)
    finally:
        container.close()


def count_video_packets(path: Path) -> tuple[int, list[str]]:
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
