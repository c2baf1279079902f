"""What an edit is: blueprints (which moments, in what order) and timelines (where each frame
comes from, per aspect ratio), plus the style and brand that shape them.

Times inside a ``Blueprint`` and a ``Timeline`` are whole frames at the timeline's ``FrameRate``
(a rational ``num/den``), never float seconds, so exports land on the same frame in every editor.
``Timeline.to_dict``/``from_dict`` are the saved form; ``schema_version`` and ``_UPGRADES`` carry
older documents forward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Any

__all__ = [
    "LOGO_WIDTH_SHARE",
    "LOWER_THIRD_SECONDS",
    "TIMELINE_SCHEMA_VERSION",
    "Blueprint",
    "BlueprintMoment",
    "BrandPod",
    "Caption",
    "CaptionWord",
    "Clip",
    "CropKeyframe",
    "DuckKeyframe",
    "FrameRate",
    "MediaInfo",
    "MusicBed",
    "StylePreset",
    "Timeline",
    "Transition",
]

TIMELINE_SCHEMA_VERSION = 5  # 4: other synced angles (``Clip.angles``); 5: ``Clip.audio_file_id``

# Editors expect NTSC rates as exact fractions; a float 29.97 drifts by a frame every ~33 s.
_NTSC = {23.976: (24000, 1001), 29.97: (30000, 1001), 59.94: (60000, 1001),
         47.952: (48000, 1001), 119.88: (120000, 1001)}


@dataclass(frozen=True, slots=True)
class FrameRate:
    num: int
    den: int = 1

    @classmethod
    def from_fps(cls, fps: float) -> FrameRate:
        for nominal, (num, den) in _NTSC.items():
            if abs(fps - nominal) < 0.01 or abs(fps - num / den) < 1e-6:
                return cls(num, den)
        if abs(fps - round(fps)) < 0.01:
            return cls(round(fps), 1)
        frac = Fraction(fps).limit_denominator(1001)
        return cls(frac.numerator, frac.denominator)

    @property
    def fps(self) -> float:
        return self.num / self.den

    @property
    def is_ntsc(self) -> bool:
        return self.den == 1001

    @property
    def timebase(self) -> int:
        """The integer base editors write beside an NTSC flag (30 for 29.97)."""
        return round(self.num / self.den)

    def frames(self, seconds: float) -> int:
        """The frame whose start is nearest ``seconds``; each call rounds independently so
        long timelines never accumulate error."""
        return math.floor(_exact(seconds) * self.num / self.den + Fraction(1, 2))

    def frames_floor(self, seconds: float) -> int:
        return math.floor(self._in_frames(seconds))

    def frames_ceil(self, seconds: float) -> int:
        return math.ceil(self._in_frames(seconds))

    def _in_frames(self, seconds: float) -> Fraction:
        """``seconds`` in frames, snapped onto a frame boundary it misses by under a millionth
        of a frame: snapping the seconds alone is not enough far into a file, where a float's
        rounding can land on a simpler fraction just short of the boundary (at 23.976 fps the
        start of frame 8388607 floored to 8388606)."""
        frames = _exact(seconds) * self.num / self.den
        nearest = round(frames)
        return Fraction(nearest) if abs(frames - nearest) < _SNAP_FRAMES else frames

    def seconds(self, frames: int) -> float:
        return frames * self.den / self.num

    def exact(self, frames: int) -> Fraction:
        return Fraction(frames * self.den, self.num)

    def __str__(self) -> str:
        return f"{self.num}/{self.den}" if self.den != 1 else str(self.num)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """One source file as the edit sees it. ``duration``/``fps`` come from the probe; a
    variable-frame-rate file has ``is_vfr`` set and is addressed by time, not by its frames."""

    file_id: str
    path: str
    duration: float
    fps: float
    width: int
    height: int
    has_audio: bool = True
    is_vfr: bool = False
    order: int = 0  # position in the event's chronology (capture time, else name)
    timecode: str | None = None  # the first frame's timecode (the file's timecode track)
    audio_channels: int = 2


@dataclass(frozen=True, slots=True)
class StylePreset:
    name: str
    pace: str  # slow | medium | fast
    min_shot_seconds: float
    max_shot_seconds: float
    transition: str = "cut"  # cut | crossfade | dip_to_black
    transition_seconds: float = 0.0
    caption_style: str = "standard"  # standard | karaoke
    music_gain_db: float = -12.0  # the music bed's level under the programme


# Where the brand layer sits, shared by the render's overlays and the exporters' titles so an
# editor's timeline shows the cards where the render drew them.
LOGO_WIDTH_SHARE = 0.12  # the logo's width as a share of the frame's
LOWER_THIRD_SECONDS = 4.0  # how long the lower third stays up


@dataclass(frozen=True, slots=True)
class BrandPod:
    """A project's look. Colours are ``#RRGGBB``; ``font_path`` is the bundled font unless the
    project ships its own."""

    font_path: str
    font_name: str = "Source Sans Pro"  # the family name inside ``font_path``, for libass
    primary_color: str = "#FFFFFF"
    accent_color: str = "#FFC400"
    outline_color: str = "#000000"
    logo_path: str | None = None
    logo_position: str = "top-right"  # top-left | top-right | bottom-left | bottom-right
    logo_opacity: float = 0.85
    title_card: str | None = None
    lower_third: str | None = None
    outro_card: str | None = None
    card_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class BlueprintMoment:
    """One cut of the story: a source range in timeline frames (``source_end`` exclusive)."""

    file_id: str
    source_start: int
    source_end: int
    score: float
    reasons: tuple[str, ...] = ()
    speech: bool = False
    key: str = ""  # stable id of the analysis moment it came from (variants never share one)
    why: tuple[str, ...] = ()  # why it was chosen and why its neighbours were not (score parts)

    @property
    def frames(self) -> int:
        return self.source_end - self.source_start


@dataclass(frozen=True, slots=True)
class Blueprint:
    deliverable: str  # recap | highlight | social
    variant: int
    rate: FrameRate
    target_frames: int
    moments: tuple[BlueprintMoment, ...]
    notes: tuple[str, ...] = ()

    @property
    def frames(self) -> int:
        return sum(m.frames for m in self.moments)


@dataclass(frozen=True, slots=True)
class CropKeyframe:
    """The source-pixel crop window at ``frame`` (relative to the clip's first frame)."""

    frame: int
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str  # cut | crossfade | dip_to_black
    frames: int = 0


@dataclass(frozen=True, slots=True)
class Clip:
    file_id: str
    source_start: int  # timeline-rate frames into the source
    source_end: int  # exclusive
    record_start: int
    name: str = ""
    transition_in: Transition = field(default_factory=lambda: Transition("cut"))
    crop: tuple[CropKeyframe, ...] = ()
    pad_blur: bool = False  # subject too wide for the crop: letterbox over a blurred copy
    max_crop_step: float = 0.0  # largest per-frame move of the crop window, pixels
    audio: bool = True
    # The other synced cameras' view of the same event time: (file id, source start frame),
    # each as long as the clip. Exports stack them so an editor can switch angles.
    angles: tuple[tuple[str, int], ...] = ()
    why: tuple[str, ...] = ()  # the blueprint's explanation of this moment
    # The sound under the picture when it is another file's (``None``: the picture's own): a
    # moment cut between angles keeps its best microphone on across the cuts, speech unbroken.
    audio_file_id: str | None = None
    audio_start: int = 0  # timeline-rate frames into ``audio_file_id``

    @property
    def duration(self) -> int:
        return self.source_end - self.source_start

    @property
    def sound_file(self) -> str:
        return self.file_id if self.audio_file_id is None else self.audio_file_id

    @property
    def sound_start(self) -> int:
        return self.source_start if self.audio_file_id is None else self.audio_start

    @property
    def record_end(self) -> int:
        return self.record_start + self.duration


@dataclass(frozen=True, slots=True)
class CaptionWord:
    text: str
    start: int  # timeline frames
    end: int


@dataclass(frozen=True, slots=True)
class Caption:
    start: int
    end: int
    lines: tuple[str, ...]
    words: tuple[CaptionWord, ...] = ()
    style: str = "standard"
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # caption-safe area x, y, w, h in pixels

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class DuckKeyframe:
    frame: int
    gain_db: float


@dataclass(frozen=True, slots=True)
class MusicBed:
    path: str
    beats: tuple[int, ...] = ()  # timeline frames
    ducking: tuple[DuckKeyframe, ...] = ()
    gain_db: float = -12.0


@dataclass(frozen=True, slots=True)
class Timeline:
    name: str
    deliverable: str
    variant: int
    aspect_ratio: str
    width: int
    height: int
    rate: FrameRate
    clips: tuple[Clip, ...]
    media: Mapping[str, MediaInfo]
    captions: tuple[Caption, ...] = ()
    style: str = ""
    brand: BrandPod | None = None
    music: MusicBed | None = None
    start_timecode: str = "01:00:00:00"  # the record timecode of frame 0 in every export
    revision: int = 1  # the session's revision: project names differ between revisions
    schema_version: int = TIMELINE_SCHEMA_VERSION

    @property
    def duration_frames(self) -> int:
        return max((c.record_end for c in self.clips), default=0)

    @property
    def duration(self) -> float:
        return self.rate.seconds(self.duration_frames)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["media"] = {k: asdict(v) for k, v in self.media.items()}
        data["schema_version"] = TIMELINE_SCHEMA_VERSION
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Timeline:
        doc = dict(data)
        version = int(doc.get("schema_version", 1))
        if version > TIMELINE_SCHEMA_VERSION:
            raise ValueError(f"timeline schema {version} is newer than this Editron understands")
        while version < TIMELINE_SCHEMA_VERSION:
            doc = _UPGRADES[version](doc)
            version += 1

        def clip(c: Mapping[str, Any]) -> Clip:
            return Clip(**{**c, "transition_in": Transition(**c["transition_in"]),
                           "crop": tuple(CropKeyframe(**k) for k in c.get("crop", ())),
                           "angles": tuple((str(f), int(s)) for f, s in c.get("angles", ())),
                           "why": tuple(c.get("why", ()))})

        def caption(c: Mapping[str, Any]) -> Caption:
            return Caption(**{**c, "lines": tuple(c["lines"]), "box": tuple(c["box"]),
                              "words": tuple(CaptionWord(**w) for w in c.get("words", ()))})

        music = doc.get("music")
        return cls(
            name=doc["name"], deliverable=doc["deliverable"], variant=int(doc["variant"]),
            aspect_ratio=doc["aspect_ratio"], width=int(doc["width"]),
            height=int(doc["height"]), rate=FrameRate(**doc["rate"]),
            clips=tuple(clip(c) for c in doc["clips"]),
            media={k: MediaInfo(**v) for k, v in doc["media"].items()},
            captions=tuple(caption(c) for c in doc.get("captions", ())),
            style=doc.get("style", ""),
            brand=BrandPod(**doc["brand"]) if doc.get("brand") else None,
            music=replace(MusicBed(**music), beats=tuple(music["beats"]),
                          ducking=tuple(DuckKeyframe(**d) for d in music["ducking"]))
            if music else None,
            start_timecode=str(doc.get("start_timecode", "01:00:00:00")),
            revision=int(doc.get("revision", 1)),
        )


def _upgrade_v1(doc: dict[str, Any]) -> dict[str, Any]:
    """v1 stored the rate as a float ``fps`` and crops without a per-frame step report."""
    out = dict(doc)
    if "fps" in out and "rate" not in out:
        rate = FrameRate.from_fps(float(out.pop("fps")))
        out["rate"] = {"num": rate.num, "den": rate.den}
    out["clips"] = [{"max_crop_step": 0.0, **c} for c in out.get("clips", [])]
    out["schema_version"] = 2
    return out


def _upgrade_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """v2 exported from frame 0 with no source timecode: v3 adds the record start, the
    session revision and each file's timecode and audio channels."""
    out = dict(doc)
    out["media"] = {k: {"timecode": None, "audio_channels": 2, **v}
                    for k, v in out.get("media", {}).items()}
    out.setdefault("start_timecode", "01:00:00:00")
    out.setdefault("revision", 1)
    out["schema_version"] = 3
    return out


def _upgrade_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """v3 had no camera angles: every clip is its one camera."""
    out = dict(doc)
    out["clips"] = [{"angles": [], **c} for c in out.get("clips", [])]
    out["schema_version"] = 4
    return out


def _upgrade_v4(doc: dict[str, Any]) -> dict[str, Any]:
    """v4 played every clip's own sound."""
    out = dict(doc)
    out["clips"] = [{"audio_file_id": None, "audio_start": 0, **c} for c in out.get("clips", [])]
    out["schema_version"] = 5
    return out


_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _upgrade_v1, 2: _upgrade_v2, 3: _upgrade_v3, 4: _upgrade_v4}


_SNAP_FRAMES = Fraction(1, 1_000_000)


def _exact(seconds: float) -> Fraction:
    # Probe and analysis times are floats such as 0.04 for 1/25 s: snap them to the nearest
    # simple fraction so a frame boundary is not lost to binary rounding.
    return Fraction(seconds).limit_denominator(1_000_000)
