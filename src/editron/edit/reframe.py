"""Reframing: a crop window per clip that follows faces (else the motion centre), smoothed so
it never jitters, stored as keyframes in source pixels.

The path is planned per frame: a deadband ignores small subject moves, the window's speed is
capped per frame, and the result is clamped inside the frame. When the subject is wider than
the window (a group, a wide stage) or the output is wider than the source, the clip is padded
instead: the whole frame over a blurred copy of itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.analysis import FaceBox, ShotSignals
from editron.domain.timeline import CropKeyframe, FrameRate, MediaInfo

__all__ = ["Reframe", "crop_size", "plan_reframe"]

DEADBAND = 0.04  # of the source width: subject moves smaller than this do not move the window
MAX_SPEED = 0.006  # of the source width per frame (~11 px at 1920): a calm pan
EASE = 0.15  # share of the remaining distance covered per frame before the speed cap
PAD_SPREAD = 0.9  # subject wider than this share of the window: pad instead of crop


@dataclass(frozen=True, slots=True)
class Reframe:
    keyframes: tuple[CropKeyframe, ...]
    pad_blur: bool
    max_step: float  # largest per-frame move of the window, pixels


def crop_size(width: int, height: int, out_w: int, out_h: int) -> tuple[float, float]:
    """The largest window of the output's aspect that fits the source."""
    aspect = out_w / out_h
    if width / height >= aspect:
        return height * aspect, float(height)
    return float(width), width / aspect


def plan_reframe(*, media: MediaInfo, rate: FrameRate, source_start: int, source_end: int,
                 signals: Sequence[ShotSignals], out_w: int, out_h: int) -> Reframe:
    """Crop keyframes (frames relative to the clip start) for one clip."""
    w, h = media.width, media.height
    frames = max(1, source_end - source_start)
    full = (CropKeyframe(0, 0.0, 0.0, float(w), float(h)),)
    if out_w / out_h > w / h + 1e-6:  # output wider than the source: pillarbox on blur
        return Reframe(full, True, 0.0)
    cw, ch = crop_size(w, h, out_w, out_h)
    if abs(cw - w) < 0.5 and abs(ch - h) < 0.5:
        return Reframe(full, False, 0.0)
    t0, t1 = rate.seconds(source_start), rate.seconds(source_end)
    samples = _subject_samples(signals, t0, t1)
    spread = max((s[2] for s in samples), default=0.0) * w
    if spread > cw * PAD_SPREAD:
        return Reframe(full, True, 0.0)
    targets = _per_frame_targets(samples, rate, source_start, frames)
    path = _smooth([x * w - cw / 2 for x in targets], cw, w)
    y = (h - ch) / 2
    step = max((abs(b - a) for a, b in itertools.pairwise(path)), default=0.0)
    keep = [0] + [i for i in range(1, frames - 1)
                  if abs(path[i + 1] - 2 * path[i] + path[i - 1]) > 0.25] + [frames - 1]
    keys = tuple(CropKeyframe(i, round(path[i], 2), round(y, 2), round(cw, 2), round(ch, 2))
                 for i in sorted(set(keep)))
    return Reframe(keys, False, round(step, 3))


def _subject_samples(signals: Sequence[ShotSignals], t0: float, t1: float
                     ) -> list[tuple[float, float, float]]:
    """(time, centre x, spread) of the subject, normalised 0..1."""
    out: list[tuple[float, float, float]] = []
    for sig in signals:
        if sig.end <= t0 or sig.start >= t1:
            continue
        by_time: dict[float, list[FaceBox]] = {}
        for box in sig.face_boxes:
            by_time.setdefault(box.t, []).append(box)
        for t, boxes in sorted(by_time.items()):
            area = sum(b.w * b.h for b in boxes) or 1.0
            cx = sum((b.x + b.w / 2) * b.w * b.h for b in boxes) / area
            spread = max(b.x + b.w for b in boxes) - min(b.x for b in boxes)
            out.append((t, cx, spread))
        if not by_time and sig.motion_center is not None:
            out.append(((max(sig.start, t0) + min(sig.end, t1)) / 2, sig.motion_center[0], 0.0))
    return sorted(out)


def _per_frame_targets(samples: Sequence[tuple[float, float, float]], rate: FrameRate,
                       source_start: int, frames: int) -> list[float]:
    if not samples:
        return [0.5] * frames
    out: list[float] = []
    j = 0
    for i in range(frames):
        t = rate.seconds(source_start + i)
        while j + 1 < len(samples) and samples[j + 1][0] <= t:
            j += 1
        a = samples[j]
        if t <= a[0] or j + 1 >= len(samples):
            out.append(a[1])
            continue
        b = samples[j + 1]
        k = (t - a[0]) / (b[0] - a[0])
        out.append(a[1] + (b[1] - a[1]) * k)
    return out


def _smooth(target_x: Sequence[float], cw: float, width: int) -> list[float]:
    lo, hi = 0.0, width - cw
    cap, dead = MAX_SPEED * width, DEADBAND * width
    # start where the subject is, so the first frame is already framed
    x = min(max(target_x[0], lo), hi)
    goal = x
    path: list[float] = []
    for want in target_x:
        want = min(max(want, lo), hi)
        if abs(want - goal) > dead:
            goal = want
        move = (goal - x) * EASE
        if abs(goal - x) < 0.5:
            move = goal - x
        move = max(-cap, min(cap, move))
        x = min(max(x + move, lo), hi)
        path.append(x)
    return path
