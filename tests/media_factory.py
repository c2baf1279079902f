"""Generate small test media with ffmpeg's lavfi sources, espeak-ng and sox.

Every clip is made on demand by a session fixture; nothing binary is committed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import imageio_ffmpeg

__all__ = [
    "FFMPEG",
    "make_audio_wav",
    "make_clip",
    "make_rotated_clip",
    "make_truncated",
    "make_vfr_clip",
    "run_ffmpeg",
]

FFMPEG = shutil.which("ffmpeg") or imageio_ffmpeg.get_ffmpeg_exe()

VIDEO_ARGS = {
    "mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "mov": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    "mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
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


def make_rotated_clip(path: Path, *, seconds: float = 1.0, rotation: int = 90) -> Path:
    """A 320x240 stored clip whose display matrix turns it to portrait."""
    plain = path.with_name(path.stem + "_plain.mp4")
    make_clip(plain, seconds=seconds, audio=False)
    run_ffmpeg(["-display_rotation", str(rotation), "-i", str(plain), "-c", "copy", str(path)])
    plain.unlink()
    return path


def make_audio_wav(path: Path, *, seconds: float = 2.0, tone_hz: int = 330) -> Path:
    run_ffmpeg([
        "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:duration={seconds}:sample_rate=48000",
        "-c:a", "pcm_s16le", str(path),
    ])
    return path


def make_truncated(source: Path, path: Path, *, keep_fraction: float = 0.4) -> Path:
    """Cut a file short, as an interrupted copy would."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    return path
