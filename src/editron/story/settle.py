"""Settling a cut to its target length (pure): clip edges trimmed or extended on legal cut
frames only, speech-led clips last, the weakest moment dropped when every edge sits inside
words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from editron.story.cuts import FileCuts
from editron.story.multicam import EventSpan, event_walls

__all__ = ["Movable", "settle"]


class Movable(Protocol):
    file_id: str
    start: int
    end: int
    score: float
    must: bool
    speech: bool

    @property
    def frames(self) -> int: ...

    @property
    def placed(self) -> tuple[EventSpan | None, str, int, int]: ...


M = TypeVar("M", bound=Movable)

def settle(chosen: list[M], cuts: Mapping[str, FileCuts], target: int,
            pace: tuple[int, int], *, shrink_only: bool = False) -> tuple[str, ...]:
    """Trim or extend clip edges, on legal cut frames only, until the total hits ``target``.

    Speech-led clips are touched last, and only in word gaps, so sentences stay whole where
    there is any other choice; with ``shrink_only`` (short forms) nothing grows."""
    for _ in range(len(chosen) + 1):
        for limit in (pace[1], pace[1] * 2, 10**9):
            for _ in range(4):
                delta = target - sum(c.frames for c in chosen)
                if delta == 0 or (delta > 0 and shrink_only):
                    break
                for c in sorted(chosen, key=lambda c: (c.speech, c.must, c.score)):
                    delta = target - sum(x.frames for x in chosen)
                    if delta == 0:
                        break
                    _move(c, delta, chosen, cuts[c.file_id], pace[0], limit)
        total = sum(c.frames for c in chosen)
        if total == target:
            return ()
        if total < target or len(chosen) < 2:
            break
        # still too long (every edge sits inside words): drop the weakest moment and regrow
        weakest = min((c for c in chosen if not c.must), key=lambda c: c.score, default=None)
        if weakest is None:
            break
        chosen.remove(weakest)
    return ()  # too short: the builder says how much was usable (promises.length_note)


def _move(c: Movable, delta: int, chosen: Sequence[Movable], fc: FileCuts,
          min_frames: int, limit: int) -> None:
    others = [o for o in chosen if o is not c and o.file_id == c.file_id]
    # Another synced camera's clip at the same event time is a wall too (multi-camera).
    walls = [(o.start, o.end) for o in others] + list(fc.blocked) + event_walls(
        c.placed, [o.placed for o in chosen if o is not c])
    hi_end = min([fc.media_frames, *[a for a, _ in walls if a >= c.end]])
    lo_start = max([0, *[b for _, b in walls if b <= c.start]])
    if delta > 0:
        before = c.frames
        room = min(delta, limit - c.frames, hi_end - c.end)
        if room > 0:
            new = fc.nearest_legal(c.end + room, lo=c.end, hi=c.end + room)
            if new is not None:
                c.end = new
        room = min(delta - (c.frames - before), limit - c.frames, c.start - lo_start)
        if room > 0:
            new = fc.nearest_legal(c.start - room, lo=c.start - room, hi=c.start)
            if new is not None:
                c.start = new
        return
    before = c.frames
    room = min(-delta, c.frames - min_frames)
    if room <= 0:
        return
    new = fc.nearest_legal(c.end - room, lo=c.end - room, hi=c.end)
    if new is not None and new > c.start:
        c.end = new
    room = min(-delta - (before - c.frames), c.frames - min_frames)
    if room > 0:
        new = fc.nearest_legal(c.start + room, lo=c.start, hi=c.start + room)
        if new is not None and new < c.end:
            c.start = new
