"""The exports put each clip's picture where the render does: the render's own crop expression
(``render.filters.crop_filter``) is evaluated frame by frame and compared with the Basic Motion
keyframes of the Premiere XML and the ``adjust-transform`` keyframes of the FCPXML."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from editron.domain.timeline import Clip, Timeline
from editron.edit.exporters import export_timeline
from editron.edit.exporters.motion import clip_motion, placement_at, thin
from editron.render.filters import crop_filter
from tests.unit.test_export_golden import _timeline


def _clip_fn(value: float, lo: float, hi: float) -> float:
    return min(max(value, lo), hi)


def _render_centre(clip: Clip, tl: Timeline, n: int) -> tuple[float, float, float]:
    """The source pixel the render puts at the frame's centre at clip frame ``n``, and the
    render's scale: from the crop filter the render graph really uses."""
    info = tl.media[clip.file_id]
    spec = crop_filter(clip.crop, scale_x=1.0, scale_y=1.0, src_w=info.width,
                       src_h=info.height)
    if spec is None:
        return info.width / 2, info.height / 2, max(tl.width / info.width,
                                                    tl.height / info.height)
    opts = dict(part.split("=", 1) for part in re.split(r"(?<!\\):", spec.split("=", 1)[1]))
    w, h = float(opts["w"]), float(opts["h"])

    def value(expr: str) -> float:
        text = expr.replace("\\,", ",")
        return float(eval(text, {"clip": _clip_fn, "n": n}))  # our own expression

    x = _clip_fn(value(opts["x"]), 0, info.width - w)
    y = _clip_fn(value(opts["y"]), 0, info.height - h)
    return x + w / 2, y + h / 2, max(tl.width / w, tl.height / h)


def _linear(keys: list[tuple[int, float]], n: float) -> float:
    if n <= keys[0][0]:
        return keys[0][1]
    for (a, va), (b, vb) in itertools.pairwise(keys):
        if n <= b:
            return va + (vb - va) * (n - a) / (b - a)
    return keys[-1][1]


@pytest.fixture(scope="module")
def vertical() -> Timeline:
    tl = _timeline("standard", "9:16")
    assert any(len({k.x for k in c.crop}) > 1 for c in tl.clips), "the fixture pans"
    return tl


def test_motion_matches_the_render_crop_every_frame(vertical: Timeline) -> None:
    for clip in vertical.clips:
        info = vertical.media[clip.file_id]
        motion = clip_motion(clip, info, vertical.width, vertical.height)
        for n in range(clip.duration):
            cx, cy, scale = _render_centre(clip, vertical, n)
            dx, dy = placement_at(motion, n)
            assert motion.scale == pytest.approx(scale)
            # the exported offset puts source pixel (cx, cy) at the frame centre
            assert info.width / 2 - dx / scale == pytest.approx(cx, abs=0.5 / scale + 1e-6)
            assert info.height / 2 - dy / scale == pytest.approx(cy, abs=0.5 / scale + 1e-6)


def test_xmeml_basic_motion_follows_the_pan(vertical: Timeline) -> None:
    root = ET.fromstring(str(export_timeline(vertical, "xmeml")))
    items = root.findall("./sequence/media/video/track/clipitem")
    assert len(items) == len(vertical.clips)
    panned = 0
    for clip, item in zip(vertical.clips, items, strict=True):
        info = vertical.media[clip.file_id]
        params = {p.findtext("parameterid"): p for p in item.iter("parameter")}
        scale = float(params["scale"].findtext("value") or "nan") / 100
        centre = params["center"]
        keys = [(int(k.findtext("when") or 0) - clip.source_start,
                 float(k.findtext("value/horiz") or 0)) for k in centre.findall("keyframe")]
        if not keys:
            keys = [(0, float(centre.findtext("value/horiz") or 0))]
        panned += len(keys) > 1
        for n in range(0, clip.duration, 3):
            cx, _, render_scale = _render_centre(clip, vertical, n)
            assert scale == pytest.approx(render_scale, rel=1e-4)
            dx = _linear(keys, n) * vertical.width
            assert info.width / 2 - dx / scale == pytest.approx(cx, abs=1.0)
    assert panned, "a panning clip is keyframed, not a still frame"


def _seconds(value: str) -> Fraction:
    return Fraction(0) if value == "0s" else Fraction(value.rstrip("s"))


def test_fcpxml_transform_follows_the_pan_to_the_last_frame(vertical: Timeline) -> None:
    root = ET.fromstring(str(export_timeline(vertical, "fcpxml")))
    spine = root.find("./library/event/project/sequence/spine")
    assert spine is not None
    clips = spine.findall("asset-clip")
    rate = vertical.rate
    moved = 0
    for clip, element in zip(vertical.clips, clips, strict=True):
        info = vertical.media[clip.file_id]
        transform = element.find("adjust-transform")
        assert transform is not None
        fit = min(vertical.width / info.width, vertical.height / info.height)
        scale = float(transform.get("scale", "1 1").split()[0]) * fit
        start = _seconds(element.get("start", "0s"))
        frames = transform.findall("param[@name='position']/keyframeAnimation/keyframe")
        keys = [(round((_seconds(k.get("time", "0s")) - start) * rate.num / rate.den),
                 float(k.get("value", "0 0").split()[0])) for k in frames]
        if not keys:
            keys = [(0, float(transform.get("position", "0 0").split()[0]))]
        moved += len(keys) > 1
        for n in (0, clip.duration // 2, clip.duration - 1):
            cx, _, render_scale = _render_centre(clip, vertical, n)
            assert scale == pytest.approx(render_scale, rel=1e-3)
            dx = _linear(keys, n) * vertical.height / 100
            assert info.width / 2 - dx / scale == pytest.approx(cx, abs=1.0), (clip.name, n)
    assert moved, "a pan in the render is a pan in Final Cut"


def test_thin_keeps_only_points_that_change_the_line() -> None:
    line = [(float(i), 2.0 * i) for i in range(50)]
    assert thin(line, 0.5) == [line[0], line[-1]]
    bent = [*line, (50.0, 0.0)]
    assert (49.0, 98.0) in thin(bent, 0.5)
