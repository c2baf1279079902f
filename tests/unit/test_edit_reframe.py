"""Reframing: follows the subject, smooth (bounded step, deadband), pads when too wide."""

from __future__ import annotations

import random

from editron.domain.analysis import FaceBox, ShotSignals
from editron.domain.timeline import FrameRate, MediaInfo
from editron.edit.reframe import DEADBAND, MAX_SPEED, crop_size, plan_reframe

RATE = FrameRate(25)
HD = MediaInfo("a", "/m/a.mp4", 20.0, 25.0, 1920, 1080)


def _signal(boxes: list[FaceBox], motion_center: tuple[float, float] | None = None
            ) -> ShotSignals:
    return ShotSignals("a", 0.0, 10.0, 0.5, 100.0, 100.0, len(boxes) > 0, tuple(boxes),
                       motion_center)


def _path(plan_keys: tuple, frames: int) -> list[float]:  # type: ignore[type-arg]
    xs: list[float] = []
    keys = list(plan_keys)
    for f in range(frames):
        a = max((k for k in keys if k.frame <= f), key=lambda k: k.frame)
        b = min((k for k in keys if k.frame >= f), key=lambda k: k.frame)
        xs.append(a.x if a.frame == b.frame else
                  a.x + (b.x - a.x) * (f - a.frame) / (b.frame - a.frame))
    return xs


def test_crop_size_per_ratio() -> None:
    assert crop_size(1920, 1080, 1080, 1920) == (607.5, 1080.0)
    assert crop_size(1920, 1080, 1080, 1080) == (1080.0, 1080.0)
    assert crop_size(1920, 1080, 1920, 1080) == (1920.0, 1080.0)


def test_window_follows_a_face_moving_right_with_bounded_speed() -> None:
    boxes = [FaceBox(t / 10, 0.1 + 0.07 * t / 10, 0.3, 0.08, 0.15) for t in range(0, 100)]
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(boxes)], out_w=1080, out_h=1920)
    assert not plan.pad_blur
    first, last = plan.keyframes[0], plan.keyframes[-1]
    assert last.x > first.x + 500  # it went along with the subject
    assert plan.max_step <= MAX_SPEED * 1920 + 1e-6
    for k in plan.keyframes:
        assert k.x >= 0 and k.x + k.w <= 1920 + 1e-6 and k.y >= 0 and k.y + k.h <= 1080 + 1e-6
        assert abs(k.w - 607.5) < 0.01


def test_small_jitter_inside_the_deadband_does_not_move_the_window() -> None:
    rnd = random.Random(7)
    boxes = [FaceBox(t / 10, 0.45 + rnd.uniform(-1, 1) * DEADBAND * 0.4, 0.3, 0.1, 0.15)
             for t in range(100)]
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(boxes)], out_w=1080, out_h=1080)
    xs = _path(plan.keyframes, 250)
    assert max(xs) - min(xs) < 1.0
    assert plan.max_step < 1.0


def test_motion_centre_is_used_without_faces() -> None:
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=100,
                        signals=[_signal([], (0.85, 0.5))], out_w=1080, out_h=1920)
    assert plan.keyframes[0].x > 1920 * 0.5


def test_wide_subject_falls_back_to_blurred_pad() -> None:
    boxes = [FaceBox(1.0, 0.05, 0.3, 0.1, 0.2), FaceBox(1.0, 0.8, 0.3, 0.1, 0.2)]
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=100,
                        signals=[_signal(boxes)], out_w=1080, out_h=1920)
    assert plan.pad_blur
    assert [(k.x, k.y, k.w, k.h) for k in plan.keyframes] == [(0.0, 0.0, 1920.0, 1080.0)]


def test_portrait_source_in_a_landscape_timeline_is_padded() -> None:
    phone = MediaInfo("p", "/m/p.mp4", 10.0, 30.0, 1080, 1920)
    plan = plan_reframe(media=phone, rate=RATE, source_start=0, source_end=50, signals=[],
                        out_w=1920, out_h=1080)
    assert plan.pad_blur and plan.keyframes[0].w == 1080
