"""Reframing faces (issue 22.3): a close-up is cropped into, not letterboxed; the face that
matters most is followed; the eye line gets headroom when the window is shorter than the
frame; the pad is left for two people who both matter and stand too far apart."""

from __future__ import annotations

from dataclasses import replace

from editron.domain.analysis import Brief, FaceBox, ShotSignals
from editron.domain.timeline import FrameRate, MediaInfo
from editron.edit.reframe import EYE_LINE, HEADROOM, MAX_SPEED, plan_reframe
from editron.edit.timeline import build_timelines
from editron.story.blueprints import build_blueprints
from editron.story.styles import default_brand, get_style
from tests.timeline_fixtures import make_event

RATE = FrameRate(25)
HD = MediaInfo("a", "/m/a.mp4", 20.0, 25.0, 1920, 1080)


def _signal(boxes: list[FaceBox]) -> ShotSignals:
    return ShotSignals("a", 0.0, 10.0, 0.5, 100.0, 100.0, len(boxes), tuple(boxes), None)


def test_a_close_up_wider_than_the_window_is_cropped_into() -> None:
    face = [FaceBox(t / 5, 0.40, 0.15, 0.38, 0.7) for t in range(50)]  # 730 px > 607 px
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(face)], out_w=1080, out_h=1920)
    assert not plan.pad_blur
    centre = (0.40 + 0.19) * 1920
    for k in plan.keyframes:
        assert k.x <= centre - 0.3 * 0.38 * 1920 and centre + 0.3 * 0.38 * 1920 <= k.x + k.w, \
            "the middle of the face (eyes and mouth) stays in the window"


def test_the_largest_face_is_followed_past_a_small_one_far_away() -> None:
    boxes = [b for t in range(50) for b in (FaceBox(t / 5, 0.70, 0.2, 0.14, 0.3),
                                            FaceBox(t / 5, 0.05, 0.4, 0.05, 0.09))]
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(boxes)], out_w=1080, out_h=1920)
    assert not plan.pad_blur
    k = plan.keyframes[0]
    assert k.x <= 0.70 * 1920 and k.x + k.w >= 0.84 * 1920


def test_two_faces_that_both_matter_far_apart_are_padded() -> None:
    boxes = [b for t in range(50) for b in (FaceBox(t / 5, 0.05, 0.3, 0.12, 0.2),
                                            FaceBox(t / 5, 0.80, 0.3, 0.12, 0.2))]
    plan = plan_reframe(media=HD, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(boxes)], out_w=1080, out_h=1920)
    assert plan.pad_blur


def test_the_eye_line_gets_headroom_when_the_window_is_shorter_than_the_frame() -> None:
    phone = MediaInfo("a", "/m/p.mp4", 20.0, 25.0, 1080, 1920)
    face = [FaceBox(t / 5, 0.35, 0.12, 0.3, 0.16) for t in range(50)]
    plan = plan_reframe(media=phone, rate=RATE, source_start=0, source_end=250,
                        signals=[_signal(face)], out_w=1080, out_h=1080)
    eye = (0.12 + EYE_LINE * 0.16) * 1920
    for k in plan.keyframes:
        assert abs((eye - k.y) / k.h - HEADROOM) < 0.02, "eyes a third of the way down"
    assert plan.max_step <= MAX_SPEED * 1080 * 1.5


def test_a_face_heavy_9x16_cut_is_rarely_letterboxed() -> None:
    ev = make_event(files=3, seconds=45.0)
    signals = [replace(s, faces=1, face_boxes=tuple(
        FaceBox(s.start + j * 0.5, 0.30 + 0.02 * (j % 3), 0.1, 0.36, 0.75)
        for j in range(int((s.end - s.start) / 0.5)))) for s in ev.analysis.shot_signals]
    analysis = replace(ev.analysis, shot_signals=signals)
    style = get_style("standard")
    (bp,) = build_blueprints(analysis, Brief(), deliverable="recap", style=style,
                             media=ev.media)
    (tl,) = build_timelines(bp, aspect_ratios=["9:16"], analysis=analysis, media=ev.media,
                            style=style, brand=default_brand())
    padded = sum(1 for c in tl.clips if c.pad_blur)
    assert padded <= 0.2 * len(tl.clips), f"{padded} of {len(tl.clips)} clips letterboxed"
