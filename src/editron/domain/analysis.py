"""What analysis finds in the footage. Times are seconds of the source file.

These are the contract between ``analysis`` (which produces them) and ``story``/``edit``
(which consume them). ``AnalysisResult.to_dict``/``from_dict`` are the saved form, versioned.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from editron.domain.languages import SpokenLanguage
from editron.domain.sync import SyncResult

__all__ = [
    "ANALYSIS_SCHEMA_VERSION",
    "AnalysisResult",
    "AudioSegment",
    "Brief",
    "CrowdPeak",
    "EnergyPoint",
    "FaceBox",
    "FaceTrack",
    "FileReport",
    "HeroMoment",
    "Shot",
    "ShotSignals",
    "SponsorMoment",
    "TranscriptSegment",
    "Word",
    "moment_id",
]

# 2: ``sync`` (where each file sits on the event clock); a version 1 document has none.
# 3: ``ShotSignals.face_tracks`` (faces followed frame to frame, with mouth movement); a
#    version 1 or 2 document has none and reframes from its sampled ``face_boxes``.
ANALYSIS_SCHEMA_VERSION = 3


@dataclass(frozen=True, slots=True)
class Shot:
    file_id: str
    start: float
    end: float
    start_frame: int
    end_frame: int  # exclusive
    transition: str = "cut"  # how this shot begins: cut | dissolve | fade
    # A dissolve's or fade's span (seconds, its first and last frame); None for a cut, and in
    # documents written before it was recorded.
    transition_start: float | None = None
    transition_end: float | None = None


@dataclass(frozen=True, slots=True)
class FaceBox:
    t: float
    x: float  # normalised 0..1 of the display frame
    y: float
    w: float
    h: float


Box = tuple[float, float, float, float]  # normalised x, y, w, h


@dataclass(frozen=True, slots=True)
class FaceTrack:
    """One face followed frame to frame inside one shot: its box every ``step`` seconds from
    ``start`` and how much its mouth moved at each (mean frame difference in the mouth region,
    0..1), which is how the speaker is told from the listeners."""

    track: int  # unique within its file
    start: float
    step: float
    boxes: tuple[Box, ...]
    mouth: tuple[float, ...]

    @property
    def end(self) -> float:
        return self.start + self.step * len(self.boxes)

    def index(self, t: float) -> int | None:
        """The box shown at ``t`` (each holds for one step), or None outside the track."""
        i = math.floor((t - self.start) / self.step + 1e-6)
        return i if 0 <= i < len(self.boxes) else None

    def between(self, start: float, end: float) -> FaceTrack | None:
        """The part of the track inside ``[start, end)`` (None when under three steps)."""
        a = max(0, math.ceil((start - self.start) / self.step - 1e-6))
        b = min(len(self.boxes), math.ceil((end - self.start) / self.step - 1e-6))
        if b - a < 3:
            return None
        return FaceTrack(self.track, round(self.start + a * self.step, 4), self.step,
                         self.boxes[a:b], self.mouth[a:b])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaceTrack:
        return cls(int(data["track"]), float(data["start"]), float(data["step"]),
                   tuple((b[0], b[1], b[2], b[3]) for b in data["boxes"]),
                   tuple(float(m) for m in data["mouth"]))


@dataclass(frozen=True, slots=True)
class ShotSignals:
    """Per-shot visual measures: motion energy 0..1, sharpness (variance of Laplacian),
    mean luma 0..255, face count (max over samples), sampled face boxes and the faces tracked
    frame to frame (schema 3)."""

    file_id: str
    start: float
    end: float
    motion: float
    sharpness: float
    brightness: float
    faces: int = 0
    face_boxes: tuple[FaceBox, ...] = ()
    motion_center: tuple[float, float] | None = None  # normalised x, y of the moving area
    face_tracks: tuple[FaceTrack, ...] = ()


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    file_id: str
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    language: str | None = None


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    file_id: str
    t: float
    energy: float  # 0..1, normalised across the batch
    loudness_db: float  # short-term level in dBFS


@dataclass(frozen=True, slots=True)
class CrowdPeak:
    file_id: str
    t: float  # time of the peak
    start: float
    duration: float
    strength_db: float  # rise above the local floor


@dataclass(frozen=True, slots=True)
class AudioSegment:
    file_id: str
    start: float
    end: float
    label: str  # speech | music | crowd | silence


@dataclass(frozen=True, slots=True)
class SponsorMoment:
    file_id: str
    start: float
    end: float
    name: str
    source: str  # transcript | logo
    matched_text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class HeroMoment:
    file_id: str
    start: float
    end: float
    confidence: float  # 0..1
    reasons: tuple[str, ...]
    tags: tuple[str, ...] = ()
    score: float = 0.0
    thumbnail: str | None = None

    @property
    def moment_id(self) -> str:
        return moment_id(self.file_id, self.start, self.end)


def moment_id(file_id: str, start: float, end: float) -> str:
    """A hero moment's name people can type (``hm-1a2b3c4d``, pure): the same footage span
    gets the same id in every analysis of it."""
    key = f"{file_id}@{float(start):.3f}-{float(end):.3f}".encode()
    return "hm-" + hashlib.sha1(key, usedforsecurity=False).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class FileReport:
    file_id: str
    filename: str
    status: str  # analyzed | partial | failed
    messages: tuple[str, ...] = ()
    # The language heard in the file's speech; None: no speech transcribed, or analysed
    # before languages were recorded (an optional field, so older documents read unchanged).
    language: SpokenLanguage | None = None


@dataclass(slots=True)
class Brief:
    """What the client asked for. ``text`` is free; the rest is structured."""

    text: str = ""
    must_use: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    deliverable_targets: list[dict[str, Any]] = field(default_factory=list)
    tone: str | None = None
    sponsor_logos: list[str] = field(default_factory=list)  # image paths
    products: list[str] = field(default_factory=list)  # names speech recognition must hear
    speakers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(slots=True)
class AnalysisResult:
    passes_completed: int
    shots: list[Shot] = field(default_factory=list)
    shot_signals: list[ShotSignals] = field(default_factory=list)
    transcript: list[TranscriptSegment] = field(default_factory=list)
    energy_curve: list[EnergyPoint] = field(default_factory=list)
    crowd_peaks: list[CrowdPeak] = field(default_factory=list)
    audio_segments: list[AudioSegment] = field(default_factory=list)
    hero_moments: list[HeroMoment] = field(default_factory=list)
    sponsor_moments: list[SponsorMoment] = field(default_factory=list)
    file_reports: list[FileReport] = field(default_factory=list)
    sync: SyncResult | None = None  # None: analysed before sync existed (schema 1)
    summary: str = ""
    schema_version: int = ANALYSIS_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisResult:
        version = int(data.get("schema_version", 1))
        if version > ANALYSIS_SCHEMA_VERSION:
            raise ValueError(f"analysis schema {version} is newer than this Editron understands")

        def words(items: list[dict[str, Any]]) -> tuple[Word, ...]:
            return tuple(Word(**w) for w in items)

        def faces(items: list[dict[str, Any]]) -> tuple[FaceBox, ...]:
            return tuple(FaceBox(**f) for f in items)

        return cls(
            passes_completed=int(data["passes_completed"]),
            shots=[Shot(**s) for s in data.get("shots", [])],
            shot_signals=[
                ShotSignals(
                    **{
                        **s,
                        "face_boxes": faces(s.get("face_boxes", [])),
                        "face_tracks": tuple(FaceTrack.from_dict(f)
                                             for f in s.get("face_tracks", [])),
                        "motion_center": tuple(s["motion_center"])
                        if s.get("motion_center")
                        else None,
                    }
                )
                for s in data.get("shot_signals", [])
            ],
            transcript=[
                TranscriptSegment(**{**t, "words": words(t.get("words", []))})
                for t in data.get("transcript", [])
            ],
            energy_curve=[EnergyPoint(**e) for e in data.get("energy_curve", [])],
            crowd_peaks=[CrowdPeak(**c) for c in data.get("crowd_peaks", [])],
            audio_segments=[AudioSegment(**a) for a in data.get("audio_segments", [])],
            hero_moments=[
                HeroMoment(**{**h, "reasons": tuple(h["reasons"]), "tags": tuple(h["tags"])})
                for h in data.get("hero_moments", [])
            ],
            sponsor_moments=[SponsorMoment(**s) for s in data.get("sponsor_moments", [])],
            file_reports=[
                FileReport(**{**f, "messages": tuple(f["messages"]),
                               "language": SpokenLanguage(**f["language"])
                               if f.get("language") else None})
                for f in data.get("file_reports", [])
            ],
            sync=SyncResult.from_dict(data["sync"]) if data.get("sync") else None,
            summary=data.get("summary", ""),
            schema_version=ANALYSIS_SCHEMA_VERSION,
        )
