from __future__ import annotations

import json
from pathlib import Path

import pytest

from editron.errors import ProbeError
from editron.media.derivatives import make_derivatives
from editron.media.probe import probe


@pytest.mark.parametrize(
    ("name", "container", "codec", "audio_codec"),
    [
        ("clip.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac"),
        ("clip.mov", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac"),
        ("clip.mkv", "matroska,webm", "h264", "aac"),
        ("clip.webm", "matroska,webm", "vp9", "opus"),
    ],
)
def test_probe_containers(media_dir: Path, name: str, container: str, codec: str,
                          audio_codec: str) -> None:
    info = probe(media_dir / name)
    assert info.container == container and info.codec == codec
    assert info.resolution == "320x240" and info.fps == 25.0 and not info.is_vfr
    assert info.has_audio and info.audio is not None and info.audio.codec == audio_codec
    assert info.audio.sample_rate == 48000
    expected = 2.0 if name == "clip.mp4" else 1.5
    assert info.duration_seconds == pytest.approx(expected, abs=0.05)


def test_rotation_is_applied_to_resolution(media_dir: Path) -> None:
    info = probe(media_dir / "portrait.mp4")
    assert info.rotation in (90, 270) and info.resolution == "240x320"


def test_vfr_flagged(media_dir: Path) -> None:
    assert probe(media_dir / "vfr.mp4").is_vfr
    assert not probe(media_dir / "clip.mp4").is_vfr


def test_video_only_and_audio_only(media_dir: Path) -> None:
    video = probe(media_dir / "video_only.mp4")
    assert video.has_video and not video.has_audio and video.audio is None
    audio = probe(media_dir / "audio_only.wav")
    assert audio.has_audio and not audio.has_video and audio.resolution is None
    assert audio.audio is not None and audio.audio.codec == "pcm_s16le"
    assert audio.duration_seconds == pytest.approx(2.0, abs=0.01)


def test_timecode_is_read(media_dir: Path) -> None:
    assert probe(media_dir / "timecode.mov").timecode == "01:00:00:00"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.mp4", "file is empty"),
        ("truncated.mp4", "truncated"),
        ("notes.txt", "not a media file"),
    ],
)
def test_bad_files_name_the_file_and_reason(media_dir: Path, name: str, reason: str) -> None:
    with pytest.raises(ProbeError, match=reason) as caught:
        probe(media_dir / name)
    assert name in str(caught.value)


def test_truncated_matroska_is_caught(media_dir: Path, tmp_path: Path) -> None:
    data = (media_dir / "clip.mkv").read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProbeError, match="truncated"):
        probe(cut)


def _moov_before_mdat(path: Path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_hot_derivatives(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "clip.mp4"
    made = make_derivatives(source, tmp_path, probe(source), tier="hot")
    assert made.proxy is not None and made.poster and made.sprite and made.waveform
    proxy = probe(made.proxy)
    # Proxies are at most 540 lines on the short side; smaller sources keep their size.
    assert proxy.resolution == "320x240" and proxy.has_audio and proxy.codec == "h264"
    assert _moov_before_mdat(made.proxy), "proxy must be fast-start"
    grid = json.loads(made.sprite_index.read_text()) if made.sprite_index else {}
    from PIL import Image

    with Image.open(made.sprite) as sheet:
        assert sheet.size == (grid["columns"] * grid["tile_width"],
                              grid["rows"] * grid["tile_height"])
    peaks = json.loads(made.waveform.read_text())
    assert len(peaks["peaks"]) == pytest.approx(2.0 * peaks["peaks_per_second"], abs=1)
    assert max(hi for _, hi in peaks["peaks"]) > 0.1


def test_proxy_of_large_source_is_540p_portrait_kept(media_dir: Path, tmp_path: Path) -> None:
    from tests.media_factory import make_clip

    big = make_clip(tmp_path / "hd.mp4", seconds=1.0, size="1280x720")
    made = make_derivatives(big, tmp_path / "out", probe(big), tier="hot")
    assert made.proxy is not None and probe(made.proxy).resolution == "960x540"
    portrait = media_dir / "portrait.mp4"
    made = make_derivatives(portrait, tmp_path / "p", probe(portrait), tier="hot")
    assert made.proxy is not None and probe(made.proxy).resolution == "240x320"
    assert made.waveform is None  # video only


def test_warm_and_cold_tiers(media_dir: Path, tmp_path: Path) -> None:
    source = media_dir / "clip.mov"
    warm = make_derivatives(source, tmp_path / "w", probe(source), tier="warm")
    assert warm.proxy is None and warm.waveform is None and warm.poster and warm.sprite
    cold = make_derivatives(source, tmp_path / "c", probe(source), tier="cold")
    assert cold.proxy is None and cold.poster is None and not (tmp_path / "c").exists()
