"""Footage as real cameras and phones write it, generated with the bundled ffmpeg: NTSC and PAL
rates, slow motion, 10-bit HDR (HLG and PQ), 4K HEVC, a rotated phone clip, an odd size,
several audio streams, 5.1 and mono 44.1 kHz sound, a variable-frame-rate screen recording,
audio-only and video-only files. Every parameter is fixed (sources, tones, sizes, rates), and
every clip is tiny: 1-2 s, small frames except where the case is about size.

``CASES`` maps a case name to how it is made; ``make_case(name, folder)`` writes it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tests import media_factory as mf

__all__ = ["CASES", "FootageCase", "make_case"]

H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "96k"]
SMALL = "320x180"


def _picture(rate: str, seconds: float, size: str = SMALL) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _tone(seconds: float, hz: int = 440, sample_rate: int = 48_000) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency={hz}:sample_rate={sample_rate}:"
            f"duration={seconds}"]


def _clip(path: Path, rate: str, seconds: float = 2.0, *, size: str = SMALL,
          video: list[str] = H264, audio: list[str] = AAC, extra: list[str] = ()) -> Path:
    mf.run_ffmpeg([*_picture(rate, seconds, size), *_tone(seconds), *video, *audio,
                   *extra, "-shortest", str(path)])
    return path


@lru_cache(maxsize=1)
def _encoders() -> str:
    return subprocess.run([mf.FFMPEG, "-hide_banner", "-encoders"], capture_output=True,
                          text=True, check=False).stdout


def _hdr(path: Path, transfer: str) -> Path:
    """10-bit HEVC tagged BT.2020 with an HDR transfer, in the frames (setparams), the HEVC
    VUI (x265's own parameters) and so the container, as an HDR phone or camera writes it;
    10-bit H.264 (High 10) with the same tags where the ffmpeg build has no libx265."""
    tags = f"color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc:range=tv"
    if " libx265 " in _encoders():
        vui = f"log-level=none:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc"
        codec = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", vui,
                 "-tag:v", "hvc1"]
    else:
        codec = ["-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high10"]
    mf.run_ffmpeg([*_picture("25", 1.0), *_tone(1.0), "-vf", f"setparams={tags}", *codec,
                   "-pix_fmt", "yuv420p10le", *AAC, "-shortest", str(path)])
    return path


def _hevc_4k(path: Path) -> Path:
    # SMPTE bars: a cheap picture to make and to encode at 4K (testsrc2 took 14 s here).
    mf.run_ffmpeg(["-f", "lavfi", "-i", "smptehdbars=size=3840x2160:rate=25:duration=1",
                   *_tone(1.0), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                   "log-level=none", "-pix_fmt", "yuv420p", "-tag:v", "hvc1", *AAC,
                   "-shortest", str(path)])
    return path


def _several_audio(path: Path) -> Path:
    """A scratch mono track first (not default), the stereo main mix (default), then a second
    stereo mix: the main mix is the one to use."""
    mf.run_ffmpeg([*_picture("25", 2.0), *_tone(2.0, 220), *_tone(2.0, 440), *_tone(2.0, 660),
                   "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a", *H264,
                   "-c:a", "aac", "-b:a", "96k",
                   "-filter:a:0", "aformat=channel_layouts=mono",
                   "-filter:a:1", "aformat=channel_layouts=stereo",
                   "-filter:a:2", "aformat=channel_layouts=stereo",
                   "-disposition:a:0", "0", "-disposition:a:1", "default",
                   "-disposition:a:2", "0", "-shortest", str(path)])
    return path


def _surround(path: Path) -> Path:
    return _clip(path, "25", audio=[*AAC, "-af", "aformat=channel_layouts=5.1"])


def _mono_44k(path: Path) -> Path:
    mf.run_ffmpeg([*_picture("25", 2.0), *_tone(2.0, 440, 44_100), *H264, *AAC, "-ac", "1",
                   "-shortest", str(path)])
    return path


def _screen_recording(path: Path) -> Path:
    """Frames only when the screen changes: 30 fps, then 10, then 30 again, as a screen
    recorder writes them (variable frame rate), with a microphone track."""
    mf.run_ffmpeg([*_picture("30", 2.0, "640x360"), *_tone(2.0),
                   "-vf", "select='lt(t,0.7)+gt(t,1.4)+not(mod(n,3))'", "-fps_mode", "vfr",
                   *H264, *AAC, "-shortest", str(path)])
    return path


def _audio_only(path: Path) -> Path:
    mf.run_ffmpeg([*_tone(2.0), *AAC, str(path)])
    return path


def _video_only(path: Path) -> Path:
    mf.run_ffmpeg([*_picture("25", 2.0), *H264, str(path)])
    return path


def _portrait(path: Path) -> Path:
    return mf.make_rotated_clip(path, seconds=2.0, rotation=90, size=SMALL)


@dataclass(frozen=True)
class FootageCase:
    filename: str
    make: Callable[[Path], Path]
    what: str


CASES: dict[str, FootageCase] = {c.filename.rsplit(".", 1)[0]: c for c in (
    FootageCase("ntsc_23976.mp4", lambda p: _clip(p, "24000/1001"), "23.976 fps"),
    FootageCase("ntsc_2997.mp4", lambda p: _clip(p, "30000/1001"), "29.97 fps"),
    FootageCase("ntsc_5994.mp4", lambda p: _clip(p, "60000/1001"), "59.94 fps"),
    FootageCase("pal_25.mp4", lambda p: _clip(p, "25"), "25 fps"),
    FootageCase("pal_50.mp4", lambda p: _clip(p, "50"), "50 fps"),
    FootageCase("slowmo_120.mov", lambda p: _clip(p, "120", 1.5), "120 fps slow motion"),
    FootageCase("hdr_hlg.mov", lambda p: _hdr(p, "arib-std-b67"), "10-bit HEVC HLG"),
    FootageCase("hdr_pq.mov", lambda p: _hdr(p, "smpte2084"), "10-bit HEVC PQ (HDR10)"),
    FootageCase("hevc_4k.mp4", _hevc_4k, "4K HEVC"),
    FootageCase("portrait_phone.mp4", _portrait, "portrait phone clip (rotation 90)"),
    FootageCase("odd_1918x1080.mp4",
                lambda p: _clip(p, "25", 1.0, size="1918x1080"), "1918x1080"),
    FootageCase("several_audio.mp4", _several_audio, "three audio streams"),
    FootageCase("surround_51.mp4", _surround, "5.1 audio"),
    FootageCase("mono_44k.mp4", _mono_44k, "mono 44.1 kHz audio"),
    FootageCase("screen_vfr.mp4", _screen_recording, "variable-frame-rate screen recording"),
    FootageCase("audio_only.m4a", _audio_only, "audio only"),
    FootageCase("video_only.mp4", _video_only, "video only"),
)}


def make_case(name: str, folder: Path) -> Path:
    case = CASES[name]
    folder.mkdir(parents=True, exist_ok=True)
    return case.make(folder / case.filename)
