"""Probe one media file with PyAV: what it is, how long, how big, and whether it is whole.

Cheap by design: demux only, plus one decoded video frame (for the display rotation and to
prove the data decodes). A truncated file is caught by checking the container's index against
the file size and by reading the packets near the end.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from editron.domain.media import AudioStreamInfo, MediaProbe
from editron.errors import ProbeError

__all__ = ["is_variable_frame_rate", "probe", "rotated_size"]

VFR_SAMPLE_PACKETS = 600


def rotated_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """Display size after the display matrix's rotation (90/270 swap the sides)."""
    return (height, width) if abs(rotation) % 180 == 90 else (width, height)


def is_variable_frame_rate(timestamps: Sequence[float], *, tolerance: float = 0.2) -> bool:
    """True when frame durations differ by more than ``tolerance`` of the typical one.

    ``timestamps`` are presentation times in seconds, any order (decode order has B-frames).
    """
    ordered = sorted(set(timestamps))
    if len(ordered) < 4:
        return False
    deltas = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    typical = statistics.median(deltas)
    if typical <= 0:
        return False
    outliers = sum(1 for d in deltas if abs(d - typical) > tolerance * typical)
    return outliers > max(2, len(deltas) // 20)


def _tag(*sources: dict[str, Any], names: Sequence[str]) -> str | None:
    for source in sources:
        for name in names:
            value = source.get(name)
            if value:
                return str(value)
    return None


def probe(path: Path) -> MediaProbe:
    """Describe ``path`` or raise ``ProbeError`` naming the file and what is wrong."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProbeError(f"cannot read file: {exc.strerror or exc}", path=name) from exc
    if size == 0:
        raise ProbeError("file is empty (0 bytes)", path=name)
    try:
        container = av.open(name)
    except av.error.InvalidDataError as exc:
        raise ProbeError("not a media file, or its header is damaged", path=name) from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"not a readable media file: {exc}", path=name) from exc
    try:
        return _describe(container, path, size)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"truncated or corrupt: {exc}", path=name) from exc
    finally:
        container.close()


def _describe(container: Any, path: Path, size: int) -> MediaProbe:
    name = str(path)
    videos = [s for s in container.streams.video if not _is_cover_art(s)]
    audios = list(container.streams.audio)
    if not videos and not audios:
        raise ProbeError("not a media file: no audio or video streams", path=name)
    duration = _duration(container, videos, audios)
    if duration <= 0:
        raise ProbeError("no playable duration (empty or corrupt stream)", path=name)
    meta = dict(container.metadata)
    audio_info = None
    if audios:
        a = audios[0]
        audio_info = AudioStreamInfo(codec=a.codec_context.name, channels=a.channels or 0,
                                     sample_rate=a.sample_rate or 0)
    if not videos:
        _check_tail(container, audios[0], duration, size, name)
        return MediaProbe(
            container=container.format.name, duration_seconds=duration, has_video=False,
            has_audio=True, audio=audio_info,
            creation_time=_tag(meta, dict(audios[0].metadata), names=("creation_time", "date")),
            bit_rate=container.bit_rate or None,
        )
    video = videos[0]
    rotation = _first_frame_rotation(container, video, name)
    width, height = rotated_size(video.codec_context.width, video.codec_context.height, rotation)
    timestamps = _packet_times(container, video)
    fps = _fps(video, timestamps)
    _check_index(video, size, name)
    _check_tail(container, video, duration, size, name)
    frames = video.frames or (round(duration * fps) if fps else None)
    return MediaProbe(
        container=container.format.name,
        duration_seconds=duration,
        has_video=True,
        has_audio=bool(audios),
        codec=video.codec_context.name,
        width=width,
        height=height,
        rotation=rotation,
        fps=fps,
        is_vfr=is_variable_frame_rate(timestamps),
        frame_count=frames,
        audio=audio_info,
        creation_time=_tag(meta, dict(video.metadata), names=("creation_time", "date")),
        timecode=_tag(dict(video.metadata), meta, *(dict(s.metadata) for s in
                                                    container.streams.data),
                      names=("timecode",)),
        bit_rate=container.bit_rate or None,
    )


def _is_cover_art(stream: Any) -> bool:
    disposition = getattr(stream, "disposition", None)
    return bool(disposition is not None and "attached_pic" in str(disposition).lower())


def _duration(container: Any, videos: list[Any], audios: list[Any]) -> float:
    if container.duration:
        return float(container.duration) / 1_000_000
    for stream in (*videos, *audios):
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _first_frame_rotation(container: Any, video: Any, name: str) -> int:
    video.codec_context.thread_type = "AUTO"
    try:
        for frame in container.decode(video):
            return int(getattr(frame, "rotation", 0) or 0) % 360
    except av.error.FFmpegError as exc:
        raise ProbeError(f"video does not decode: {exc}", path=name) from exc
    raise ProbeError("video stream holds no decodable frame", path=name)


def _packet_times(container: Any, video: Any) -> list[float]:
    container.seek(0, stream=video, backward=True) if video.time_base else None
    times: list[float] = []
    for packet in container.demux(video):
        if packet.pts is not None and packet.size:
            times.append(float(packet.pts * video.time_base))
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


def _check_index(video: Any, size: int, name: str) -> None:
    """A container index that points past the end of the file means the file was cut short."""
    try:
        entries = video.index_entries
        last = max((entry.pos for entry in entries if entry.pos >= 0), default=-1)
    except (AttributeError, av.error.FFmpegError):
        return
    if last >= size:
        raise ProbeError(
            f"truncated: the file is {size} bytes but its index refers to byte {last}; "
            "the copy or download was cut short",
            path=name,
        )


def _check_tail(container: Any, stream: Any, duration: float, size: int, name: str) -> None:
    """Seek near the end and read: the last packet must reach close to the stated duration."""
    if not stream.time_base:
        return
    target = max(0.0, duration - 1.0)
    try:
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
        last_end = None
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            end = float((packet.pts + (packet.duration or 0)) * stream.time_base)
            last_end = end if last_end is None else max(last_end, end)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"truncated or corrupt near the end: {exc}", path=name) from exc
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    if last_end is None:
        raise ProbeError("truncated: no data near the end of the file", path=name)
    missing = duration - (last_end - start)
    if missing > max(1.0, 0.1 * duration):
        raise ProbeError(
            f"truncated: data stops at {last_end - start:.2f} s of {duration:.2f} s "
            f"({size} bytes on disk)",
            path=name,
        )
