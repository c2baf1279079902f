"""Probe one media file with PyAV: what it is, how long, how big, and whether it is whole.

Cheap by design, so a batch of hundreds of clips probes in seconds:

1. the container's declared sizes are checked against the file size (``integrity``);
2. PyAV opens the file and reads stream headers and tags;
3. a few frames are decoded at the start (proves the data decodes; gives the display rotation);
4. a bounded sample of packet timestamps (start and middle) gives fps and the VFR flag;
5. the demuxer seeks near the end and reads packets: data that stops early means truncation.

Nothing is fully decoded. Every failure is a ``ProbeError`` naming the file and the reason.
"""

from __future__ import annotations

import functools
import itertools
import statistics
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from editron.domain.media import AudioStreamInfo, MediaProbe
from editron.errors import ProbeError
from editron.media.integrity import looks_like_media, structural_problem
from editron.media.streams import channels_of, choose_audio, has_disposition, video_colour

__all__ = ["declared_start", "is_variable_frame_rate", "normalise_rotation", "probe",
           "rotated_size"]

VFR_SAMPLE_PACKETS = 300  # per window; two windows (start, middle)
START_DECODE_FRAMES = 3
# Demuxers that estimate duration from the bit rate or file size: their stated duration is a
# guess, so "data stops before the stated duration" proves nothing there.
_ESTIMATED_DURATION_FORMATS = {"mp3", "aac", "mpegts", "mpeg", "h264", "hevc", "ac3", "eac3",
                               "dts", "m4v", "mpegvideo"}


def normalise_rotation(degrees: float) -> int:
    """Snap a display-matrix angle (any sign, maybe fractional) to 0, 90, 180 or 270."""
    return round(degrees / 90.0) * 90 % 360


def rotated_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """Display size after the display matrix's rotation (90/270 swap the sides)."""
    return (height, width) if normalise_rotation(rotation) in (90, 270) else (width, height)


def is_variable_frame_rate(timestamps: Sequence[float], *, tolerance: float = 0.2) -> bool:
    """True when frame durations differ by more than ``tolerance`` of the typical one often
    enough to matter (more than 5 % of the frames, and more than two).

    ``timestamps`` are presentation times in seconds from one contiguous run of packets, in
    any order (decode order has B-frames). A rounding jitter of a tick is not VFR.
    """
    ordered = sorted(set(timestamps))
    if len(ordered) < 4:
        return False
    deltas = [b - a for a, b in itertools.pairwise(ordered)]
    typical = statistics.median(deltas)
    if typical <= 0:
        return False
    outliers = sum(1 for d in deltas if abs(d - typical) > tolerance * typical)
    return outliers > max(2, len(deltas) // 20)


def probe(path: Path) -> MediaProbe:
    """Describe ``path`` or raise ``ProbeError`` naming the file and what is wrong."""
    name = str(path)
    try:
        size = path.stat().st_size
        problem = structural_problem(path) if size else None
    except OSError as exc:
        raise ProbeError(f"cannot read file: {exc.strerror or exc}", path=name) from exc
    if size == 0:
        raise ProbeError("file is empty (0 bytes)", path=name)
    if problem:
        raise ProbeError(problem, path=name)
    try:
        container = av.open(name)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise _open_failure(path, exc) from exc
    try:
        return _describe(container, path, size)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"truncated or corrupt: {_reason(exc)}", path=name) from exc
    finally:
        container.close()


_SELF_DESCRIBING = {"mov", "mp4"}  # the mov demuxer: every stream's parameters in the header


def declared_start(path: Path) -> float | None:
    """The start time (seconds) of an MP4/MOV file, whose header alone describes every
    stream, so readers may skip ffmpeg's stream probe (``render.graph.RenderSource``); None
    for other containers, an unknown start, or a file that does not open. Remembered per
    file version: a lane renders every source once per deliverable and ratio."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _declared_start(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _declared_start(name: str, _size: int, _mtime_ns: int) -> float | None:
    try:
        with av.open(name) as container:
            if not _SELF_DESCRIBING & set(container.format.name.split(",")):
                return None
            start = container.start_time
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return None
    return None if start is None else start / av.time_base


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).strip().rstrip(".")


def _open_failure(path: Path, exc: BaseException) -> ProbeError:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        head = b""
    if looks_like_media(head):
        return ProbeError(f"truncated or corrupt: {_reason(exc)}", path=str(path))
    return ProbeError("not a media file: no audio or video streams (format not recognised)",
                      path=str(path))


def _describe(container: Any, path: Path, size: int) -> MediaProbe:
    name = str(path)
    videos = [s for s in container.streams.video if not _is_cover_art(s)]
    audios = list(container.streams.audio)
    if not videos and not audios:
        raise ProbeError("not a media file: no audio or video streams", path=name)
    duration = _duration(container, videos, audios)
    if duration <= 0:
        raise ProbeError("truncated or corrupt: no playable duration", path=name)
    meta = dict(container.metadata)
    audio_info = None
    choice = choose_audio(audios)
    chosen = [audios[choice.index]] if choice is not None else []
    if chosen:
        audio = chosen[0]
        _decode_start(container, audio, name)
        audio_info = AudioStreamInfo(codec=audio.codec_context.name,
                                     channels=channels_of(audio),
                                     sample_rate=getattr(audio, "sample_rate", 0) or 0)
    primary = videos[0] if videos else chosen[0]
    _check_index(primary, size, name)
    _check_tail(container, primary, [*videos[:1], *chosen], duration, name)
    tags = [meta, *(dict(s.metadata) for s in (*videos[:1], *chosen))]
    common: dict[str, Any] = {
        "container": container.format.name,
        "duration_seconds": round(duration, 6),
        "has_audio": bool(audios),
        "audio": audio_info,
        "creation_time": _tag(tags, names=("creation_time", "date")),
        "timecode": _tag([*tags, *(dict(s.metadata) for s in container.streams.data)],
                         names=("timecode",)),
        "bit_rate": container.bit_rate or None,
        "audio_stream": choice.index if choice else 0,
        "audio_streams": len(audios),
        "audio_choice": choice.reason if choice else "",
    }
    if not videos:
        return MediaProbe(has_video=False, **common)
    video = videos[0]
    rotation = _decode_start(container, video, name)
    width, height = rotated_size(video.codec_context.width, video.codec_context.height,
                                 rotation)
    windows = _timestamp_windows(container, video, duration)
    is_vfr = any(is_variable_frame_rate(window) for window in windows)
    fps = _fps(video, windows[0])
    colour = video_colour(video)
    return MediaProbe(
        has_video=True, codec=video.codec_context.name, width=width, height=height,
        rotation=rotation, fps=fps, is_vfr=is_vfr, color_transfer=colour.transfer,
        color_primaries=colour.primaries, color_matrix=colour.matrix,
        frame_count=_frame_count(video, windows, duration, fps, is_vfr), **common,
    )


def _tag(sources: Sequence[dict[str, Any]], *, names: Sequence[str]) -> str | None:
    for source in sources:
        for tag_name in names:
            value = source.get(tag_name)
            if value:
                return str(value)
    return None


def _is_cover_art(stream: Any) -> bool:
    return has_disposition(stream, "attached_pic")


def _duration(container: Any, videos: list[Any], audios: list[Any]) -> float:
    if container.duration:
        return float(container.duration) / 1_000_000
    for stream in (*videos, *audios):
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _decode_start(container: Any, stream: Any, name: str) -> int:
    """Decode the first few frames of ``stream``; returns the video display rotation."""
    container.seek(0, stream=stream, backward=True, any_frame=False)
    rotation, decoded = 0, 0
    try:
        for frame in container.decode(stream):
            if decoded == 0 and stream.type == "video":
                rotation = normalise_rotation(float(getattr(frame, "rotation", 0) or 0))
            decoded += 1
            if decoded >= START_DECODE_FRAMES:
                break
    except av.error.FFmpegError as exc:
        raise ProbeError(f"truncated or corrupt: {stream.type} does not decode: {_reason(exc)}",
                         path=name) from exc
    if decoded == 0:
        raise ProbeError(f"truncated or corrupt: the {stream.type} stream holds no decodable "
                         "frame", path=name)
    return rotation


def _timestamp_windows(container: Any, video: Any, duration: float) -> list[list[float]]:
    """Packet times from the start and, for longer files, from the middle: bounded demux."""
    windows = [_packet_times(container, video, 0.0)]
    if duration > 20 and len(windows[0]) >= VFR_SAMPLE_PACKETS:
        windows.append(_packet_times(container, video, duration / 2))
    return windows


def _packet_times(container: Any, video: Any, at: float) -> list[float]:
    tb = video.time_base
    offset = (video.start_time or 0) + int(at / tb)
    container.seek(offset, stream=video, backward=True)
    times: list[float] = []
    for packet in container.demux(video):
        if packet.pts is not None and packet.size:
            times.append(float(packet.pts * tb))
        if len(times) >= VFR_SAMPLE_PACKETS:
            break
    return times


def _fps(video: Any, timestamps: list[float]) -> float | None:
    rate: Fraction | None = video.average_rate or video.guessed_rate or video.base_rate
    if rate:
        return round(float(rate), 3)
    ordered = sorted(timestamps)
    if len(ordered) >= 2 and ordered[-1] > ordered[0]:
        return round((len(ordered) - 1) / (ordered[-1] - ordered[0]), 3)
    return None


def _frame_count(video: Any, windows: list[list[float]], duration: float, fps: float | None,
                 is_vfr: bool) -> int | None:
    """From the container's index when it has one (mp4/mov); the whole stream when the start
    sample already read all of it; duration × fps for constant frame rate; else unknown."""
    if video.frames:
        return int(video.frames)
    if len(windows) == 1 and len(windows[0]) < VFR_SAMPLE_PACKETS:
        return len(windows[0])
    if fps and not is_vfr:
        return round(duration * fps)
    return None


def _check_index(stream: Any, size: int, name: str) -> None:
    """A container index that points past the end of the file means the file was cut short."""
    try:
        entries = stream.index_entries
        count = len(entries)
        # Entries run in time order, so the highest offsets are among the last ones; reading
        # a few keeps this cheap on an hour-long file's index of hundreds of thousands.
        tail = (entries[i] for i in range(max(0, count - 64), count))
        last = max((entry.pos for entry in tail if entry.pos >= 0), default=-1)
    except (AttributeError, av.error.FFmpegError):
        return
    if last >= size:
        raise ProbeError(
            f"truncated: the file is {size} bytes but its index refers to byte {last}; "
            "the copy or download was cut short",
            path=name,
        )


def _check_tail(container: Any, primary: Any, streams: list[Any], duration: float,
                name: str) -> None:
    """Seek near the end and read: packets must exist there and reach the stated duration."""
    if not primary.time_base:
        return
    start = (container.start_time or 0) / 1_000_000
    target = start + max(0.0, duration - 1.0)
    last_end: float | None = None
    try:
        container.seek(int(target / primary.time_base), stream=primary, backward=True)
        for packet in container.demux(*streams):
            if packet.pts is None or not packet.size or not packet.stream.time_base:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.stream.time_base)
            last_end = end if last_end is None else max(last_end, end)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"truncated or corrupt near the end: {_reason(exc)}",
                         path=name) from exc
    if last_end is None:
        raise ProbeError("truncated: no data near the end of the file", path=name)
    if container.format.name in _ESTIMATED_DURATION_FORMATS:
        return
    reached = last_end - start
    if duration - reached > max(0.5, 0.02 * duration):
        raise ProbeError(f"truncated: data stops at {reached:.2f} s of {duration:.2f} s",
                         path=name)
