"""What a client asks for when they review a cut: a typed, versioned vocabulary of
adjustments (pace, length, ratios, captions, style, music, transitions, moments to drop and to
keep, timecoded comments), the preferences a project's history adds up to, and the citations
that say which preference shaped an edit and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "ADJUSTMENTS_SCHEMA_VERSION",
    "Adjustments",
    "AppliedPreference",
    "Comment",
    "Decision",
    "Preferences",
    "SourceSpan",
]

ADJUSTMENTS_SCHEMA_VERSION = 1
Decision = Literal["approve", "changes", "reject"]


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A stretch of one source file, in seconds of that file; ``checksum`` (the file's
    SHA-256) recognises the same footage in another batch of the same client."""

    file_id: str
    start: float
    end: float
    checksum: str | None = None

    def overlaps(self, file_id: str, start: float, end: float, *,
                 checksum: str | None = None) -> bool:
        same = file_id == self.file_id or (checksum is not None and checksum == self.checksum)
        return same and start < self.end and end > self.start

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceSpan:
        return cls(str(data["file_id"]), float(data["start"]), float(data["end"]),
                   data.get("checksum"))


@dataclass(frozen=True, slots=True)
class Comment:
    """A note at a time of the deliverable (seconds from its first frame), with the source
    moment under that time once it is mapped through the timeline."""

    at: float
    text: str
    span: SourceSpan | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comment:
        span = data.get("span")
        return cls(float(data["at"]), str(data["text"]),
                   SourceSpan.from_dict(span) if span else None)


@dataclass(frozen=True, slots=True)
class Adjustments:
    """One review's requests. ``None`` means "not asked"; ``pace`` is a factor on cutting
    speed (1.25: a quarter faster, clips that much shorter)."""

    pace: float | None = None
    duration: float | None = None
    ratios: tuple[str, ...] | None = None
    captions: bool | None = None
    caption_style: str | None = None
    style: str | None = None
    music: bool | None = None
    transitions: str | None = None
    drop: tuple[SourceSpan, ...] = ()
    keep: tuple[SourceSpan, ...] = ()
    comments: tuple[Comment, ...] = ()
    schema_version: int = ADJUSTMENTS_SCHEMA_VERSION

    def merge(self, other: Adjustments) -> Adjustments:
        """``other``'s answers over these: the later answer wins, paces multiply (two
        "faster" reviews cut faster twice), the lists join."""
        picked = {k: getattr(other, k) for k in ("duration", "ratios", "captions",
                                                  "caption_style", "style", "music",
                                                  "transitions")
                  if getattr(other, k) is not None}
        if other.pace is not None:
            picked["pace"] = round((self.pace or 1.0) * other.pace, 4)
        return replace(self, **picked, drop=self.drop + other.drop,
                       keep=self.keep + other.keep, comments=self.comments + other.comments)

    def is_empty(self) -> bool:
        return self == Adjustments()

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        return {k: v for k, v in doc.items() if v not in (None, [], ())} | {
            "schema_version": self.schema_version}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adjustments:
        version = int(data.get("schema_version", 1))
        if version > ADJUSTMENTS_SCHEMA_VERSION:
            raise ValueError(f"adjustments version {version} is newer than this Editron")
        ratios = data.get("ratios")
        return cls(
            pace=_float(data.get("pace")), duration=_float(data.get("duration")),
            ratios=tuple(ratios) if ratios else None, captions=data.get("captions"),
            caption_style=data.get("caption_style"), style=data.get("style"),
            music=data.get("music"), transitions=data.get("transitions"),
            drop=tuple(SourceSpan.from_dict(s) for s in data.get("drop", [])),
            keep=tuple(SourceSpan.from_dict(s) for s in data.get("keep", [])),
            comments=tuple(Comment.from_dict(c) for c in data.get("comments", [])))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class AppliedPreference:
    """One preference that shaped an edit, and why (``pace ×1.25 — 3 of the last 4 recaps
    were marked too slow``)."""

    key: str
    value: Any
    because: str


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a project's feedback history adds up to for one deliverable."""

    adjustments: Adjustments = field(default_factory=Adjustments)
    citations: tuple[AppliedPreference, ...] = ()
