"""Multicam cutting inside one moment: where the picture changes angle, and whose microphone
carries the sound across those changes (pure).

``plan_switches`` cuts a long moment between the synced cameras that cover it. Cuts fall only
on a shot boundary of one of the angles, placed on the event clock (a camera that reframes
or is cut away from is left there, and one that starts a fresh shot is cut to), never closer
than the minimum hold to another cut or to the moment's ends; each piece takes the angle with
the best picture for the ratio over that piece (``multicam.angle_quality``), a change of
angle costs a little, and holding one angle past the style's longest shot costs more, so a
long moment moves on when the other angles are nearly as good.

``best_microphone`` picks the sound for the whole moment, once for every ratio: the covering
file whose speech (or whatever is loud in the moment) stands furthest above its own noise
floor, read from the analysis energy curve (no second decode). The floor is a low percentile
of the file's whole curve: the room tone plus the microphone's self-noise, which differ from
camera to camera while the gain does not matter.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from editron.domain.analysis import AnalysisResult, ShotSignals
from editron.domain.sync import SyncResult
from editron.story.multicam import (
    EventSpan,
    Placed,
    angle_quality,
    covering_angles,
    event_span_of,
)

__all__ = [
    "MIN_ANGLE_HOLD_SECONDS",
    "Microphone",
    "PictureCut",
    "SoundLevel",
    "best_microphone",
    "plan_switches",
    "shot_boundaries",
    "sound_levels",
]

MIN_ANGLE_HOLD_SECONDS = 1.5  # never show an angle for less: a flash of a camera reads as a slip
SWITCH_COST = 0.1  # in quality-seconds: a change of angle must buy at least this much picture
OVERLONG_COST = 0.25  # per second an angle is held past the style's longest shot
FLOOR_PERCENTILE = 10.0  # of a file's whole energy curve: its room tone and self-noise
SIGNAL_PERCENTILE = 75.0  # of the moment's stretch of the curve: its speech or action
UNMEASURED_QUALITY = 0.3  # a stretch with no picture measures (``angle_quality``'s own)
_MAX_POINTS = 40  # candidate cut points per moment, evenly thinned beyond this


@dataclass(frozen=True, slots=True)
class PictureCut:
    """One piece of a moment's picture: from ``offset`` frames into the moment, ``file_id``
    from its frame ``source_start``, until the next piece."""

    offset: int
    file_id: str
    source_start: int
    reason: str


@dataclass(frozen=True, slots=True)
class Microphone:
    """The sound of a whole moment: ``file_id`` from its frame ``source_start``."""

    file_id: str
    source_start: int
    snr_db: float | None
    reason: str


def shot_boundaries(
    analysis: AnalysisResult,
    covering: Mapping[str, tuple[EventSpan, int]],
    clock: EventSpan,
    start: int,
    duration: int,
    hold: int,
) -> list[int]:
    """The angles' shot starts inside the moment, as frames from its first frame on the
    picture clock, at least ``hold`` frames from either end."""
    found: set[int] = set()
    for shot in analysis.shots:
        where = covering.get(shot.file_id)
        if where is None:
            continue
        other = where[0]
        event_t = other.origin + shot.start / other.scale
        k = clock.frame(event_t) - start
        if hold <= k <= duration - hold:
            found.add(k)
    points = sorted(found)
    if len(points) > _MAX_POINTS:
        step = len(points) / _MAX_POINTS
        points = [points[int(i * step)] for i in range(_MAX_POINTS)]
    return points


def plan_switches(
    clip: Placed,
    duration: int,
    analysis: AnalysisResult,
    files: Mapping[str, tuple[float, float]],
    ratio: str,
    *,
    min_hold: int,
    max_hold: int,
) -> list[PictureCut] | None:
    """The moment ``clip`` (``duration`` frames) as pieces of the synced angles, or ``None``
    when no other camera covers at least ``min_hold`` of it. An angle that covers only part
    of the moment (it started rolling late, or stopped) is used only there. ``files``: id to
    fps and seconds; ``min_hold``/``max_hold`` in frames. One piece when no cut is worth it."""
    clock, _, start, _ = clip
    if analysis.sync is None or clock is None:
        return None
    hold = max(1, min(min_hold, duration))
    reach = _reach(clip, duration, analysis.sync, files, hold)
    if len(reach) < 2:
        return None
    covering = {f: (c, first) for f, (c, first, _, _) in reach.items()}
    edges = {k for _, _, lo, hi in reach.values() for k in (lo, hi) if hold <= k <= duration - hold}
    inner = sorted(set(shot_boundaries(analysis, covering, clock, start, duration, hold)) | edges)
    points = [0, *inner, duration] if duration >= 2 * hold else [0, duration]
    signals = {fid: [s for s in analysis.shot_signals if s.file_id == fid] for fid in covering}
    score = _Scorer(covering, clock, start, signals, ratio, max_hold)
    score.reach = {f: (lo, hi) for f, (_, _, lo, hi) in reach.items()}
    pieces = _best_path(points, list(covering), score, hold)
    return [
        PictureCut(points[i], fid, score.frame(fid, points[i]), score.reason(fid, i_j))
        for (i, fid), i_j in zip(pieces, _spans(pieces, len(points) - 1), strict=True)
    ]


def _reach(
    clip: Placed,
    duration: int,
    sync: SyncResult,
    files: Mapping[str, tuple[float, float]],
    hold: int,
) -> dict[str, tuple[EventSpan, int, int, int]]:
    """The files of the clip's group that show at least ``hold`` frames of it: each one's
    clock, its frame at the clip's first frame (before its own start when it began late),
    and the offsets into the moment it covers, ``lo``–``hi``. The clip's own file first."""
    clock, own, start, _ = clip
    assert clock is not None
    ev0 = clock.seconds(start)
    out = {own: (clock, start, 0, duration)}
    for fid, (fps, seconds) in files.items():
        other = event_span_of(sync, fid, fps)
        if fid == own or other is None or other.group != clock.group:
            continue
        first = other.frame(ev0)
        lo, hi = max(0, -first), min(duration, int(seconds * fps) - first)
        if hi - lo >= hold:
            out[fid] = (other, first, lo, hi)
    return out


def _spans(pieces: Sequence[tuple[int, str]], last: int) -> list[tuple[int, int]]:
    ends = [i for i, _ in pieces[1:]] + [last]
    return [(i, j) for (i, _), j in zip(pieces, ends, strict=True)]


class _Scorer:
    """Each angle's picture over a stretch of the moment between two candidate points."""

    def __init__(
        self,
        covering: Mapping[str, tuple[EventSpan, int]],
        clock: EventSpan,
        start: int,
        signals: Mapping[str, Sequence[ShotSignals]],
        ratio: str,
        max_hold: int,
    ) -> None:
        self.covering, self.clock, self.start = covering, clock, start
        self.ratio, self.max_hold = ratio, max_hold
        self.points: list[int] = []
        self.reach: dict[str, tuple[int, int]] = {f: (0, 1 << 62) for f in covering}
        self._memo: dict[tuple[str, int, int], tuple[float, str]] = {}
        self.signals = {f: sorted(v, key=lambda sig: sig.start) for f, v in signals.items()}
        self._starts = {f: [sig.start for sig in v] for f, v in self.signals.items()}
        self._ends = {f: [sig.end for sig in v] for f, v in self.signals.items()}

    def frame(self, fid: str, offset: int) -> int:
        """``fid``'s frame at ``offset`` frames into the moment (its own clock, drift in)."""
        other, first = self.covering[fid]
        if offset == 0:
            return first
        return other.frame(self.clock.seconds(self.start + offset))

    def quality(self, fid: str, a: int, b: int) -> tuple[float, str]:
        """``fid``'s picture over the piece: each of its shots' quality weighted by how much
        of the piece it fills (a piece that is mostly one good shot is good), and why."""
        key = (fid, a, b)
        if key not in self._memo:
            fps = self.covering[fid][0].fps
            s0, s1 = self.frame(fid, a) / fps, self.frame(fid, b) / fps
            # a file's shots follow one another: those that touch the piece lie between
            inside = self.signals[fid][
                bisect_right(self._ends[fid], s0) : bisect_left(self._starts[fid], s1)
            ]
            _, why = angle_quality(inside, fid, s0, s1, self.ratio)
            total, covered = 0.0, 0.0
            for sig in inside:
                overlap = min(s1, sig.end) - max(s0, sig.start)
                if overlap > 0:
                    total += angle_quality([sig], fid, s0, s1, self.ratio)[0] * overlap
                    covered += overlap
            unmeasured = max(0.0, (s1 - s0) - covered)
            score = (total + UNMEASURED_QUALITY * unmeasured) / max(s1 - s0, 1e-9)
            self._memo[key] = (round(score, 4), why)
        return self._memo[key]

    def value(self, fid: str, a: int, b: int) -> float | None:
        """The piece ``a``–``b`` on ``fid`` in quality-seconds, ``None`` where it has no
        picture."""
        lo, hi = self.reach[fid]
        if a < lo or b > hi:
            return None
        seconds = (b - a) / self.clock.fps
        over = max(0, b - a - self.max_hold) / self.clock.fps
        return self.quality(fid, a, b)[0] * seconds - OVERLONG_COST * over

    def reason(self, fid: str, span: tuple[int, int]) -> str:
        a, b = self.points[span[0]], self.points[span[1]]
        quality, why = self.quality(fid, a, b)
        others = (
            ", ".join(
                f"{o} {self.quality(o, a, b)[0]:.2f}"
                for o in self.covering
                if o != fid and self.value(o, a, b) is not None
            )
            or "no other angle"
        )
        return f"{self.ratio}: best picture {quality:.2f} ({why}) over {others}"


def _best_path(
    points: Sequence[int], angles: Sequence[str], score: _Scorer, hold: int
) -> list[tuple[int, str]]:
    """The pieces (start point index, angle) that score best: a dynamic programme over the
    candidate points, no two neighbouring pieces on one angle, none shorter than ``hold``."""
    score.points = list(points)
    n = len(points) - 1
    best: dict[tuple[int, str], tuple[float, tuple[int, str] | None]] = {}
    for j in range(1, n + 1):
        for fid in angles:
            first = score.value(fid, points[0], points[j])
            if points[j] - points[0] >= hold and first is not None:
                best[(j, fid)] = (first, None)
            for i in range(1, j):
                if points[j] - points[i] < hold:
                    break
                piece = score.value(fid, points[i], points[j])
                for prev in angles:
                    if piece is None or prev == fid or (i, prev) not in best:
                        continue
                    total = best[(i, prev)][0] - SWITCH_COST + piece
                    if (j, fid) not in best or total > best[(j, fid)][0] + 1e-9:
                        best[(j, fid)] = (total, (i, prev))
    # ties keep the earlier angle (the blueprint's own file comes first)
    end = max((k for k in best if k[0] == n), key=lambda k: (best[k][0], -angles.index(k[1])))
    path: list[tuple[int, str]] = []
    at: tuple[int, str] | None = end
    while at is not None:
        back = best[at][1]
        path.append((back[0] if back else 0, at[1]))
        at = back
    return path[::-1]


@dataclass(frozen=True, slots=True)
class SoundLevel:
    """One file's energy curve as arrays (seconds, dB), and its noise floor in dB."""

    times: npt.NDArray[np.float64]
    levels: npt.NDArray[np.float64]
    floor: float

    def snr_db(self, t0: float, t1: float) -> float | None:
        """How far the loud part of ``t0``–``t1`` stands above the floor (None: no points)."""
        a, b = np.searchsorted(self.times, [t0, t1])
        if b <= a:
            return None
        return round(float(np.percentile(self.levels[a:b], SIGNAL_PERCENTILE)) - self.floor, 2)


def sound_levels(analysis: AnalysisResult) -> dict[str, SoundLevel]:
    """Each file's energy curve, sorted, with its floor (a low percentile of all of it)."""
    points: dict[str, list[tuple[float, float]]] = {}
    for p in analysis.energy_curve:
        points.setdefault(p.file_id, []).append((p.t, p.loudness_db))
    out = {}
    for fid, rows in points.items():
        rows.sort()
        levels = np.array([db for _, db in rows], dtype=np.float64)
        out[fid] = SoundLevel(
            np.array([t for t, _ in rows], dtype=np.float64),
            levels,
            float(np.percentile(levels, FLOOR_PERCENTILE)),
        )
    return out


def best_microphone(
    clip: Placed,
    duration: int,
    analysis: AnalysisResult,
    files: Mapping[str, tuple[float, float]],
    levels: Mapping[str, SoundLevel],
) -> Microphone | None:
    """The sound for the whole moment among the covering files with sound (``files``: id to
    fps and seconds; ``levels`` from ``sound_levels``), or ``None`` when no other one covers
    it. Ties keep the clip's own file."""
    if analysis.sync is None or clip[0] is None:
        return None
    covering = covering_angles(clip, duration, analysis.sync, files)
    if len(covering) < 2:
        return None
    snr: dict[str, float | None] = {}
    for fid, (clock, first) in covering.items():
        level = levels.get(fid)
        snr[fid] = (
            level.snr_db(first / clock.fps, (first + duration) / clock.fps)
            if level is not None
            else None
        )
    order = list(covering)
    pick = max(order, key=lambda f: (snr[f] is not None, snr[f] or 0.0, -order.index(f)))
    words = ", ".join(
        f"{f} {'?' if v is None else f'{v:.1f}'} dB" for f, v in snr.items() if f != pick
    )
    chosen = snr[pick]
    reason = (
        f"sound from {pick}: {chosen:.1f} dB over its noise floor ({words})"
        if chosen is not None
        else f"sound from {pick}: no level measures"
    )
    return Microphone(pick, covering[pick][1], chosen, reason)
