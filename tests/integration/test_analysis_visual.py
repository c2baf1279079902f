"""Picture analysis on generated footage with known truth: faces on a real photograph, per-shot
exposure and motion, and spool contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.media.probe import probe
from tests.analysis_fixtures import make_face_clip
from tests.media_factory import run_ffmpeg

pytest.importorskip("skimage", reason="scikit-image (dev extra) ships the face photograph")


def test_face_found_on_the_photograph_shot_only(tmp_path: Path) -> None:
    clip = make_face_clip(tmp_path / "face.mp4", before=3.0, face=3.0)
    ctx = FileContext("face", clip, probe(clip), parse_brief(None), tmp_path / "w")
    result, _ = analyze_files([ctx], max_iterations=2, transcriber=None)
    assert len(result.shots) == 2, result.shots
    assert abs(result.shots[1].start - 3.0) <= 0.08
    gradient, photo = result.shot_signals
    assert gradient.faces == 0
    assert photo.faces >= 1
    # The photograph (360x360) sits at x 140..500 of a 640x360 frame; its face spans about
    # x 0.33-0.55 and y 0.08-0.32 of the photograph. One box must lie on it.
    def on_face(x: float, y: float, w: float, h: float) -> bool:
        cx, cy = (x + w / 2) * 640, (y + h / 2) * 360
        return 140 + 0.30 * 360 <= cx <= 140 + 0.58 * 360 and 0.05 * 360 <= cy <= 0.35 * 360

    assert any(on_face(b.x, b.y, b.w, b.h) for b in photo.face_boxes), photo.face_boxes
    assert all(3.0 - 0.05 <= b.t < 6.0 for b in photo.face_boxes)


def test_black_and_moving_shots_measured(tmp_path: Path) -> None:
    clip = tmp_path / "exposure.mp4"
    # 2 s black, then a white box sweeping across grey (fast motion, mid exposure).
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:size=320x180:rate=25:duration=2",
                "-f", "lavfi", "-i", "color=c=gray:size=320x180:rate=25:duration=2",
                "-f", "lavfi", "-i", "color=c=white:size=40x40:rate=25:duration=2",
                "-filter_complex", "[1:v][2:v]overlay=x='t*140':y=70[m];"
                "[0:v][m]concat=n=2:v=1:a=0,format=yuv420p[v]", "-map", "[v]",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", str(clip)])
    ctx = FileContext("exp", clip, probe(clip), parse_brief(None), tmp_path / "w")
    result, _ = analyze_files([ctx], max_iterations=1)
    black, moving = result.shot_signals
    assert black.brightness < 20 and black.motion == 0.0
    assert 90 < moving.brightness < 160
    # A 40 px box is ~3 % of the picture: motion is small but clearly above a still shot's 0.
    assert moving.motion > 0.02
    assert moving.motion_center is not None
    assert 0.3 < moving.motion_center[1] < 0.7  # the box runs along the middle band
