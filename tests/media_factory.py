"""Generate small test media with ffmpeg's lavfi sources, espeak-ng and sox.

Every clip is made on demand by a session fixture; nothing binary is committed. Every clip is
fully specified (sources, sizes, rates, seeds, encoder threads), so making it twice gives the
same pictures and sound (``tests/integration/test_fixtures_repeatable.py`` checks that).
``make_media_set`` builds the ingest set behind the ``media_dir`` fixture; ``MEDIA_SET``
documents each file name (a stable contract: other tests rely on these names and facts).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import imageio_ffmpeg

__all__ = [
    "FFMPEG",
    "MEDIA_SET",
    "X264",
    "X264_THREADS",
    "make_audio_wav",
    "make_busy_clip",
    "make_clip",
    "make_media_set",
    "make_rotated_clip",
    "make_truncated",
    "make_unindexed_truncated_mp4",
    "make_unsized_truncated_mkv",
    "make_vfr_clip",
    "run_ffmpeg",
]

FFMPEG = shutil.which("ffmpeg") or imageio_ffmpeg.get_ffmpeg_exe()

# x264's pictures depend on its thread count, and its default is 1.5 x the machine's cores, so
# a clip made on a bigger machine would differ. Every fixture encode names the count: 3 is what
# x264 picks on the two-core reference machine, so the pictures the tests were tuned on stay.
X264_THREADS = ["-threads", "3"]
X264 = ["-c:v", "libx264", *X264_THREADS]

VIDEO_ARGS = {
    "mp4": [*X264, "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "mov": [*X264, "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "mkv": [*X264, "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
}
AUDIO_ARGS = {
    "mp4": ["-c:a", "aac", "-b:a", "96k"],
    "mov": ["-c:a", "aac", "-b:a", "96k"],
    "mkv": ["-c:a", "aac", "-b:a", "96k"],
    "webm": ["-c:a", "libopus", "-b:a", "64k"],
}


def run_ffmpeg(args: Sequence[str]) -> None:
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")


def make_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    size: str = "320x240",
    fps: float = 25,
    audio: bool = True,
    video: bool = True,
    source: str = "testsrc2",
    tone_hz: int = 440,
    extra: Sequence[str] = (),
) -> Path:
    """A clip in the container named by ``path``'s suffix (mp4, mov, mkv, webm)."""
    ext = path.suffix.lstrip(".")
    args: list[str] = []
    if video:
        args += ["-f", "lavfi", "-i", f"{source}=size={size}:rate={fps}:duration={seconds}"]
    if audio:
        tone = f"sine=frequency={tone_hz}:duration={seconds}:sample_rate=48000"
        args += ["-f", "lavfi", "-i", tone]
    if video:
        args += VIDEO_ARGS[ext]
    if audio:
        args += AUDIO_ARGS[ext]
    if ext in {"mp4", "mov"}:
        args += ["-movflags", "+faststart"]
    args += ["-shortest", *extra, str(path)]
    run_ffmpeg(args)
    return path


def make_vfr_clip(path: Path, *, seconds: float = 3.0) -> Path:
    """A variable-frame-rate mp4: 30 fps for the first half, 10 fps for the second."""
    half = seconds / 2
    run_ffmpeg([
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=30:duration={seconds}",
        "-vf", f"select='lt(t,{half})+not(mod(n,3))'",
        "-fps_mode", "vfr", *VIDEO_ARGS["mp4"], str(path),
    ])
    return path


def make_rotated_clip(path: Path, *, seconds: float = 1.0, rotation: int = 90,
                      size: str = "320x240") -> Path:
    """A landscape-stored clip whose display matrix turns it to portrait (no audio)."""
    plain = path.with_name(path.stem + "_plain.mp4")
    make_clip(plain, seconds=seconds, audio=False, size=size)
    run_ffmpeg(["-display_rotation", str(rotation), "-i", str(plain), "-c", "copy", str(path)])
    plain.unlink()
    return path


def make_audio_wav(path: Path, *, seconds: float = 2.0, tone_hz: int = 330) -> Path:
    run_ffmpeg([
        "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:duration={seconds}:sample_rate=48000",
        "-c:a", "pcm_s16le", str(path),
    ])
    return path


def make_busy_clip(path: Path, *, seconds: float = 6.0, size: str = "1920x1080") -> Path:
    """Video that is hard to compress: a test picture under strong temporal noise (seeded),
    encoded near-losslessly (CRF 16), so its bit rate is well above 15 Mbit/s at 1080p."""
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
                "-vf", "noise=alls=40:allf=t:all_seed=123457", *X264, "-preset", "ultrafast",
                "-crf", "16", "-pix_fmt", "yuv420p", str(path)])
    return path


def make_truncated(source: Path, path: Path, *, keep_fraction: float = 0.4) -> Path:
    """Cut a file short, as an interrupted copy would."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    return path


def make_unindexed_truncated_mp4(path: Path, *, seconds: float = 2.0,
                                 keep_fraction: float = 0.5) -> Path:
    """An mp4 written index-last (no faststart) and cut short: its ``moov`` never arrived."""
    whole = path.with_name(path.stem + "_whole.mp4")
    run_ffmpeg([
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
        *VIDEO_ARGS["mp4"], *AUDIO_ARGS["mp4"], "-shortest", str(whole),
    ])
    make_truncated(whole, path, keep_fraction=keep_fraction)
    whole.unlink()
    return path


def make_unsized_truncated_mkv(source: Path, path: Path, *, keep_fraction: float = 0.6) -> Path:
    """A Matroska file cut short whose Segment size is "unknown", as a live recorder leaves
    it: nothing in its header says how long it should be, so only reading the data near the
    end shows that it stops early."""
    data = source.read_bytes()
    at = data.find(b"\x18\x53\x80\x67")  # the Segment element id
    if at < 0 or data[at + 4] != 0x01:  # ffmpeg writes an 8-byte size: 0x01 + 7 bytes
        raise RuntimeError(f"{source}: no 8-byte Matroska Segment size to patch")
    unknown = b"\x01" + b"\xff" * 7
    patched = data[: at + 4] + unknown + data[at + 12:]
    path.write_bytes(patched[: int(len(patched) * keep_fraction)])
    return path


# name -> what it is. Durations in seconds; sizes are display sizes (rotation applied).
MEDIA_SET: dict[str, str] = {
    "clip.mp4": "H.264/AAC mp4, 2.0 s, 320x240, 25 fps, 440 Hz tone, faststart",
    "clip.mov": "H.264/AAC mov, 1.5 s, 320x240, 25 fps, 550 Hz tone",
    "clip.mkv": "H.264/AAC Matroska, 1.5 s, 320x240, 25 fps, 660 Hz tone",
    "clip.webm": "VP9/Opus WebM, 1.5 s, 320x240, 25 fps, 770 Hz tone",
    "timecode.mov": "H.264/AAC mov, 1.0 s, timecode 01:00:00:00, "
                    "creation_time 2024-05-01T10:00:00.000000Z",
    "vfr.mp4": "H.264 video only, 3.0 s, 320x240, 30 fps for 1.5 s then 10 fps (VFR)",
    "portrait.mp4": "H.264 video only, 1.0 s, stored 320x240 with 90° display rotation: 240x320",
    "portrait_hd.mp4": "H.264 video only, 1.0 s, stored 1280x720 rotated 90°: 720x1280",
    "hd.mp4": "H.264/AAC mp4, 1.0 s, 1280x720, 25 fps",
    "video_only.mp4": "H.264 mp4 without audio, 1.0 s, 320x240",
    "audio_only.wav": "PCM s16le mono WAV, 2.0 s, 48 kHz, 330 Hz tone",
    "truncated.mp4": "the first 40 % of clip.mp4 (faststart: index intact, data cut)",
    "truncated_no_moov.mp4": "an index-last mp4 cut at 50 %: no moov box",
    "truncated_unsized.mkv": "clip.mkv with an unknown Segment size, cut at 60 %",
    "empty.mp4": "zero bytes",
    "notes.txt": "a short text file (not media)",
}


def make_media_set(root: Path) -> dict[str, Path]:
    """Write every file of ``MEDIA_SET`` into ``root``; returns name -> path."""
    root.mkdir(parents=True, exist_ok=True)
    make_clip(root / "clip.mp4", seconds=2.0)
    make_clip(root / "clip.mov", seconds=1.5, tone_hz=550)
    make_clip(root / "clip.mkv", seconds=1.5, tone_hz=660)
    make_clip(root / "clip.webm", seconds=1.5, tone_hz=770)
    make_clip(root / "timecode.mov", seconds=1.0,
              extra=["-timecode", "01:00:00:00",
                     "-metadata", "creation_time=2024-05-01T10:00:00.000000Z"])
    make_vfr_clip(root / "vfr.mp4")
    make_rotated_clip(root / "portrait.mp4")
    make_rotated_clip(root / "portrait_hd.mp4", size="1280x720")
    make_clip(root / "hd.mp4", seconds=1.0, size="1280x720")
    make_clip(root / "video_only.mp4", seconds=1.0, audio=False)
    make_audio_wav(root / "audio_only.wav")
    make_truncated(root / "clip.mp4", root / "truncated.mp4")
    make_unindexed_truncated_mp4(root / "truncated_no_moov.mp4")
    make_unsized_truncated_mkv(root / "clip.mkv", root / "truncated_unsized.mkv")
    (root / "empty.mp4").write_bytes(b"")
    (root / "notes.txt").write_text("shot list: keynote, awards\n")
    made = {name: root / name for name in MEDIA_SET}
    missing = [name for name, path in made.items() if not path.exists()]
    if missing:
        raise RuntimeError(f"media set incomplete: {missing}")
    return made
