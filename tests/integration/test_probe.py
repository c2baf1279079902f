"""probe() against every kind of file in the session media set (real PyAV)."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from editron.errors import ProbeError
from editron.media.probe import probe
from tests.media_factory import MEDIA_SET, make_truncated

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
MKV = "matroska,webm"
GOOD = ["clip.mp4", "clip.mov", "clip.mkv", "clip.webm", "timecode.mov", "vfr.mp4",
        "portrait.mp4", "portrait_hd.mp4", "hd.mp4", "video_only.mp4", "audio_only.wav"]
BAD = {
    "empty.mp4": "file is empty (0 bytes)",
    "truncated.mp4": "truncated: the 'mdat' box needs",
    "truncated_no_moov.mp4": "moov atom not found",
    "truncated_unsized.mkv": "truncated: data stops at",
    "notes.txt": "not a media file: no audio or video streams",
}


def test_the_media_set_is_fully_covered() -> None:
    assert set(GOOD) | set(BAD) == set(MEDIA_SET)


@pytest.mark.parametrize(
    ("name", "container", "codec", "audio_codec", "duration", "frames"),
    [
        ("clip.mp4", MP4, "h264", "aac", 2.0, 50),
        ("clip.mov", MP4, "h264", "aac", 1.5, 37),
        ("clip.mkv", MKV, "h264", "aac", 1.5, 37),
        ("clip.webm", MKV, "vp9", "opus", 1.5, 37),
    ],
)
def test_probe_containers(media_dir: Path, name: str, container: str, codec: str,
                          audio_codec: str, duration: float, frames: int) -> None:
    info = probe(media_dir / name)
    assert info.container == container and info.codec == codec and info.has_video
    assert info.resolution == "320x240" and info.rotation == 0
    assert info.fps == 25.0 and not info.is_vfr
    assert info.frame_count is not None and abs(info.frame_count - frames) <= 1
    assert info.has_audio and info.audio is not None and info.audio.codec == audio_codec
    assert info.audio.sample_rate == 48000 and info.audio.channels == 1
    assert info.duration_seconds == pytest.approx(duration, abs=0.05)
    assert info.bit_rate is not None and info.bit_rate > 0


@pytest.mark.parametrize(("name", "resolution"), [("portrait.mp4", "240x320"),
                                                   ("portrait_hd.mp4", "720x1280")])
def test_rotation_is_applied_to_resolution(media_dir: Path, name: str,
                                           resolution: str) -> None:
    info = probe(media_dir / name)
    assert info.rotation in (90, 270) and info.resolution == resolution


def test_vfr_flagged_only_for_the_vfr_clip(media_dir: Path) -> None:
    vfr = probe(media_dir / "vfr.mp4")
    assert vfr.is_vfr and vfr.frame_count == 45 + 15  # 1.5 s at 30 fps, 1.5 s at 10 fps
    assert vfr.fps is not None and 10 < vfr.fps < 30  # the average rate
    for name in GOOD:
        if name not in ("vfr.mp4", "audio_only.wav"):
            assert not probe(media_dir / name).is_vfr, name


def test_video_only_and_audio_only(media_dir: Path) -> None:
    video = probe(media_dir / "video_only.mp4")
    assert video.has_video and not video.has_audio and video.audio is None
    assert video.duration_seconds == pytest.approx(1.0, abs=0.05)
    audio = probe(media_dir / "audio_only.wav")
    assert audio.has_audio and not audio.has_video and audio.resolution is None
    assert audio.codec is None and audio.fps is None
    assert audio.container == "wav" and audio.audio is not None
    assert audio.audio.codec == "pcm_s16le" and audio.audio.sample_rate == 48000
    assert audio.duration_seconds == pytest.approx(2.0, abs=0.01)


def test_timecode_and_creation_time_are_read(media_dir: Path) -> None:
    info = probe(media_dir / "timecode.mov")
    assert info.timecode == "01:00:00:00"
    assert info.creation_time is not None and info.creation_time.startswith("2024-05-01T10:00")
    plain = probe(media_dir / "clip.mp4")
    assert plain.timecode is None and plain.creation_time is None


@pytest.mark.parametrize(("name", "reason"), sorted(BAD.items()))
def test_bad_files_name_the_file_and_reason(media_dir: Path, name: str, reason: str) -> None:
    with pytest.raises(ProbeError, match=re.escape(reason)) as caught:
        probe(media_dir / name)
    assert caught.value.path == str(media_dir / name) and name in str(caught.value)


@pytest.mark.parametrize("name", ["clip.mov", "clip.mkv", "clip.webm", "audio_only.wav"])
@pytest.mark.parametrize("keep", [0.2, 0.9])
def test_cut_copies_of_every_container_are_caught(media_dir: Path, tmp_path: Path, name: str,
                                                  keep: float) -> None:
    cut = make_truncated(media_dir / name, tmp_path / name, keep_fraction=keep)
    with pytest.raises(ProbeError, match="truncated"):
        probe(cut)


def test_garbage_media_data_is_corrupt(media_dir: Path, tmp_path: Path) -> None:
    """Header and index intact, data scrambled (bad disk, broken transfer): decoding the
    first frames notices."""
    data = bytearray((media_dir / "video_only.mp4").read_bytes())
    start = data.find(b"mdat") + 4
    rng = random.Random(7)
    data[start:] = bytes(rng.getrandbits(8) for _ in range(len(data) - start))
    bad = tmp_path / "scrambled.mp4"
    bad.write_bytes(bytes(data))
    with pytest.raises(ProbeError, match="truncated or corrupt: video does not decode"):
        probe(bad)


def test_subtitles_alone_are_not_media(tmp_path: Path) -> None:
    srt = tmp_path / "captions.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n\n")
    with pytest.raises(ProbeError, match="not a media file: no audio or video streams"):
        probe(srt)


def test_missing_file_is_a_probe_error(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="cannot read file"):
        probe(tmp_path / "gone.mp4")


def test_name_with_unusual_characters(media_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "Keynote – día 1 (final).mov"
    shutil.copy(media_dir / "clip.mov", odd)
    assert probe(odd).resolution == "320x240"
