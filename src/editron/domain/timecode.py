"""SMPTE timecode at a ``FrameRate``: ``HH:MM:SS:FF``, drop-frame (``HH:MM:SS;FF``) at 29.97
and 59.94, non-drop everywhere else.

Drop-frame skips frame numbers (not frames) so the clock keeps up with NTSC's 1000/1001 slow
down: 2 numbers a minute at 29.97 (4 at 59.94), except every tenth minute. A timeline that
starts at ``01:00:00;00`` DF starts at frame 107892, one hour of wall-clock time.
"""

from __future__ import annotations

import re

from editron.domain.timeline import FrameRate
from editron.errors import InputError

__all__ = ["DEFAULT_START", "frames_to_timecode", "is_drop_frame", "parse_timecode",
           "timecode_to_frames"]

DEFAULT_START = "01:00:00:00"
_PATTERN = re.compile(r"^(\d{1,2})[:.](\d{2})[:.](\d{2})([:;.,])(\d{2,3})$")


def is_drop_frame(rate: FrameRate) -> bool:
    """Drop-frame is what editors expect at 29.97 and 59.94 (SMPTE ST 12-1)."""
    return rate.den == 1001 and rate.timebase in (30, 60)


def _drop(rate: FrameRate) -> int:
    return 2 * rate.timebase // 30  # 2 numbers a minute at 29.97, 4 at 59.94


def parse_timecode(text: str) -> tuple[int, int, int, int]:
    """``HH:MM:SS:FF`` (or ``;`` before the frames) as its four numbers."""
    match = _PATTERN.match(text.strip())
    if match is None:
        raise InputError(f"not a timecode: {text!r}; use HH:MM:SS:FF, e.g. 01:00:00:00")
    hh, mm, ss, _, ff = match.groups()
    parts = int(hh), int(mm), int(ss), int(ff)
    if parts[1] > 59 or parts[2] > 59:
        raise InputError(f"not a timecode: {text!r} (minutes and seconds run to 59)")
    return parts


def timecode_to_frames(text: str, rate: FrameRate, *, drop: bool | None = None) -> int:
    """The frame number that ``text`` names at ``rate``, counted drop-frame when ``drop``
    (by default: at 29.97 and 59.94, whatever the separator, as an editor typing a start
    timecode means it; a file's timecode track says which it counts by its separator)."""
    hh, mm, ss, ff = parse_timecode(text)
    base = rate.timebase
    if ff >= base:
        raise InputError(f"timecode {text!r} has frame {ff}, but {rate} fps counts 0-{base - 1}")
    minutes = hh * 60 + mm
    frames = (minutes * 60 + ss) * base + ff
    if is_drop_frame(rate) if drop is None else drop and is_drop_frame(rate):
        skip = _drop(rate)
        if ss == 0 and ff < skip and mm % 10 != 0:
            raise InputError(f"timecode {text!r} does not exist in drop-frame at {rate} fps")
        frames -= skip * (minutes - minutes // 10)
    return frames


def frames_to_timecode(frames: int, rate: FrameRate, *, drop: bool | None = None) -> str:
    """Frame ``frames`` at ``rate`` as timecode (drop-frame at 29.97/59.94 unless ``drop`` is
    given); wraps at 24 hours as a deck does."""
    base = rate.timebase
    use_drop = is_drop_frame(rate) if drop is None else drop and is_drop_frame(rate)
    if use_drop:
        d = _drop(rate)
        per_10min = base * 600 - d * 9
        per_min = base * 60 - d
        tens, rest = divmod(frames, per_10min)
        extra = 0 if rest < d else d * ((rest - d) // per_min)
        frames = frames + d * 9 * tens + extra
    frames %= base * 86400
    ff = frames % base
    total = frames // base
    sep = ";" if use_drop else ":"
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}{sep}{ff:02d}"
