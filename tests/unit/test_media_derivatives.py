"""Pure parts of the derivatives pass: the plan per tier, ffmpeg arguments, sprite grid, peaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from editron.domain.media import MediaProbe
from editron.errors import InputError
from editron.media.derivatives import (
    MAX_TILES,
    build_derivative_args,
    plan_derivatives,
    sprite_grid,
)
from editron.media.waveform import (
    PEAKS_PER_SECOND,
    expected_peak_count,
    peaks_document,
    waveform_peaks,
)

VIDEO = MediaProbe(container="mov", duration_seconds=250.0, has_video=True, has_audio=True,
                   codec="h264", width=1920, height=1080, fps=25.0, frame_count=6250)
PORTRAIT = MediaProbe(container="mov", duration_seconds=30.0, has_video=True, has_audio=False,
                      codec="h264", width=1080, height=1920, rotation=90, fps=30.0)
AUDIO = MediaProbe(container="wav", duration_seconds=10, has_video=False, has_audio=True)


def _output_group(args: list[str], path: Path) -> list[str]:
    """The options that belong to one output: from after the filter graph or the previous
    output path up to and including ``path``."""
    end = args.index(str(path))
    bounds = [args.index("-filter_complex") + 1]
    bounds += [i for i, a in enumerate(args[:end]) if a.endswith((".mp4", ".m4a", ".jpg"))]
    return args[max(bounds) + 1:end + 1]


def test_sprite_grid_has_at_most_100_tiles() -> None:
    grid = sprite_grid(VIDEO)
    assert grid.interval == 3.0 and grid.count == 84
    assert grid.columns == 10 and grid.rows == 9
    assert (grid.tile_width, grid.tile_height) == (160, 90)
    doc = grid.as_dict()
    assert doc["width"] == 1600 and doc["height"] == 810 and doc["image"] == "sprite.jpg"


def test_portrait_tiles_are_portrait() -> None:
    grid = sprite_grid(PORTRAIT)
    assert (grid.tile_width, grid.tile_height) == (90, 160)
    assert grid.interval == 1.0 and grid.count == 30 and (grid.columns, grid.rows) == (10, 3)


def test_short_clip_has_one_tile() -> None:
    short = MediaProbe(container="mp4", duration_seconds=0.4, has_video=True, has_audio=False,
                       width=320, height=240)
    grid = sprite_grid(short)
    assert (grid.count, grid.columns, grid.rows) == (1, 1, 1)


@given(st.floats(min_value=0.05, max_value=48 * 3600))
def test_sprite_grid_bounds(duration: float) -> None:
    probe = MediaProbe(container="mp4", duration_seconds=duration, has_video=True,
                       has_audio=False, width=1280, height=720)
    grid = sprite_grid(probe)
    assert 1 <= grid.count <= MAX_TILES
    assert grid.columns * grid.rows >= grid.count > (grid.rows - 1) * grid.columns
    assert grid.interval * grid.count >= duration > grid.interval * (grid.count - 1)
    assert grid.tile_width % 2 == 0 and grid.tile_height % 2 == 0


def test_hot_plan_is_one_process_with_every_output(tmp_path: Path) -> None:
    plan = plan_derivatives(VIDEO, tmp_path, tier="hot")
    args = build_derivative_args(Path("/in/clip.mov"), VIDEO, plan)
    assert args.count("-i") == 1 and args[:2] == ["-i", "/in/clip.mov"], "one decode pass"
    graph = args[args.index("-filter_complex") + 1]
    # the full-size frames are scaled once; proxy, poster and sprite come from that
    assert graph.startswith("[0:v:0]scale=") and graph.count("min(540,") == 2
    assert ",format=yuv420p,split=3[v0][v1][v2];[v0]null[proxy]" in graph
    assert "tile=10x9" in graph and "fps=1/3" in graph
    assert "aresample=8000" in graph and "mono" in graph
    proxy = _output_group(args, tmp_path / "proxy.mp4")
    assert proxy[:2] == ["-map", "[proxy]"] and "libx264" in proxy and "aac" in proxy
    assert proxy[proxy.index("-movflags") + 1] == "+faststart"
    assert proxy[proxy.index("-preset") + 1] == "ultrafast"  # ingest stays decode-bound
    assert "0:a:0" in proxy
    poster = _output_group(args, tmp_path / "poster.jpg")
    assert poster[:2] == ["-map", "[poster]"] and "-frames:v" in poster
    # 10 % of 250 s is capped at 5 s: frame 125 at 25 fps
    assert "trim=start_frame=125:end_frame=126" in graph  # the branch ends at the poster
    sprite = _output_group(args, tmp_path / "sprite.jpg")
    assert sprite[:2] == ["-map", "[sprite]"]
    pcm = _output_group(args, tmp_path / "peaks.pcm")
    assert pcm[:2] == ["-map", "[pcm]"] and "s16le" in pcm


def test_proxy_scale_limits_the_short_side() -> None:
    args = build_derivative_args(Path("a.mov"), VIDEO, plan_derivatives(VIDEO, Path("o"),
                                                                         tier="hot"))
    graph = args[args.index("-filter_complex") + 1]
    assert "min(540,ih)" in graph and "min(540,iw)" in graph and "-2" in graph
    # the proxy only shrinks: area averaging, not swscale's costlier default bicubic
    assert "-2)':flags=area," in graph


def test_warm_plan_has_images_only(tmp_path: Path) -> None:
    warm = build_derivative_args(Path("a.mov"), VIDEO, plan_derivatives(VIDEO, tmp_path,
                                                                         tier="warm"))
    assert str(tmp_path / "proxy.mp4") not in warm and str(tmp_path / "peaks.pcm") not in warm
    assert str(tmp_path / "sprite.jpg") in warm and str(tmp_path / "poster.jpg") in warm
    graph = warm[warm.index("-filter_complex") + 1]
    assert graph.startswith("[0:v:0]split=2") and "min(540" not in graph  # no proxy scale


def test_cold_plan_runs_nothing(tmp_path: Path) -> None:
    plan = plan_derivatives(VIDEO, tmp_path, tier="cold")
    assert plan.outputs == [] and build_derivative_args(Path("a.mov"), VIDEO, plan) == []


def test_audio_only_plans(tmp_path: Path) -> None:
    hot = build_derivative_args(Path("a.wav"), AUDIO, plan_derivatives(AUDIO, tmp_path,
                                                                       tier="hot"))
    assert str(tmp_path / "proxy.m4a") in hot and str(tmp_path / "peaks.pcm") in hot
    assert not any(a.endswith(".jpg") for a in hot) and "split" not in " ".join(hot)
    assert build_derivative_args(Path("a.wav"), AUDIO,
                                 plan_derivatives(AUDIO, tmp_path, tier="warm")) == []


def test_video_only_has_no_waveform(tmp_path: Path) -> None:
    plan = plan_derivatives(PORTRAIT, tmp_path, tier="hot")
    args = build_derivative_args(Path("p.mp4"), PORTRAIT, plan)
    assert plan.pcm is None and "0:a:0" not in " ".join(args)
    assert str(tmp_path / "proxy.mp4") in args


def test_unknown_tier_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown storage tier 'lukewarm'"):
        plan_derivatives(VIDEO, tmp_path, tier="lukewarm")


def test_waveform_peaks() -> None:
    rate = 8000
    t = np.arange(rate * 2) / rate
    samples = (np.sin(2 * np.pi * 100 * t) * 16000).astype(np.int16)
    samples[rate:] = 0  # second half silent
    peaks = waveform_peaks(samples, sample_rate=rate)
    assert len(peaks) == 2 * PEAKS_PER_SECOND
    assert peaks[0][1] == pytest.approx(16000 / 32768, abs=0.01)
    assert peaks[0][0] == pytest.approx(-16000 / 32768, abs=0.01)
    assert peaks[-1] == [0.0, 0.0]
    assert waveform_peaks(np.zeros(0, dtype=np.int16), sample_rate=rate) == []


def test_partial_last_bucket_is_not_padded() -> None:
    samples = np.full(8000 + 100, 8192, dtype=np.int16)  # 1 s and a bit, constant level
    peaks = waveform_peaks(samples, sample_rate=8000)
    assert len(peaks) == PEAKS_PER_SECOND + 1 == expected_peak_count(8100 / 8000)
    assert peaks[-1] == [0.25, 0.25]  # not pulled to zero by padding


def test_full_scale_extremes() -> None:
    samples = np.array([-32768, 32767] * 200, dtype=np.int16)  # one 400-sample bucket
    assert waveform_peaks(samples, sample_rate=8000) == [[-1.0, 1.0]]


def test_peaks_document() -> None:
    doc = peaks_document(np.zeros(8000 * 3, dtype=np.int16))
    assert doc["version"] == 1 and doc["peaks_per_second"] == PEAKS_PER_SECOND
    assert doc["count"] == len(doc["peaks"]) == 60 and doc["duration"] == 3.0
    assert doc["scale"] == "full_scale"
