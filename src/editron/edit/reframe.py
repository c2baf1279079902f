"""Reframing: a crop window per clip that follows faces (else the motion centre), smoothed so
it never jitters, stored as keyframes in source pixels.

The path is planned per frame, horizontally and vertically: a deadband ignores small subject
moves, the window's speed is capped per frame, and the result is clamped inside the frame.
The subject is the largest face and every face nearly as large (they all matter); the window
keeps their eye line a third of the way down (headroom) when it is shorter than the frame. A
close-up, a face wider than the window, is cropped into (its middle, eyes and mouth, kept).
Only when two faces that both matter stand too far apart for the window in most samples, or
the output is wider than the source (unless faces are in it and the window keeps half its
height: 1:1 from a phone), is the clip padded: the whole frame over a blurred copy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.analysis import FaceBox, ShotSignals
from editron.domain.timeline import CropKeyframe, FrameRate, MediaInfo

__all__ = ["Reframe", "crop_size", "plan_reframe"]

DEADBAND = 0.04  # of the source width: subject moves smaller than this do not move the window
MAX_SPEED = 0.006  # of the source width per frame (~11 px at 1920): a calm pan
EASE = 0.15  # share of the remaining distance covered per frame before the speed cap
PAD_SPREAD = 0.9  # faces that matter wider than this share of the window: they do not fit
MATTERS = 0.6  # a face this share of the largest face's area (or more) matters too
EYE_LINE = 0.4  # the eyes sit this far down a face box
HEADROOM = 1 / 3  # the eye line sits this far down the window
MIN_TALL = 0.5  # a portrait source is cropped (not pillarboxed) around faces down to this


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
    cw, ch = crop_size(w, h, out_w, out_h)
    if abs(cw - w) < 0.5 and abs(ch - h) < 0.5:
        return Reframe(full, False, 0.0)
    t0, t1 = rate.seconds(source_start), rate.seconds(source_end)
    samples = _subject_samples(signals, t0, t1, cw / w, ch / h)
    faced = [s for s in samples if s[3] is not None]
    if out_w / out_h > w / h + 1e-6 and (not faced or ch < MIN_TALL * h):
        return Reframe(full, True, 0.0)  # output wider than the source: pillarbox on blur
    if faced and sum(1 for s in faced if s[3]) * 2 > len(faced):
        return Reframe(full, True, 0.0)  # two who both matter, too far apart: the last resort
    xs = _per_frame_targets([(s[0], s[1]) for s in samples], rate, source_start, frames, 0.5)
    tops = _per_frame_targets([(s[0], s[2]) for s in samples], rate, source_start, frames,
                              0.5 - 0.5 * ch / h)
    path = _smooth([x * w - cw / 2 for x in xs], cw, w)
    if ch < h - 0.5:  # the window is shorter than the frame: frame the eyes with headroom
        ypath = _smooth([y * h for y in tops], ch, h, scale=w)
    else:
        ypath = [(h - ch) / 2] * len(path)
    step = max((math.hypot(b - a, d - c) for (a, b), (c, d) in
                zip(itertools.pairwise(path), itertools.pairwise(ypath), strict=True)),
               default=0.0)
    keep = [0] + [i for i in range(1, frames - 1)
                  if abs(path[i + 1] - 2 * path[i] + path[i - 1]) > 0.25
                  or abs(ypath[i + 1] - 2 * ypath[i] + ypath[i - 1]) > 0.25] + [frames - 1]
    keys = tuple(CropKeyframe(i, round(path[i], 2), round(ypath[i], 2), round(cw, 2),
                              round(ch, 2)) for i in sorted(set(keep)))
    return Reframe(keys, False, round(step, 3))


def _subject(boxes: Sequence[FaceBox], window: float, tall: float
             ) -> tuple[float, float, bool]:
    """(centre x, window top, too far apart) for the faces at one instant; ``window`` and
    ``tall`` are the crop's width and height as shares of the frame's."""
    ranked = sorted(boxes, key=lambda b: -b.w * b.h)
    lead = ranked[0]
    group = [b for b in ranked if b.w * b.h >= MATTERS * lead.w * lead.h]
    spread = max(b.x + b.w for b in group) - min(b.x for b in group)
    eye = lead.y + EYE_LINE * lead.h - HEADROOM * tall
    if spread <= window * PAD_SPREAD or len(group) == 1:
        # they fit, or one face is the subject (a close-up is cropped into, not padded)
        area = sum(b.w * b.h for b in group) or 1.0
        return sum((b.x + b.w / 2) * b.w * b.h for b in group) / area, eye, False
    return lead.x + lead.w / 2, eye, True


def _subject_samples(signals: Sequence[ShotSignals], t0: float, t1: float, window: float,
                     tall: float) -> list[tuple[float, float, float, bool | None]]:
    """(time, centre x, window top, faces too far apart — ``None`` for a motion sample),
    normalised 0..1."""
    out: list[tuple[float, float, float, bool | None]] = []
    for sig in signals:
        if sig.end <= t0 or sig.start >= t1:
            continue
        by_time: dict[float, list[FaceBox]] = {}
        for box in sig.face_boxes:
            by_time.setdefault(box.t, []).append(box)
        for t, boxes in sorted(by_time.items()):
            out.append((t, *_subject(boxes, window, tall)))
        if not by_time and sig.motion_center is not None:
            mid = (max(sig.start, t0) + min(sig.end, t1)) / 2
            out.append((mid, sig.motion_center[0], sig.motion_center[1] - tall / 2, None))
    return sorted(out, key=lambda s: s[0])


def _per_frame_targets(samples: Sequence[tuple[float, float]], rate: FrameRate,
                       source_start: int, frames: int, default: float) -> list[float]:
    if not samples:
        return [default] * frames
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


def _smooth(target_x: Sequence[float], cw: float, width: int, *, scale: int | None = None
            ) -> list[float]:
    """The window's path along one axis (``scale``: the frame width the speed limits are
    shares of; the axis' own extent by default)."""
    lo, hi = 0.0, width - cw
    cap, dead = MAX_SPEED * (scale or width), DEADBAND * (scale or width)
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
