"""Reframing: a crop window per clip that follows the person speaking (else the faces, else
the motion centre), smoothed so it never jitters, stored as keyframes in source pixels.

With tracked faces (analysis schema 3) the subject at every frame is the speaker
``edit.speaker`` chose (the face whose mouth moves with the speech, switched only at a sentence
end or a shot change); the window jumps (a hard cut, no pan) where the speaker or the shot
changes and glides in between. Older analyses frame their sampled face boxes: the largest face
and every face nearly as large (they all matter).

The path is planned per frame, horizontally and vertically: a deadband ignores small subject
moves, the window's speed and acceleration are capped per frame (the largest move is
reported), and the result is clamped inside the frame. The window keeps the eye line a third
of the way down (headroom) when it is shorter than the frame. A close-up, a face wider than
the window, is cropped into (its middle, eyes and mouth, kept). With nobody in frame the
window centres on the motion; the clip is padded (the whole frame over a blurred copy) only
as the last resort: two people who both matter too far apart for the window in most frames,
no face and no motion at all, or an output wider than the source (unless faces are in it and
the window keeps half its height: 1:1 from a phone).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.analysis import FaceBox, ShotSignals
from editron.domain.timeline import CropKeyframe, FrameRate, MediaInfo
from editron.edit.speaker import Speech, frame_speakers

__all__ = ["Reframe", "crop_size", "plan_reframe"]

DEADBAND = 0.04  # of the source width: subject moves smaller than this do not move the window
MAX_SPEED = 0.006  # of the source width per frame (~11 px at 1920): a calm pan
MAX_ACCEL = 0.0015  # of the source width per frame per frame: full speed in four frames
MOTION_MIN = 0.02  # a shot moving less than this (ShotSignals.motion) has no motion to follow
EASE = 0.15  # share of the remaining distance covered per frame before the speed cap
PAD_SPREAD = 0.9  # faces that matter wider than this share of the window: they do not fit
MATTERS = 0.6  # a face this share of the largest face's area (or more) matters too
EYE_LINE = 0.4  # the eyes sit this far down a face box
MOUTH_LINE = 0.8  # and the mouth this far
HEADROOM = 1 / 3  # the eye line sits this far down the window
MIN_TALL = 0.5  # a portrait source is cropped (not pillarboxed) around faces down to this


@dataclass(frozen=True, slots=True)
class Reframe:
    keyframes: tuple[CropKeyframe, ...]
    pad_blur: bool
    max_step: float  # largest per-frame move of the window (hard cuts aside), pixels
    framing: str = "full"  # speaker | faces | motion | centre | pad | full
    switches: int = 0  # speaker changes inside the clip
    cuts: tuple[int, ...] = ()  # clip frames where the window jumps (a switch, a shot change)


def crop_size(width: int, height: int, out_w: int, out_h: int) -> tuple[float, float]:
    """The largest window of the output's aspect that fits the source."""
    aspect = out_w / out_h
    if width / height >= aspect:
        return height * aspect, float(height)
    return float(width), width / aspect


@dataclass(frozen=True, slots=True)
class _Targets:
    """Per clip frame, where the subject wants the window (normalised centre x and window top),
    and what the clip showed."""

    xs: list[float]
    tops: list[float]
    faced: int  # frames (or samples) with a face to frame
    apart: int  # of those, how many had two who both matter too far apart
    framing: str  # speaker | faces | motion | none
    cuts: tuple[int, ...] = ()
    switches: int = 0


def plan_reframe(*, media: MediaInfo, rate: FrameRate, source_start: int, source_end: int,
                 signals: Sequence[ShotSignals], out_w: int, out_h: int,
                 speech: Speech | None = None) -> Reframe:
    """Crop keyframes (frames relative to the clip start) for one clip; ``speech`` (the
    file's words and sentence ends) lets the tracked faces' speaker be chosen."""
    w, h = media.width, media.height
    frames = max(1, source_end - source_start)
    full = (CropKeyframe(0, 0.0, 0.0, float(w), float(h)),)
    cw, ch = crop_size(w, h, out_w, out_h)
    if abs(cw - w) < 0.5 and abs(ch - h) < 0.5:
        return Reframe(full, False, 0.0)
    t0, t1 = rate.seconds(source_start), rate.seconds(source_end)
    inside = [s for s in signals if s.end > t0 and s.start < t1]
    times = [rate.seconds(source_start + i) for i in range(frames)]
    if any(s.face_tracks for s in inside):
        aim = _tracked_targets(inside, speech or Speech(), times, cw / w, ch / h)
    else:
        aim = _sampled_targets(inside, rate, source_start, frames, cw / w, ch / h)
    if out_w / out_h > w / h + 1e-6 and (not aim.faced or ch < MIN_TALL * h):
        return Reframe(full, True, 0.0, "pad")  # output wider than the source: pillarbox
    if aim.faced and aim.apart * 2 > aim.faced:
        return Reframe(full, True, 0.0, "pad")  # two who both matter, too far apart
    if aim.framing == "none":
        return Reframe(full, True, 0.0, "pad")  # no face and no motion: the last resort
    path = _smooth([x * w - cw / 2 for x in aim.xs], cw, w, cuts=aim.cuts)
    if ch < h - 0.5:  # the window is shorter than the frame: frame the eyes with headroom
        ypath = _smooth([y * h for y in aim.tops], ch, h, scale=w, cuts=aim.cuts)
    else:
        ypath = [(h - ch) / 2] * len(path)
    jumps = set(aim.cuts)
    step = max((math.hypot(b - a, d - c) for i, ((a, b), (c, d)) in enumerate(
        zip(itertools.pairwise(path), itertools.pairwise(ypath), strict=True), start=1)
        if i not in jumps), default=0.0)
    keep = [0] + [i for i in range(1, frames - 1)
                  if abs(path[i + 1] - 2 * path[i] + path[i - 1]) > 0.25
                  or abs(ypath[i + 1] - 2 * ypath[i] + ypath[i - 1]) > 0.25] + [frames - 1]
    keep += [j for i in aim.cuts for j in (i - 1, i) if 0 <= j < frames]
    keys = tuple(CropKeyframe(i, round(path[i], 2), round(ypath[i], 2), round(cw, 2),
                              round(ch, 2)) for i in sorted(set(keep)))
    return Reframe(keys, False, round(step, 3), aim.framing, aim.switches, aim.cuts)


def _tracked_targets(shots: Sequence[ShotSignals], speech: Speech, times: Sequence[float],
                     window: float, tall: float) -> _Targets:
    """Targets from the tracked faces: the speaker's (or the faces that matter), else the
    motion centre of a shot with no face, else held from the nearest frame that had one."""
    tracks = [t for s in shots for t in s.face_tracks]
    plan = frame_speakers(tracks, speech, [s.start for s in shots], times)
    raw: list[tuple[float, float] | None] = []
    faced = apart = 0
    moved = False
    for t, subject in zip(times, plan.subjects, strict=True):
        if subject:
            x, top, far = _subject([FaceBox(t, *b) for b in subject], window, tall,
                                   chosen=True)
            raw.append((x, top))
            faced, apart = faced + 1, apart + far
            continue
        shot = next((s for s in shots if s.start <= t < s.end), None)
        if shot is not None and not shot.face_tracks and shot.motion_center is not None \
                and shot.motion >= MOTION_MIN:
            raw.append((shot.motion_center[0], shot.motion_center[1] - tall / 2))
            moved = True
        else:
            raw.append(None)
    known = [r for r in raw if r is not None]
    if not known:
        return _Targets([0.5] * len(times), [0.5 - tall / 2] * len(times), 0, 0, "none")
    filled = _held(raw, known[0])
    kind = ("speaker" if plan.spoken else "faces") if faced else "motion" if moved else "none"
    return _Targets([f[0] for f in filled], [f[1] for f in filled], faced, apart, kind,
                    plan.cuts, plan.switches)


def _held(raw: Sequence[tuple[float, float] | None], first: tuple[float, float]
          ) -> list[tuple[float, float]]:
    """Each missing target held from the frame before (the first known one at the start)."""
    out: list[tuple[float, float]] = []
    last = first
    for r in raw:
        last = r if r is not None else last
        out.append(last)
    return out


def _sampled_targets(signals: Sequence[ShotSignals], rate: FrameRate, source_start: int,
                     frames: int, window: float, tall: float) -> _Targets:
    """Targets from the sampled face boxes of an analysis made before tracking (schema 2)."""
    t0, t1 = rate.seconds(source_start), rate.seconds(source_start + frames)
    samples = _subject_samples(signals, t0, t1, window, tall)
    faced = [s for s in samples if s[3] is not None]
    if not samples:
        return _Targets([0.5] * frames, [0.5 - tall / 2] * frames, 0, 0, "none")
    xs = _per_frame_targets([(s[0], s[1]) for s in samples], rate, source_start, frames, 0.5)
    tops = _per_frame_targets([(s[0], s[2]) for s in samples], rate, source_start, frames,
                              0.5 - tall / 2)
    return _Targets(xs, tops, len(faced), sum(1 for s in faced if s[3]),
                    "faces" if faced else "motion")


def _subject(boxes: Sequence[FaceBox], window: float, tall: float, *, chosen: bool = False
             ) -> tuple[float, float, bool]:
    """(centre x, window top, too far apart) for the faces at one instant; ``window`` and
    ``tall`` are the crop's width and height as shares of the frame's. ``chosen``: the boxes
    are the faces that matter already, the lead (the speaker) first."""
    ranked = list(boxes) if chosen else sorted(boxes, key=lambda b: -b.w * b.h)
    lead = ranked[0]
    group = ranked if chosen else [b for b in ranked
                                   if b.w * b.h >= MATTERS * lead.w * lead.h]
    spread = max(b.x + b.w for b in group) - min(b.x for b in group)
    eye = lead.y + EYE_LINE * lead.h
    top = eye - HEADROOM * tall
    mouth = lead.y + MOUTH_LINE * lead.h
    if mouth > top + 0.95 * tall:  # a close-up too tall for the headroom: keep the mouth in
        top = min(mouth - 0.95 * tall, eye - 0.05 * tall)
    if spread <= window * PAD_SPREAD or len(group) == 1:
        # they fit, or one face is the subject (a close-up is cropped into, not padded)
        area = sum(b.w * b.h for b in group) or 1.0
        return sum((b.x + b.w / 2) * b.w * b.h for b in group) / area, top, False
    return lead.x + lead.w / 2, top, True


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
        if not by_time and sig.motion_center is not None and sig.motion >= MOTION_MIN:
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


def _smooth(target_x: Sequence[float], cw: float, width: int, *, scale: int | None = None,
            cuts: Sequence[int] = ()) -> list[float]:
    """The window's path along one axis (``scale``: the frame width the limits are shares
    of; the axis' own extent by default): it starts on the subject and jumps to it at each of
    ``cuts``; in between it moves only once the subject has left the deadband, easing in and
    out within the speed and acceleration caps (it slows in time to stop on the subject)."""
    lo, hi = 0.0, width - cw
    unit = scale or width
    cap, dead, accel = MAX_SPEED * unit, DEADBAND * unit, MAX_ACCEL * unit
    jumps = set(cuts)
    x = goal = v = 0.0
    path: list[float] = []
    for i, want in enumerate(target_x):
        want = min(max(want, lo), hi)
        if i == 0 or i in jumps:
            x = goal = want
            v = 0.0
            path.append(x)
            continue
        if abs(want - goal) > dead:
            goal = want
        gap = goal - x
        wish = math.copysign(min(cap, EASE * abs(gap), math.sqrt(2 * accel * abs(gap))), gap)
        v += max(-accel, min(accel, wish - v))
        if abs(gap) < 0.5 and abs(v) <= accel:
            v = gap
        x = min(max(x + v, lo), hi)
        path.append(x)
    return path
