"""The decode pass's per-frame work, on frames made in memory (no media files): one reused
scaler gives the same pixels as scaling each frame afresh, and the cheaper shot features and
motion measures equal the straightforward numpy versions they replaced."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from av.video.reformatter import VideoReformatter

from editron.analysis.base import FileContext, FileFindings, FrameSample
from editron.analysis.brief import parse_brief
from editron.analysis.shots_fast import BINS, THUMB, frame_features
from editron.analysis.visual import SMALL, VisualSignals
from editron.domain.media import MediaProbe


def _yuv_frame(seed: int, width: int = 1920, height: int = 1080) -> av.VideoFrame:
    rng = np.random.default_rng(seed)
    rgb = (rng.random((height // 8, width // 8, 3)) * 255).astype(np.uint8)
    rgb = np.kron(rgb, np.ones((8, 8, 1), np.uint8))  # blocks, so scaling has work to do
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")


def test_one_scaler_for_the_file_matches_scaling_each_frame_afresh() -> None:
    scaler = VideoReformatter()
    # A size change mid-file (a resolution switch) must not reuse the stale scaler setup.
    frames = [_yuv_frame(1), _yuv_frame(2), _yuv_frame(3, 1280, 720), _yuv_frame(4)]
    for frame in frames:
        for fmt in ("gray", "rgb24"):
            fresh = frame.to_ndarray(width=320, height=180, format=fmt)
            reused = scaler.reformat(frame, width=320, height=180, format=fmt).to_ndarray()
            assert reused.shape == fresh.shape
            assert np.array_equal(reused, fresh)


def _reference_features(gray: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float64],
                                                                 npt.NDArray[np.float64]]:
    h, w = gray.shape
    th, tw = THUMB
    cropped = gray[: h - h % th, : w - w % tw].astype(np.float64)
    thumb = cropped.reshape(th, cropped.shape[0] // th, tw, cropped.shape[1] // tw).mean(
        axis=(1, 3))
    hist = np.bincount((gray >> 3).ravel(), minlength=BINS).astype(np.float64)
    return thumb.ravel(), hist / hist.sum()


def test_shot_features_are_block_means_and_a_luma_histogram() -> None:
    rng = np.random.default_rng(7)
    for shape in ((180, 320), (184, 330), (568, 320)):  # exact, cropped, portrait
        gray = (rng.random(shape) * 255).astype(np.uint8)
        thumb, hist = frame_features(gray)
        want_thumb, want_hist = _reference_features(gray)
        assert thumb.dtype == hist.dtype == np.float32
        assert thumb.shape == (THUMB[0] * THUMB[1],) and hist.shape == (BINS,)
        assert np.allclose(thumb, want_thumb, atol=1e-3)
        assert np.allclose(hist, want_hist, atol=1e-6)


def _context(tmp_path: Path) -> FileContext:
    info = MediaProbe(container="mov,mp4", duration_seconds=1.0, has_video=True,
                      has_audio=False, width=320, height=180, fps=25.0)
    return FileContext("f", tmp_path / "x.mp4", info, parse_brief(None), tmp_path)


def test_motion_and_its_centre_follow_a_moving_box(tmp_path: Path) -> None:
    visual = VisualSignals(_context(tmp_path))
    frames = []
    for k in range(10):
        gray = np.full((180, 320), 60, np.uint8)
        x = 40 + 20 * k
        gray[20:60, x: x + 40] = 220  # a box sweeping right along the top band
        frames.append(gray)
        visual.on_frame(FrameSample(2 * k, k * 0.08, gray))  # every other frame decoded
    findings = FileFindings("f", 1.0, 25.0)
    visual.finish(findings)
    motion, cx, cy = (findings.series[k] for k in ("motion", "motion_cx", "motion_cy"))
    assert motion[0] == 0.0
    # The straightforward version: mean absolute change of the 64x36 frames per source frame
    # (a gap of 2 here), and the change-weighted mean pixel position.
    small = [cv2.resize(f, SMALL, interpolation=cv2.INTER_AREA).astype(np.float64)
             for f in frames]
    ys, xs = np.indices(small[0].shape)
    for k in range(1, len(small)):
        diff = np.abs(small[k] - small[k - 1])
        assert abs(motion[k] - diff.mean() / 255.0 / 2) < 1e-6
        assert abs(cx[k] - (xs * diff).sum() / diff.sum() / SMALL[0]) < 1e-4
        assert abs(cy[k] - (ys * diff).sum() / diff.sum() / SMALL[1]) < 1e-4
    assert np.all(cx[2:] > cx[1:-1])  # the centre of change moves right with the box
    assert np.all(cy[1:] < 0.35)  # and stays in the top band
