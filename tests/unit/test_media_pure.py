from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editron.domain.media import MediaProbe
from editron.media.derivatives import (
    PEAKS_PER_SECOND,
    build_derivative_args,
    plan_derivatives,
    sprite_grid,
    waveform_peaks,
)
from editron.media.ffmpeg import parse_progress_block
from editron.media.probe import is_variable_frame_rate, rotated_size

VIDEO = MediaProbe(container="mov", duration_seconds=250.0, has_video=True, has_audio=True,
                   codec="h264", width=1920, height=1080, fps=25.0)


def test_rotation_swaps_display_size() -> None:
    assert rotated_size(1920, 1080, 90) == (1080, 1920)
    assert rotated_size(1920, 1080, 270) == (1080, 1920)
    assert rotated_size(1920, 1080, 180) == (1920, 1080)


def test_vfr_heuristic() -> None:
    cfr = [i / 30 for i in range(120)]
    assert not is_variable_frame_rate(cfr)
    vfr = [i / 30 for i in range(60)] + [2 + i / 10 for i in range(30)]
    assert is_variable_frame_rate(vfr)
    jittery_cfr = [i / 30 + (0.001 if i % 7 == 0 else 0) for i in range(120)]
    assert not is_variable_frame_rate(jittery_cfr)


def test_sprite_grid_has_at_most_100_tiles() -> None:
    grid = sprite_grid(VIDEO)
    assert grid.interval == 3.0 and grid.count == 84
    assert grid.columns == 10 and grid.rows == 9
    assert (grid.tile_width, grid.tile_height) == (160, 90)


def test_hot_plan_is_one_process_with_every_output(tmp_path: Path) -> None:
    plan = plan_derivatives(VIDEO, tmp_path, tier="hot")
    args = build_derivative_args(Path("/in/clip.mov"), VIDEO, plan)
    assert args.count("-i") == 1, "one decode pass per file"
    assert str(tmp_path / "proxy.mp4") in args and str(tmp_path / "sprite.jpg") in args
    assert str(tmp_path / "poster.jpg") in args and str(tmp_path / "peaks.pcm") in args
    assert "+faststart" in args
    graph = args[args.index("-filter_complex") + 1]
    assert "split=3" in graph and "tile=10x9" in graph


def test_warm_and_cold_plans(tmp_path: Path) -> None:
    warm = build_derivative_args(Path("a.mov"), VIDEO, plan_derivatives(VIDEO, tmp_path,
                                                                         tier="warm"))
    assert str(tmp_path / "proxy.mp4") not in warm and str(tmp_path / "sprite.jpg") in warm
    assert str(tmp_path / "peaks.pcm") not in warm
    cold = build_derivative_args(Path("a.mov"), VIDEO, plan_derivatives(VIDEO, tmp_path,
                                                                         tier="cold"))
    assert "-map" not in cold


def test_audio_only_plan_makes_no_images(tmp_path: Path) -> None:
    audio = MediaProbe(container="wav", duration_seconds=10, has_video=False, has_audio=True)
    args = build_derivative_args(Path("a.wav"), audio, plan_derivatives(audio, tmp_path,
                                                                        tier="hot"))
    assert str(tmp_path / "proxy.m4a") in args and not any(a.endswith(".jpg") for a in args)


def test_waveform_peaks() -> None:
    rate = 8000
    t = np.arange(rate * 2) / rate
    samples = (np.sin(2 * np.pi * 100 * t) * 16000).astype(np.int16)
    samples[rate:] = 0  # second half silent
    peaks = waveform_peaks(samples, sample_rate=rate)
    assert len(peaks) == 2 * PEAKS_PER_SECOND
    assert peaks[0][1] == pytest.approx(16000 / 32768, abs=0.01)
    assert peaks[-1] == [0.0, 0.0]
    assert waveform_peaks(np.zeros(0, dtype=np.int16), sample_rate=rate) == []


def test_progress_block_parsing() -> None:
    block = {"out_time_us": "5000000", "fps": "120.5", "speed": "4.1x", "progress": "continue"}
    progress = parse_progress_block(block, 20.0)
    assert progress.out_time == 5.0 and progress.percent == 25.0
    assert progress.fps == 120.5 and progress.speed == 4.1 and not progress.done
    end = parse_progress_block({"out_time_us": "N/A", "progress": "end"}, 20.0)
    assert end.done and end.percent == 100.0
