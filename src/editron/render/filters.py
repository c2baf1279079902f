"""Filtergraph pieces for the render graph: escaping, keyframe expressions, and the filters of
one clip, the brand layer and the audio, each as a ``[in]filter,filter[out]`` statement.

Every option value goes through ``escape_value``: once for the filter's own ``key=value:...``
parser and once for the filtergraph parser, so paths and text with ``:``, ``,``, ``'``, ``[``
or ``\\`` survive (ffmpeg's "Notes on filtergraph escaping"). Both parsers also trim
whitespace at the ends of a value, so leading and trailing spaces and line breaks are escaped
too, and NUL, which no command-line argument can hold, is dropped (both found by
tests/fuzz/test_fuzz_filtergraph.py, which reads every value back through ffmpeg).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

from editron.domain.timeline import CropKeyframe

__all__ = [
    "crop_filter",
    "escape_value",
    "filter_spec",
    "fit_filters",
    "number",
    "piecewise_linear",
    "seconds",
    "simplify",
    "statement",
]

_LEVEL_OPTION = re.compile(r"([\\':])")
_LEVEL_GRAPH = re.compile(r"([\\'\[\],;])")
# av_get_token skips these before a value and trims them after it, unless escaped.
_EDGE_SPACE = re.compile(r"^[ \n\t\r]+|[ \n\t\r]+$")
_BLUR_DOWNSCALE = 4  # blur a quarter-size copy: the same look at a sixteenth of the cost


def escape_value(value: object) -> str:
    """``value`` escaped for a filter option inside a ``-filter_complex`` graph."""
    once = _edges(_LEVEL_OPTION.sub(r"\\\1", str(value).replace("\x00", "")))
    return _edges(_LEVEL_GRAPH.sub(r"\\\1", once))


def _edges(text: str) -> str:
    return _EDGE_SPACE.sub(lambda m: "".join("\\" + ch for ch in m.group()), text)


def filter_spec(name: str, options: Mapping[str, object] | None = None) -> str:
    """``name=k=v:k=v`` with every value escaped; ``None`` values are left out."""
    if not options:
        return name
    parts = [f"{k}={escape_value(v)}" for k, v in options.items() if v is not None]
    return f"{name}={':'.join(parts)}" if parts else name


def statement(inputs: Sequence[str], filters: Sequence[str], output: str) -> str:
    """One filtergraph chain: ``[a][b]f1,f2[out]``."""
    labels = "".join(f"[{i}]" for i in inputs)
    return f"{labels}{','.join(filters)}[{output}]"


def number(value: float | Fraction) -> str:
    """A compact decimal for expressions and options (no exponent, 6 decimals at most)."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def seconds(frames: int, num: int, den: int) -> str:
    return number(Fraction(frames * den, num))


def piecewise_linear(points: Sequence[tuple[float, float]], var: str) -> str:
    """An ffmpeg expression of ``var`` through ``points`` (x ascending), held flat before the
    first and after the last. A flat sum of clipped ramps, not nested ``if``s, so hundreds of
    keyframes neither nest deeply nor grow the expression quadratically."""
    if not points:
        return "0"
    pts = sorted(points)
    expr = number(pts[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        dy = y1 - y0
        if abs(dy) < 1e-9 or x1 <= x0:
            continue
        sign = "-" if dy < 0 else "+"
        expr += (f"{sign}{number(abs(dy))}*clip(({var}-{number(x0)})/{number(x1 - x0)},0,1)")
    return expr


def simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Drop points a straight line through their neighbours already passes within
    ``tolerance`` of (Ramer-Douglas-Peucker), so the expression stays short."""
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
    return simplify(pts[: at + 1], tolerance)[:-1] + simplify(pts[at:], tolerance)


def crop_filter(keys: Sequence[CropKeyframe], *, scale_x: float, scale_y: float,
                src_w: int, src_h: int) -> str | None:
    """The crop of a clip in the pixels of the file actually read (``scale_*`` maps original
    pixels to it), or ``None`` when the window is the whole frame.

    The window size is fixed per clip (ffmpeg cannot resize a stream mid-clip): the largest
    keyframe window, centred on each keyframe's centre, which moves linearly in frames ``n``.
    """
    if not keys:
        return None
    w = min(src_w, _even(max(k.w for k in keys) * scale_x))
    h = min(src_h, _even(max(k.h for k in keys) * scale_y))
    xs = simplify([(k.frame, (k.x + k.w / 2) * scale_x - w / 2) for k in keys], 0.5)
    ys = simplify([(k.frame, (k.y + k.h / 2) * scale_y - h / 2) for k in keys], 0.5)
    if w >= src_w and h >= src_h:
        return None
    # crop clamps x and y into the frame itself, so a centre near the edge is safe.
    return filter_spec("crop", {"w": w, "h": h, "x": piecewise_linear(xs, "n"),
                                "y": piecewise_linear(ys, "n"), "exact": 1})


def fit_filters(label_in: str, label_out: str, *, width: int, height: int,
                pad_blur: bool) -> list[str]:
    """Statements that bring ``label_in`` to exactly ``width``x``height``: scaled to fill
    (cropping the overhang), or with ``pad_blur`` the whole picture fitted inside over a
    blurred, filled copy of itself."""
    fill = [filter_spec("scale", {"w": width, "h": height,
                                  "force_original_aspect_ratio": "increase"}),
            filter_spec("crop", {"w": width, "h": height})]
    if not pad_blur:
        return [statement([label_in], [*fill, "setsar=1"], label_out)]
    bg, fg = f"{label_out}_bg", f"{label_out}_fg"
    small_w = _even(width / _BLUR_DOWNSCALE)
    small_h = _even(height / _BLUR_DOWNSCALE)
    # The background is filled straight at a quarter of the size: filling at full size first
    # would scale a 16:9 frame up to 3413x1920 for a 9:16 output only to shrink it again.
    small_fill = [filter_spec("scale", {"w": small_w, "h": small_h,
                                        "force_original_aspect_ratio": "increase"}),
                  filter_spec("crop", {"w": small_w, "h": small_h})]
    return [
        statement([label_in], ["split=2"], bg) + f"[{fg}]",
        statement([bg], [*small_fill, filter_spec("gblur", {"sigma": 6}),
                         filter_spec("scale", {"w": width, "h": height})], f"{bg}b"),
        statement([fg], [filter_spec("scale", {"w": width, "h": height,
                                               "force_original_aspect_ratio": "decrease",
                                               "force_divisible_by": 2})], f"{fg}s"),
        statement([f"{bg}b", f"{fg}s"],
                  [filter_spec("overlay", {"x": "(W-w)/2", "y": "(H-h)/2"}), "setsar=1"],
                  label_out),
    ]


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)
