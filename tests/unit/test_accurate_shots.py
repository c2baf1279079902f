"""The accurate shot mode's plan: which of the fast detector's calls stand, which TransNetV2
checks and over which frames, what counts as a flash; and, with a stand-in network, that the
network's call decides the checked ones."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from editron.analysis import shots_transnet as tn
from editron.analysis.base import FileFindings
from editron.analysis.shots_fast import (
    _distance,
    detect_boundaries,
    frame_features,
    shots_from_boundaries,
)

N = 300
FLASH = 280  # frames 280 and 281 are white
CALLS = [(50, "cut"), (100, "cut"), (150, "dissolve"), (200, "fade")]


def _texture(seed: int) -> npt.NDArray[np.uint8]:
    return np.random.default_rng(seed).integers(20, 230, size=(27, 48, 3)).astype(np.uint8)


def _frames() -> npt.NDArray[np.uint8]:
    """Six 50-frame shots of distinct textures, with a two-frame white flash in the last."""
    frames = np.stack([_texture(k // 50) for k in range(N)])
    frames[FLASH: FLASH + 2] = 255
    return frames


def _findings(calls: list[tuple[int, str]] = CALLS) -> FileFindings:
    """What pass 1 would hand over: the fast detector's calls and the change series."""
    change = np.full(N, 0.01, dtype=np.float32)
    change[2] = 0.2  # a jump at the file's very start
    change[50] = 0.5  # far over the 0.08 cut threshold: stands
    change[100] = 0.12  # 1.5 times over it: checked
    change[150] = 0.05
    change[200] = 0.3
    change[250] = 0.2  # a jump the fast detector did not call
    change[103] = 0.09  # too close to the call at 100 to be checked on its own
    change[FLASH] = change[FLASH + 2] = 0.6
    findings = FileFindings("f", N / 25, 25.0)
    times = [k / 25 for k in range(N)]
    findings.shots = shots_from_boundaries("f", calls, times, list(range(N)),
                                           end_time=N / 25, end_frame=N)
    findings.series["shot_change"] = change
    findings.series["shot_luma"] = np.full(N, 120.0, dtype=np.float32)  # no dip to black
    findings.series["frame_times"] = np.asarray(times, dtype=np.float32)
    return findings


def test_strong_cuts_and_fades_stand_the_rest_is_checked() -> None:
    frames = _frames()
    plan = tn.plan_checks(_findings(), frames)
    assert plan.quiet == []
    assert plan.settled == [(50, "cut"), (200, "fade")]
    assert [(c.position, c.kind, c.first, c.last) for c in plan.checks] == [
        (2, "", 0, 2 + tn.CUT_REACH),  # clipped to the file
        (100, "cut", 100 - tn.CUT_REACH, 100 + tn.CUT_REACH),
        (150, "dissolve", 150 - tn.GRADUAL_REACH, 150 + tn.GRADUAL_REACH),
        (250, "", 250 - tn.CUT_REACH, 250 + tn.CUT_REACH),
    ]  # the flash's two change peaks are not checked


def test_close_checks_share_one_window() -> None:
    gap = 2 * tn.CONTEXT
    checks = [tn.Check(14, "cut", 10, 18), tn.Check(18 + gap + 4, "", 18 + gap, 18 + gap + 8),
              tn.Check(200, "dissolve", 192, 208)]
    assert tn.score_ranges(checks) == [(10, 18 + gap + 8), (192, 208)]
    assert tn.score_ranges([]) == []


def test_a_flash_is_brief_a_dissolve_between_like_pictures_is_not() -> None:
    frames = _frames()
    assert tn._is_flash(frames, FLASH) and tn._is_flash(frames, FLASH + 2)
    assert not tn._is_flash(frames, 50)  # a cut
    base = _texture(9).astype(np.float32)
    drift = [np.clip(base + 6.0 * k / 12, 0, 255).astype(np.uint8) for k in range(40)]
    assert not tn._is_flash(np.stack(drift), 20)


class _Echo:
    """Stands in for TransNetV2: a frame's score is its red corner pixel / 255, and each call
    records the frame numbers (green and blue corner pixels) it was given."""

    def __init__(self) -> None:
        self.windows: list[list[int]] = []

    def predict_raw(self, window: Any) -> tuple[Any, None]:
        corner = window[0, :, 0, 0].long()
        self.windows.append([int(v) for v in corner[:, 1] + 256 * corner[:, 2]])
        return window[:, :, :1, 0, 0].float() / 255.0, None


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> _Echo:
    pytest.importorskip("torch", reason="the ml extra is not installed")
    network = _Echo()
    monkeypatch.setattr(tn, "_model", [network])
    return network


def _numbered(frames: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    out = frames.copy()
    out[:, 0, 0, 0] = 0
    out[:, 0, 0, 1] = np.arange(len(out)) % 256
    out[:, 0, 0, 2] = np.arange(len(out)) // 256
    return out


@pytest.mark.ml
def test_each_window_scores_its_frames_with_context_either_side(echo: _Echo) -> None:
    frames = _numbered(_frames())
    frames[[3, 120, 298], 0, 0, 0] = 255
    scores = tn.predict_ranges(frames, [(0, 10), (115, 125), (290, 299)])
    c = tn.CONTEXT
    assert echo.windows[0] == [0] * (c + 1) + list(range(1, 11 + c))  # the start repeated
    assert echo.windows[1] == list(range(115 - c, 126 + c))
    assert echo.windows[2] == list(range(290 - c, 300)) + [299] * c  # the end repeated
    scored = np.flatnonzero(~np.isnan(scores))
    assert list(scored) == [*range(0, 11), *range(115, 126), *range(290, 300)]
    assert list(np.flatnonzero(scores[scored] > 0.5)) == [3, 11 + 5, 22 + 8]


@pytest.mark.ml
def test_the_network_decides_the_checked_calls(echo: _Echo) -> None:
    frames = _numbered(_frames())
    # It fires on frame 1 (a boundary at 2: too near the start), on 98-100 (three frames over
    # the threshold, but the picture jumps at 100: a cut), on 103 (a boundary at 104, too
    # near 100) and on 149 (a one-frame call confirming the dissolve at 150, where the
    # picture does not jump). It finds nothing at the uncalled jump at 250.
    frames[[1, 98, 99, 100, 103, 149], 0, 0, 0] = 255
    boundaries, through = tn.accurate_boundaries(_findings(), frames)
    assert boundaries == [(50, "cut"), (100, "cut"), (150, "dissolve"), (200, "fade")]
    scored = {f for window in echo.windows for f in window}
    assert 50 not in scored and 200 not in scored  # what stands is never scored
    assert through == sum(len(w) for w in echo.windows) < N


@pytest.mark.ml
def test_a_network_call_on_a_flash_is_dropped(echo: _Echo) -> None:
    frames = _numbered(_frames())
    frames[FLASH - 1, 0, 0, 0] = 255  # a boundary at the flash's first frame
    calls = [*CALLS, (FLASH + 1, "dissolve")]  # a ramp the fast detector saw in the flash
    boundaries, _ = tn.accurate_boundaries(_findings(calls), frames)
    assert [f for f, _ in boundaries if f > 250] == []
    assert any(FLASH in window for window in echo.windows)


def _from_grey(pictures: list[npt.NDArray[np.float32]]
               ) -> tuple[FileFindings, npt.NDArray[np.uint8]]:
    """Pass 1 for real on grey pictures: the fast detector's findings and the 48x27 frames."""
    grey = [np.clip(p, 0, 255).astype(np.uint8) for p in pictures]
    features = [frame_features(g) for g in grey]
    thumbs = np.stack([f[0] for f in features])
    hists = np.stack([f[1] for f in features])
    n = len(grey)
    findings = FileFindings("g", n / 25, 25.0)
    times = [k / 25 for k in range(n)]
    findings.shots = shots_from_boundaries("g", detect_boundaries(thumbs, hists, 25.0), times,
                                           list(range(n)), end_time=n / 25, end_frame=n)
    idx = np.arange(1, n)
    findings.series["shot_change"] = np.concatenate(
        [[0.0], _distance(thumbs, hists, idx - 1, idx)]).astype(np.float32)
    findings.series["shot_luma"] = thumbs.mean(axis=1).astype(np.float32)
    findings.series["frame_times"] = np.asarray(times, dtype=np.float32)
    small = [cv2.resize(g, (48, 27), interpolation=cv2.INTER_AREA) for g in grey]
    return findings, _numbered(np.stack([np.repeat(g[..., None], 3, axis=2) for g in small]))


@pytest.mark.ml
def test_the_jumps_into_and_out_of_black_belong_to_the_dip(echo: _Echo) -> None:
    a, b = (np.kron(np.random.default_rng(seed).integers(30, 220, size=(9, 16)),
                    np.ones((20, 20))).astype(np.float32) for seed in (1, 2))  # 320x180
    pictures = [a] * 60 + [a * 0] * 16 + [b] * 60
    findings, frames = _from_grey(pictures)
    frames[[59, 75], 0, 0, 0] = 255  # the network would call both jumps cuts
    boundaries, _ = tn.accurate_boundaries(findings, frames)
    assert boundaries == [(67, "fade")]  # the fast detector's fade, and nothing else
    assert echo.windows == []
