"""Render profiles: what a delivered file is (size, container, codecs, loudness).

A profile's name picks its codecs and loudness; its size always follows the timeline's aspect
ratio at the profile's short side (1080 px for deliveries, 360 px for the dashboard preview),
so a preview of a 9:16 timeline is 360x640 and a 9:16 master is 1080x1920.

Formats: mp4 (H.264/AAC, the platform profiles), mov (the ProRes master, or H.264 in MOV),
webm (VP9/Opus, the ``web`` profile, for sites that play WebM natively).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from editron.errors import InputError

__all__ = [
    "ASPECT_SIZES",
    "FORMATS",
    "MASTER_LUFS",
    "PROFILES",
    "SOCIAL_LUFS",
    "RenderProfile",
    "codec_names",
    "profile_for",
    "sized_for",
]

SOCIAL_LUFS = -14.0  # YouTube, Instagram and TikTok all normalise playback near -14
MASTER_LUFS = -23.0  # EBU R128 broadcast reference for the archive master

# The size of each aspect ratio at a short side of 1080 px.
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
}

FORMATS = ("mp4", "mov", "webm")

_H264_HIGH = ("-c:v", "libx264", "-profile:v", "high")
_AAC = ("-c:a", "aac", "-b:a", "256k")
# VP9 in constant-quality mode (-b:v 0 with -crf); row multithreading, and libvpx's "good"
# deadline at speed 5: about real time for 1080p on two cores, near speed 1's quality.
_VP9 = ("-c:v", "libvpx-vp9", "-b:v", "0", "-row-mt", "1", "-deadline", "good",
        "-cpu-used", "5")
_OPUS = ("-c:a", "libopus", "-b:a", "160k")


@dataclass(frozen=True, slots=True)
class RenderProfile:
    name: str
    width: int
    height: int
    container: str  # mp4 | mov | webm: the one written
    video_codec_args: tuple[str, ...]
    audio_codec_args: tuple[str, ...]
    pix_fmt: str = "yuv420p"
    loudness_target_lufs: float = SOCIAL_LUFS
    true_peak: float = -1.0  # dBTP
    loudness_range: float = 11.0  # LU
    faststart: bool = True
    # veryfast/crf 20: about 2.5x the speed of x264's medium at a quality a platform's own
    # re-encode cannot tell apart; the ProRes master is there for grading.
    preset: str | None = "veryfast"
    crf: int | None = 20
    audio_rate: int = 48_000
    containers: tuple[str, ...] = ("mp4", "mov")  # the formats its codecs may be written as


PROFILES: dict[str, RenderProfile] = {
    p.name: p
    for p in (
        RenderProfile("youtube", 1920, 1080, "mp4", _H264_HIGH, _AAC),
        RenderProfile("reels", 1080, 1920, "mp4", _H264_HIGH, _AAC),
        RenderProfile("tiktok", 1080, 1920, "mp4", _H264_HIGH, _AAC),
        RenderProfile("square", 1080, 1080, "mp4", _H264_HIGH, _AAC),
        RenderProfile("master", 1920, 1080, "mov",
                      ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"),
                      ("-c:a", "pcm_s24le"), pix_fmt="yuv422p10le",
                      loudness_target_lufs=MASTER_LUFS, true_peak=-1.0, loudness_range=18.0,
                      faststart=False, preset=None, crf=None, containers=("mov",)),
        RenderProfile("web", 1920, 1080, "webm", _VP9, _OPUS, faststart=False, preset=None,
                      crf=32, containers=("webm",)),
        RenderProfile("preview", 640, 360, "mp4",
                      ("-c:v", "libx264", "-profile:v", "main", "-tune", "fastdecode",
                       "-maxrate", "600k", "-bufsize", "1200k"),
                      ("-c:a", "aac", "-b:a", "96k"), preset="ultrafast", crf=30),
    )
}

_BY_ASPECT = {"16:9": "youtube", "9:16": "reels", "1:1": "square"}


def sized_for(profile: RenderProfile, aspect_ratio: str) -> RenderProfile:
    """``profile`` at ``aspect_ratio``, keeping its short side."""
    if aspect_ratio not in ASPECT_SIZES:
        raise InputError(f"unknown aspect ratio {aspect_ratio!r}; use 16:9, 9:16 or 1:1")
    short = min(profile.width, profile.height)
    w, h = ASPECT_SIZES[aspect_ratio]
    scale = short / min(w, h)
    return replace(profile, width=_even(w * scale), height=_even(h * scale))


def profile_for(aspect_ratio: str, fmt: str, name: str | None = None,
                loudness: float | None = None) -> RenderProfile:
    """The profile for a timeline of ``aspect_ratio`` written as ``fmt`` (mp4 | mov | webm).

    With no ``name``, mp4 picks the platform profile of the aspect ratio (16:9 youtube,
    9:16 reels, 1:1 square), mov picks the ProRes master and webm the VP9 ``web`` profile.
    ``loudness`` (LUFS) overrides the profile's target.
    """
    container = fmt.strip().lower().lstrip(".")
    if container not in FORMATS:
        raise InputError(f"unknown render format {fmt!r}; use mp4, mov or webm")
    if aspect_ratio not in ASPECT_SIZES:
        raise InputError(f"unknown aspect ratio {aspect_ratio!r}; use 16:9, 9:16 or 1:1")
    key = (name or "").strip().lower()
    if not key:
        key = {"mov": "master", "webm": "web"}.get(container) or _BY_ASPECT[aspect_ratio]
    if key not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise InputError(f"unknown render profile {name!r}; known profiles: {known}")
    profile = PROFILES[key]
    if container not in profile.containers:
        video, audio = codec_names(profile)
        raise InputError(f"the {key} profile ({video}, {audio}) needs the "
                         f"{' or '.join(profile.containers)} format, not {fmt!r}")
    profile = sized_for(replace(profile, container=container), aspect_ratio)
    if loudness is not None:
        if not -70.0 <= loudness <= -5.0:
            raise InputError(f"loudness target {loudness} LUFS is outside -70..-5")
        profile = replace(profile, loudness_target_lufs=float(loudness))
    return profile


def codec_names(profile: RenderProfile) -> tuple[str, str]:
    """The video and audio codec names ffprobe reports for ``profile``'s output (pure)."""
    def encoder(args: tuple[str, ...], flag: str) -> str:
        return next((args[i + 1] for i, a in enumerate(args[:-1]) if a == flag), "")

    video = encoder(profile.video_codec_args, "-c:v")
    audio = encoder(profile.audio_codec_args, "-c:a")
    return (_DECODED_AS.get(video, video), _DECODED_AS.get(audio, audio))


_DECODED_AS = {"libx264": "h264", "prores_ks": "prores", "libvpx-vp9": "vp9",
               "libopus": "opus"}


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
