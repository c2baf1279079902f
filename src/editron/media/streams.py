"""Which stream of a file Editron uses, and what its picture declares.

Cameras and recorders often write several audio streams: a scratch or reference track, the
main mix, a second language, a camera's separate channels. Editron uses ONE of them, the same
one everywhere (probe, proxy, analysis, render), chosen by ``choose_audio``:

1. streams the file marks as default, if any (a recorder's or an editor's own choice);
2. among those, the one with the most channels (the full mix, not a mono scratch track);
3. on a tie, the first.

The choice and why is said in the file's metadata (``probe_notes``), so a person can see it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from editron.domain.media import MediaProbe
from editron.media.colour import HDR_TRANSFERS, matrix_name, primaries_name, transfer_name

__all__ = ["AudioChoice", "SourceFacts", "channels_of", "choose_audio", "has_disposition",
           "probe_notes",
           "source_facts", "video_colour"]

# FFmpeg's AV_DISPOSITION_* bits (libavformat/avformat.h).
_DISPOSITION = {"default": 0x1, "attached_pic": 0x400}


@dataclass(frozen=True, slots=True)
class AudioChoice:
    index: int  # position among the file's audio streams: ffmpeg's "0:a:<index>"
    count: int  # audio streams in the file
    reason: str


def has_disposition(stream: Any, name: str) -> bool:
    """Whether ``stream`` carries the disposition flag ``name``. PyAV gives an IntFlag whose
    ``str()`` is a number ("1"), so the bit is tested, not the text."""
    disposition = getattr(stream, "disposition", None)
    try:
        return bool(int(disposition or 0) & _DISPOSITION[name])
    except (TypeError, ValueError):
        return name in str(disposition).lower()


def channels_of(stream: Any) -> int:
    """The stream's channel count, 0 when unknown: PyAV forwards ``channels`` to the codec
    context and raises AttributeError for a stream whose codec it could not open (a damaged
    file, found by tests/fuzz/test_fuzz_probe.py)."""
    try:
        return int(getattr(stream, "channels", 0) or 0)
    except (AttributeError, TypeError, ValueError):
        return 0


def _is_default(stream: Any) -> bool:
    return has_disposition(stream, "default")


def choose_audio(streams: Sequence[Any]) -> AudioChoice | None:
    """The audio stream to use among ``streams`` (PyAV audio streams, in file order)."""
    if not streams:
        return None
    defaults = [i for i, s in enumerate(streams) if _is_default(s)]
    pool = defaults or list(range(len(streams)))
    best = max(pool, key=lambda i: (channels_of(streams[i]), -i))
    channels = channels_of(streams[best])
    if len(streams) == 1:
        return AudioChoice(0, 1, "the only audio stream")
    why = "the default stream" if defaults and len(defaults) == 1 else (
        "the default stream with the most channels" if defaults else
        "no stream is marked default; the one with the most channels")
    return AudioChoice(best, len(streams), f"audio stream {best + 1} of {len(streams)} "
                                           f"({channels} channels): {why}")


@dataclass(frozen=True, slots=True)
class _Colour:
    transfer: str | None
    primaries: str | None
    matrix: str | None


def video_colour(stream: Any) -> _Colour:
    context = stream.codec_context
    return _Colour(transfer_name(getattr(context, "color_trc", None)),
                   primaries_name(getattr(context, "color_primaries", None)),
                   matrix_name(getattr(context, "colorspace", None)))


def probe_notes(info: MediaProbe) -> dict[str, Any]:
    """What the probe chose or found that the file's columns do not show, for its metadata:
    the audio stream used when there are several, and an HDR transfer that renders tone-map."""
    notes: dict[str, Any] = {}
    if info.audio_streams > 1:
        notes["audio_stream"] = {"index": info.audio_stream, "count": info.audio_streams,
                                 "reason": info.audio_choice}
    if info.color_transfer in HDR_TRANSFERS:
        notes["hdr"] = {"transfer": info.color_transfer, "primaries": info.color_primaries,
                        "matrix": info.color_matrix,
                        "note": "HDR: tone-mapped to SDR BT.709 for every delivery"}
    return notes


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What a render needs to know about a source beyond its size (see ``RenderSource``)."""

    audio_stream: int = 0
    transfer: str | None = None
    primaries: str | None = None
    matrix: str | None = None


def source_facts(path: Path) -> SourceFacts:
    """The audio stream ``choose_audio`` picks and the picture's colour tags; defaults for a
    file that does not open. Remembered per file version, like ``probe.declared_start``."""
    try:
        stat = path.stat()
    except OSError:
        return SourceFacts()
    return _source_facts(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _source_facts(name: str, _size: int, _mtime_ns: int) -> SourceFacts:
    try:
        with av.open(name) as container:
            choice = choose_audio(list(container.streams.audio))
            videos = list(container.streams.video)
            colour = video_colour(videos[0]) if videos else _Colour(None, None, None)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return SourceFacts()
    return SourceFacts(choice.index if choice else 0, colour.transfer, colour.primaries,
                       colour.matrix)
