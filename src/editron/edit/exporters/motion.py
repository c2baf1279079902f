"""Where the render puts each clip's picture, as an editor's transform: a scale and the offset
of the source's centre from the frame's centre, per frame, thinned to the keyframes that change
the picture.

The render (``render.filters.crop_filter`` then ``fit_filters``) crops a window of a fixed size
per clip, the largest keyframe window floored to even pixels, whose centre moves linearly
between the crop keyframes (dropping those a straight line already passes within half a
pixel of) and is clamped inside the frame; it then scales the window to fill the output and
crops the overhang around the centre. A padded clip (``pad_blur``) is fitted whole inside the
frame, centred. The same arithmetic is repeated here because ``edit`` sits above ``render``;
``tests/unit/test_export_motion.py`` evaluates the render's own crop expression frame by frame
against this one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.timeline import Clip, CropKeyframe, MediaInfo

__all__ = ["Motion", "Placement", "clip_motion", "placement_at", "thin"]

_RENDER_TOLERANCE = 0.5  # the render's own keyframe thinning, source pixels
PICTURE_TOLERANCE = 0.5  # output pixels: a move smaller than this does not change the picture


@dataclass(frozen=True, slots=True)
class Placement:
    """The source centre's offset from the frame centre at clip frame ``frame``, in output
    pixels (x right, y down)."""

    frame: int
    dx: float
    dy: float


@dataclass(frozen=True, slots=True)
class Motion:
    scale: float  # output pixels per source pixel
    path: tuple[Placement, ...]  # at least one; linear between them, held after the last
    padded: bool = False  # fitted whole over a blurred copy (the copy is not described)
    window: tuple[int, int] | None = None  # the render's crop size in source pixels

    @property
    def moves(self) -> bool:
        return len(self.path) > 1


def thin(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Keep the points a straight line between their neighbours misses by more than
    ``tolerance`` (Ramer-Douglas-Peucker), always the first and the last."""
    pts = list(points)
    if len(pts) <= 2:
        return pts
    (xa, ya), (xb, yb) = pts[0], pts[-1]
    worst, at = 0.0, 0
    for i in range(1, len(pts) - 1):
        x, y = pts[i]
        line = ya + (yb - ya) * (x - xa) / (xb - xa) if xb != xa else ya
        if abs(y - line) > worst:
            worst, at = abs(y - line), i
    if worst <= tolerance:
        return [pts[0], pts[-1]]
    return thin(pts[: at + 1], tolerance)[:-1] + thin(pts[at:], tolerance)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _interpolate(points: Sequence[tuple[float, float]], x: float) -> float:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return points[-1][1]


def _window(keys: Sequence[CropKeyframe], info: MediaInfo) -> tuple[int, int] | None:
    """The render's fixed crop size, or ``None`` when it crops nothing."""
    if not keys:
        return None
    w = min(info.width, _even(max(k.w for k in keys)))
    h = min(info.height, _even(max(k.h for k in keys)))
    if w >= info.width and h >= info.height:
        return None
    return w, h


def clip_motion(clip: Clip, info: MediaInfo, width: int, height: int) -> Motion:
    """The picture of ``clip`` in a ``width`` x ``height`` frame, as the render makes it."""
    sw, sh = info.width, info.height
    if clip.pad_blur:
        return Motion(min(width / sw, height / sh), (Placement(0, 0.0, 0.0),), padded=True)
    window = _window(clip.crop, info)
    if window is None:
        return Motion(max(width / sw, height / sh), (Placement(0, 0.0, 0.0),))
    w, h = window
    scale = max(width / w, height / h)
    xs = thin([(k.frame, k.x + k.w / 2 - w / 2) for k in clip.crop], _RENDER_TOLERANCE)
    ys = thin([(k.frame, k.y + k.h / 2 - h / 2) for k in clip.crop], _RENDER_TOLERANCE)
    frames = max(1, clip.duration)
    per_frame: list[tuple[float, float]] = []
    for n in range(frames):
        # ffmpeg's crop clamps the window inside the frame
        x = min(max(_interpolate(xs, n), 0.0), sw - w)
        y = min(max(_interpolate(ys, n), 0.0), sh - h)
        per_frame.append(((sw / 2 - (x + w / 2)) * scale, (sh / 2 - (y + h / 2)) * scale))
    keep_x = {int(f) for f, _ in thin([(n, p[0]) for n, p in enumerate(per_frame)],
                                      PICTURE_TOLERANCE)}
    keep_y = {int(f) for f, _ in thin([(n, p[1]) for n, p in enumerate(per_frame)],
                                      PICTURE_TOLERANCE)}
    keep = sorted(keep_x | keep_y)
    if all(abs(per_frame[n][0] - per_frame[0][0]) < PICTURE_TOLERANCE
           and abs(per_frame[n][1] - per_frame[0][1]) < PICTURE_TOLERANCE for n in keep):
        keep = [0]
    path = tuple(Placement(n, round(per_frame[n][0], 3), round(per_frame[n][1], 3))
                 for n in keep)
    return Motion(scale, path, window=window)


def placement_at(motion: Motion, frame: float) -> tuple[float, float]:
    """The offset at clip frame ``frame`` (linear between keyframes, held outside them)."""
    xs = [(p.frame, p.dx) for p in motion.path]
    ys = [(p.frame, p.dy) for p in motion.path]
    return _interpolate(xs, frame), _interpolate(ys, frame)
