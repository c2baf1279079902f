"""The fast shot detector on synthetic frame series with known boundaries (no ffmpeg)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.shots_fast import (
    Boundary,
    detect_boundaries,
    detect_transitions,
    frame_features,
    shots_from_boundaries,
)

FPS = 25.0
RNG = np.random.default_rng(7)


def _texture(seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    base = rng.integers(30, 220, size=(9, 16)).astype(np.float32)
    return np.kron(base, np.ones((20, 20), dtype=np.float32))  # 180 x 320


def _shot(seed: int, frames: int, *, pan: float = 0.0) -> list[npt.NDArray[np.float32]]:
    tex = _texture(seed)
    out = []
    for k in range(frames):
        shift = int(k * pan)
        frame = np.roll(tex, shift, axis=1) + RNG.normal(0, 2, tex.shape)
        out.append(frame)
    return out


def _features(frames: list[npt.NDArray[np.float32]]
              ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    pairs = [frame_features(np.clip(f, 0, 255).astype(np.uint8)) for f in frames]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def _f1(found: list[int], truth: list[int], tolerance: int = 2) -> float:
    matched = sum(1 for t in truth if any(abs(t - f) <= tolerance for f in found))
    precision = matched / len(found) if found else 0.0
    recall = matched / len(truth) if truth else 1.0
    return 0.0 if matched == 0 else 2 * precision * recall / (precision + recall)


def test_hard_cuts_found_and_flashes_ignored() -> None:
    frames = _shot(1, 60) + _shot(2, 50) + _shot(3, 70)
    for k in (20, 21, 95):  # camera flashes: white frames inside a shot
        frames[k] = np.full_like(frames[k], 250)
    found = detect_boundaries(*_features(frames), FPS)
    assert [f for f, _ in found] == [60, 110]
    assert all(kind == "cut" for _, kind in found)


def test_dissolve_and_fade_are_found_as_gradual() -> None:
    a, b, c = _shot(4, 50), _shot(5, 50), _shot(6, 50)
    blend = [a[-1] * (1 - k / 12) + b[0] * (k / 12) for k in range(1, 12)]
    fade_out = [b[-1] * (1 - k / 6) for k in range(1, 7)]
    black = [np.zeros_like(b[-1]) for _ in range(4)]
    fade_in = [c[0] * (k / 6) for k in range(1, 7)]
    frames = a + blend + b + fade_out + black + fade_in + c
    found = detect_boundaries(*_features(frames), FPS)
    dissolve_mid = 50 + 6
    fade_mid = 50 + 11 + 50 + 6 + 2
    kinds = dict(found)
    assert _f1([f for f, _ in found], [dissolve_mid, fade_mid]) == 1.0, found
    assert "dissolve" in kinds.values() and "fade" in kinds.values()


def test_fast_camera_motion_is_not_a_cut() -> None:
    frames = _shot(7, 80, pan=3.0) + _shot(8, 60)
    found = detect_boundaries(*_features(frames), FPS)
    assert [f for f, _ in found] == [80]


def test_static_clip_has_no_boundaries() -> None:
    assert detect_boundaries(*_features(_shot(9, 100)), FPS) == []


def test_a_dark_moment_inside_a_shot_is_not_a_fade() -> None:
    a = _shot(10, 60)
    dim = [a[-1] * (1 - k / 6) for k in range(1, 7)] + [np.zeros_like(a[-1])] * 8
    back = [a[-1] * (k / 6) for k in range(1, 7)]
    frames = a + dim + back + _shot(10, 60)  # lights down and up on the same picture
    assert detect_boundaries(*_features(frames), FPS) == []


def test_after_a_long_hold_of_black_the_shot_starts_where_the_picture_returns() -> None:
    a, b = _shot(11, 60), _shot(12, 60)
    fade_out = [a[-1] * (1 - k / 6) for k in range(1, 7)]
    black = [np.zeros_like(a[-1]) for _ in range(50)]  # two seconds of black, then a cut in
    flicker = [np.full_like(a[-1], 40.0)]  # one lit frame inside the black is still black
    frames = a + fade_out + black[:20] + flicker + black[20:] + b
    found = detect_boundaries(*_features(frames), FPS)
    assert found == [(60 + 6 + 51, "cut")], found


def test_a_long_hold_of_black_then_a_fade_in_starts_the_shot_as_it_brightens() -> None:
    a, b = _shot(13, 60), _shot(14, 60)
    black = [np.zeros_like(a[-1]) for _ in range(40)]
    fade_in = [b[0] * (k / 8) for k in range(1, 9)]
    found = detect_boundaries(*_features(a + black + fade_in + b), FPS)
    assert len(found) == 1 and found[0][1] == "fade", found
    assert abs(found[0][0] - (60 + 40)) <= 2, found  # where the picture starts to return


def test_a_cut_to_black_for_the_end_is_a_cut_not_a_fade() -> None:
    a = _shot(15, 60)  # the black runs to the last frame: there is no far side to fade to
    assert detect_boundaries(*_features(a + [np.zeros_like(a[-1])] * 40), FPS) == [(60, "cut")]


def test_a_slow_fade_through_black_is_one_fade() -> None:
    a, b = _shot(16, 60), _shot(17, 60)
    fade_out = [a[-1] * (1 - k / 12) for k in range(1, 13)]
    black = [np.zeros_like(a[-1]) for _ in range(8)]
    fade_in = [b[0] * (k / 12) for k in range(1, 13)]
    found = detect_boundaries(*_features(a + fade_out + black + fade_in + b), FPS)
    assert [kind for _, kind in found] == ["fade"], found  # no cuts at the ramps' ends


def _smooth(seed: int, width: int = 320) -> npt.NDArray[np.float32]:
    """A smooth picture (low-frequency blobs): a pan across it changes the blocks gradually,
    the way a dissolve does, frame after frame."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(30, 220, size=(4, max(2, width // 80))).astype(np.float32)
    import cv2

    return np.asarray(cv2.resize(coarse, (width, 180), interpolation=cv2.INTER_CUBIC),
                      np.float32)


def test_dissolves_of_8_to_25_frames_are_found_with_their_span() -> None:
    frames: list[npt.NDArray[np.float32]] = _shot(20, 40)
    spans = []
    for k, length in enumerate((8, 14, 25)):
        a, b = frames[-1], _shot(21 + k, 1)[0]
        start = len(frames)
        frames += [a * (1 - j / (length + 1)) + b * (j / (length + 1))
                   for j in range(1, length + 1)]
        spans.append((start - 1, start + length))  # last of A alone .. first of B alone
        frames += _shot(21 + k, 40)
    found = detect_transitions(*_features(frames), FPS)
    assert [b.kind for b in found] == ["dissolve"] * 3, found
    for b, (first, last) in zip(found, spans, strict=True):
        assert abs(b.start - first) <= 2 and abs(b.end - last) <= 2, (b, first, last)
        assert b.start < b.frame < b.end


def test_a_slow_pan_over_smooth_picture_is_no_dissolve() -> None:
    wide = _smooth(30, width=320 * 3)
    frames = [wide[:, 4 * k: 4 * k + 320] + RNG.normal(0, 2, (180, 320)) for k in range(150)]
    assert detect_transitions(*_features(frames), FPS) == []


def test_a_flash_during_a_pan_is_no_transition() -> None:
    frames = _shot(31, 80, pan=1.0)
    for k in (30, 31, 55):
        frames[k] = np.full_like(frames[k], 250)
    assert detect_transitions(*_features(frames), FPS) == []


def test_shots_carry_the_span_of_a_gradual_transition_into_them() -> None:
    times = [k / FPS for k in range(100)]
    shots = shots_from_boundaries("f", [Boundary(50, "dissolve", 44, 56), Boundary(80, "cut", 80,
                                                                                    80)],
                                  times, list(range(100)), end_time=4.0, end_frame=100)
    assert (shots[1].transition_start, shots[1].transition_end) == (times[44], times[56])
    assert shots[0].transition_start is None and shots[2].transition_end is None
    assert shots_from_boundaries("f", [(50, "cut")], times, list(range(100)), end_time=4.0,
                                 end_frame=100)[1].start_frame == 50
