"""make_derivatives() per storage tier with the real ffmpeg: proxies, posters, sprites, peaks."""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editron.errors import MediaError, ProcessCancelledError, ProcessError
from editron.media.derivatives import make_derivatives
from editron.media.ffmpeg import FfmpegProgress
from editron.media.probe import probe
from tests.media_factory import make_busy_clip


def _top_level_boxes(path: Path) -> list[str]:
    data, pos, kinds = path.read_bytes(), 0, []
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        kinds.append(kind.decode())
        pos += size
    return kinds


def _is_faststart(path: Path) -> bool:
    boxes = _top_level_boxes(path)
    return boxes.index("moov") < boxes.index("mdat")


def test_hot_video_with_audio(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "clip.mp4"
    info = probe(source)
    seen: list[FfmpegProgress] = []
    made = make_derivatives(source, tmp_path, info, tier="hot", progress=seen.append)
    assert seen and seen[-1].done and seen[-1].percent == 100.0
    assert made.proxy == tmp_path / "proxy.mp4" and made.poster and made.sprite
    assert made.sprite_index and made.waveform
    proxy = probe(made.proxy)
    # The proxy's short side is 540 at most; a smaller source keeps its size.
    assert proxy.resolution == "320x240" and proxy.codec == "h264" and proxy.rotation == 0
    assert proxy.audio is not None and proxy.audio.codec == "aac" and proxy.audio.channels == 2
    assert proxy.duration_seconds == pytest.approx(info.duration_seconds, abs=0.1)
    assert _is_faststart(made.proxy), "proxy must be fast-start (moov before mdat)"
    with Image.open(made.poster) as poster:
        assert poster.format == "JPEG" and poster.size == (320, 240)
    assert not (tmp_path / "peaks.pcm").exists(), "the temporary PCM is removed"


def test_sprite_sheet_matches_its_grid(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "clip.mp4"
    made = make_derivatives(source, tmp_path, probe(source), tier="warm")
    assert made.sprite and made.sprite_index and made.sprite_grid
    grid = json.loads(made.sprite_index.read_text())
    assert grid["interval"] == 1.0 and grid["count"] == 2 and grid["columns"] == 2
    assert grid["image"] == "sprite.jpg" and grid["version"] == 1
    with Image.open(made.sprite) as sheet:
        assert sheet.size == (grid["columns"] * grid["tile_width"],
                              grid["rows"] * grid["tile_height"]) == (grid["width"],
                                                                      grid["height"])
        pixels = np.asarray(sheet.convert("L"), dtype=np.float32)
    w, h = grid["tile_width"], grid["tile_height"]
    tiles = [pixels[0:h, k * w:(k + 1) * w] for k in range(grid["count"])]
    assert all(tile.std() > 10 for tile in tiles), "every counted tile holds a picture"
    assert np.abs(tiles[0] - tiles[1]).mean() > 1, "tiles show different moments"


def test_waveform_peaks_follow_the_audio(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "audio_only.wav"
    info = probe(source)
    made = make_derivatives(source, tmp_path, info, tier="hot")
    assert made.poster is made.sprite is made.sprite_index is None, "no images for audio"
    assert made.proxy == tmp_path / "proxy.m4a"
    proxy = probe(made.proxy)
    assert not proxy.has_video and proxy.audio is not None and proxy.audio.codec == "aac"
    doc = json.loads(made.waveform.read_text()) if made.waveform else {}
    assert doc["count"] == len(doc["peaks"])
    assert len(doc["peaks"]) == pytest.approx(info.duration_seconds * doc["peaks_per_second"],
                                              abs=1)
    highs = [hi for _, hi in doc["peaks"]]
    lows = [lo for lo, _ in doc["peaks"]]
    # ffmpeg's sine source has amplitude 1/8: a steady tone well above silence
    assert all(-1.0 <= lo <= hi <= 1.0 for lo, hi in doc["peaks"])
    assert min(highs[1:-1]) > 0.05 and max(lows[1:-1]) < -0.05
    assert max(highs) - min(highs[1:-1]) < 0.05, "a steady tone draws a flat envelope"


def test_proxy_short_side_is_540(media_dir: Path, tmp_path: Path) -> None:
    hd = make_derivatives(media_dir / "hd.mp4", tmp_path / "hd", probe(media_dir / "hd.mp4"),
                          tier="hot")
    assert hd.proxy is not None and probe(hd.proxy).resolution == "960x540"
    source = media_dir / "portrait_hd.mp4"
    tall = make_derivatives(source, tmp_path / "tall", probe(source), tier="hot")
    assert tall.proxy is not None
    proxy = probe(tall.proxy)
    # Rotation is baked in: stored upright, same display aspect as the source.
    assert proxy.resolution == "540x960" and proxy.rotation == 0
    assert tall.waveform is None, "video only: no waveform"
    assert tall.sprite_grid is not None and tall.sprite_grid.tile_height == 160
    with Image.open(tall.poster or "") as poster:
        assert poster.size == (360, 640)


def test_proxy_of_busy_footage_stays_a_proxy(tmp_path: Path) -> None:
    # Noise is the worst case for an encoder: CRF alone would give the 540p proxy about the
    # original's rate (over 10 Mbit/s). The cap keeps it a proxy: small to store, cheap to
    # encode and to decode again for the analysis.
    seconds = 6
    source = make_busy_clip(tmp_path / "busy.mp4", seconds=seconds)
    made = make_derivatives(source, tmp_path / "out", probe(source), tier="hot")
    assert made.proxy is not None
    proxy_bits = made.proxy.stat().st_size * 8 / seconds
    original_bits = source.stat().st_size * 8 / seconds
    assert original_bits > 15e6, "the footage is meant to be hard to compress"
    # 3 Mbit/s plus at most the 6 Mbit buffer spent over the clip, and the container.
    assert proxy_bits < 3e6 + 6e6 / seconds + 0.3e6, f"{proxy_bits / 1e6:.1f} Mbit/s"


def test_small_portrait_keeps_its_size(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "portrait.mp4"
    made = make_derivatives(source, tmp_path, probe(source), tier="hot")
    assert made.proxy is not None and probe(made.proxy).resolution == "240x320"


def test_warm_and_cold_tiers(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "clip.mov"
    warm = make_derivatives(source, tmp_path / "w", probe(source), tier="warm")
    assert warm.proxy is None and warm.waveform is None and warm.poster and warm.sprite
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["poster.jpg", "sprite.jpg",
                                                                   "sprite.json"]
    cold = make_derivatives(source, tmp_path / "c", probe(source), tier="cold")
    assert cold.proxy is None and cold.poster is None and not (tmp_path / "c").exists()
    audio = media_dir / "audio_only.wav"
    nothing = make_derivatives(audio, tmp_path / "a", probe(audio), tier="warm")
    assert nothing.waveform is None and not (tmp_path / "a").exists()


def test_vfr_and_webm_sources(media_dir: Path, tmp_path: Path) -> None:
    for name in ("vfr.mp4", "clip.webm"):
        source = media_dir / name
        made = make_derivatives(source, tmp_path / name, probe(source), tier="hot")
        assert made.proxy is not None and made.sprite is not None
        assert probe(made.proxy).duration_seconds == pytest.approx(
            probe(source).duration_seconds, abs=0.15)


def test_failure_names_the_file_and_cleans_up(media_dir: Path, tmp_path: Path) -> None:
    info = probe(media_dir / "clip.mp4")
    bogus = tmp_path / "not_really.mp4"
    bogus.write_text("this is not a video")
    out = tmp_path / "out"
    with pytest.raises(ProcessError) as caught:
        make_derivatives(bogus, out, info, tier="hot")
    assert caught.value.path == str(bogus) and "not_really.mp4" in str(caught.value)
    assert caught.value.stderr_tail
    assert list(out.iterdir()) == [], "partial outputs are removed"


def test_cancel_stops_the_pass(media_dir: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    source = media_dir / "hd.mp4"
    with pytest.raises(ProcessCancelledError, match="cancelled"):
        make_derivatives(source, tmp_path, probe(source), tier="hot", should_cancel=cancel)
    assert not any(tmp_path.glob("proxy.*"))


def test_probe_that_does_not_match_the_file_is_reported(media_dir: Path,
                                                        tmp_path: Path) -> None:
    """A probe that claims audio the file lacks: ffmpeg cannot map it, and we say so."""
    source = media_dir / "video_only.mp4"
    with pytest.raises(ProcessError, match=r"video_only\.mp4"):
        make_derivatives(source, tmp_path, probe(media_dir / "clip.mp4"), tier="hot")


def test_missing_output_is_a_media_error(media_dir: Path, tmp_path: Path) -> None:
    """ffmpeg can exit 0 having written nothing for an output (here: a poster frame past the
    real end); the check after the run catches it."""
    source = media_dir / "clip.mp4"
    claims_longer = replace(probe(source), duration_seconds=100.0, frame_count=None)
    with pytest.raises(MediaError, match=r"ffmpeg produced no poster\.jpg") as caught:
        make_derivatives(source, tmp_path, claims_longer, tier="warm")
    assert caught.value.path == str(source) and not any(tmp_path.iterdir())
