"""What every export format says the same way: the project title, the record timecode, each
file's source timecode, clip names and EDL reel names.

- Title: ``<project> <deliverable>[-<variant>] <ratio as 9x16> r<revision>``, so the recap,
  social and highlight projects of one batch (and each ratio and revision of them) never share
  a name in one Final Cut library or Premiere project.
- Record start: ``Timeline.start_timecode`` (``01:00:00:00`` by default), drop-frame at 29.97
  and 59.94.
- Source timecode: the file's timecode track (``MediaInfo.timecode``) converted to timeline
  frames, else 0, so a clip's source in-point is the timecode the camera burned in.
- Clip name: the file's name and the source timecode of its first frame (``keynote
  01:02:03:04``): the file and the moment.
- Reel (CMX3600): the file name without its extension, upper-cased, every run of characters
  other than A-Z and 0-9 made one ``_``, cut to 8 characters, no ``_`` at either end; a name an
  earlier file already took keeps its first 5 characters and ends in ``_`` and a two-digit
  counter (``keynote.mov`` then ``Keynote!.mp4``: ``KEYNOTE``, ``KEYNO_02``). The
  ``* SOURCE FILE`` comment beside each event carries the full file name.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from editron.domain.timecode import frames_to_timecode, timecode_to_frames
from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.errors import InputError

__all__ = ["clip_label", "file_stem", "media_rate", "record_start", "reel_names",
           "source_offset", "title"]

REEL_LENGTH = 8


def title(tl: Timeline) -> str:
    """The project (and event) name of this deliverable, variant, ratio and revision."""
    kind = f"{tl.deliverable}-{tl.variant}" if tl.variant > 1 else tl.deliverable
    return f"{tl.name} {kind} {tl.aspect_ratio.replace(':', 'x')} r{tl.revision}"


def record_start(tl: Timeline) -> int:
    """The record frame number of the timeline's first frame."""
    return timecode_to_frames(tl.start_timecode, tl.rate)


def media_rate(info: MediaInfo, timeline_rate: FrameRate) -> FrameRate:
    """The file's own frame grid; a variable-rate file is addressed on the timeline's."""
    return timeline_rate if info.is_vfr or info.fps <= 0 else FrameRate.from_fps(info.fps)


def source_offset(info: MediaInfo, rate: FrameRate) -> int:
    """The timecode of the file's first frame in frames at ``rate`` (0 without a timecode
    track, or with one this rate cannot read)."""
    if not info.timecode:
        return 0
    own = media_rate(info, rate)
    # the track's separator says whether it counts drop-frame (';') or not (':')
    drop = ";" in info.timecode or "," in info.timecode
    try:
        frames = timecode_to_frames(info.timecode, own, drop=drop)
    except InputError:
        return 0
    if own == rate:
        return frames
    return round(own.exact(frames) * rate.num / rate.den)


def file_stem(info: MediaInfo) -> str:
    return PurePath(info.path.replace("\\", "/")).stem or info.file_id


def clip_label(tl: Timeline, clip: Clip) -> str:
    """``<file stem> <source timecode of the clip's first frame>``."""
    info = tl.media[clip.file_id]
    tc = frames_to_timecode(source_offset(info, tl.rate) + clip.source_start, tl.rate)
    return f"{file_stem(info)} {tc}"


def reel_names(tl: Timeline) -> dict[str, str]:
    """A CMX3600 reel name per file of the timeline, by the rule in this module's docstring."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    # the pictures' files first, then any other file a clip's sound comes from
    for file_id in dict.fromkeys([c.file_id for c in tl.clips]
                                 + [c.sound_file for c in tl.clips if c.audio]):
        base = re.sub(r"[^A-Z0-9]+", "_", file_stem(tl.media[file_id]).upper()).strip("_")
        base = base or "AX"
        reel = base[:REEL_LENGTH].rstrip("_")
        n = 1
        while reel in taken:
            n += 1
            reel = f"{base[:REEL_LENGTH - 3].rstrip('_')}_{n:02d}"
        taken.add(reel)
        names[file_id] = reel
    return names
