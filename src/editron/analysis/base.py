"""The analyser plugin interface and registry.

Each file is decoded once (``decode.py``). Every visual analyser receives the same downscaled
frames, every audio analyser the same mono blocks. An analyser declares what it needs and in
which pass it runs; the registry lists what imported, so a missing optional dependency marks a
plugin unavailable instead of crashing (the PySceneDetect ``AVAILABLE_BACKENDS`` habit).

Pass 1 analysers see the live decode. Pass 2 analysers (speech, faces, accurate shots) run
after it, on the spool the decode pass wrote to disk (``FileSpool``: 16 kHz mono audio and
small sampled frames), restricted to the windows pass 1 found interesting, so nothing is
decoded twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from editron.analysis.names import RecognitionHints
from editron.domain.analysis import (
    AudioSegment,
    Brief,
    CrowdPeak,
    EnergyPoint,
    FaceTrack,
    Shot,
    ShotSignals,
    SponsorMoment,
    TranscriptSegment,
    Word,
)
from editron.domain.languages import SpokenLanguage
from editron.domain.media import MediaProbe

__all__ = [
    "AVAILABLE_ANALYSERS",
    "UNAVAILABLE_ANALYSERS",
    "Analyser",
    "AudioAnalyser",
    "AudioBlock",
    "FileContext",
    "FileFindings",
    "FrameSample",
    "PassTwo",
    "Spool",
    "SpoolAnalyser",
    "Transcriber",
    "VideoAnalyser",
    "Window",
    "pass_analysers",
    "register",
    "register_unavailable",
]

U8Array = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FrameSample:
    """One decoded frame, downscaled early. ``gray`` is always present; ``rgb`` only when a
    registered analyser asked for colour."""

    index: int  # frame number in the source, from 0
    t: float  # presentation time in seconds
    gray: U8Array  # H x W
    rgb: U8Array | None = None  # H x W x 3


@dataclass(frozen=True, slots=True)
class AudioBlock:
    t: float  # start time of the block in seconds
    samples: F32Array  # mono, -1..1
    sample_rate: int


@dataclass(frozen=True, slots=True)
class Window:
    """A span of one file that pass 1 found worth a closer look."""

    start: float
    end: float
    why: str = ""


@dataclass(frozen=True, slots=True)
class FileContext:
    file_id: str
    path: Path
    probe: MediaProbe
    brief: Brief
    work_dir: Path  # scratch space for this file (spools, thumbnails)
    model_hint: str | None = None
    # An upright proxy with the same frames and times as ``path`` (made at ingest), decoded
    # instead of the original when set: the original was already decoded once to make it.
    proxy: Path | None = None

    @property
    def decode_path(self) -> Path:
        return self.proxy if self.proxy is not None else self.path


@dataclass(slots=True)
class FileFindings:
    """Everything the analysers found in one file; they fill it in ``finish``."""

    file_id: str
    duration: float
    fps: float | None = None
    shots: list[Shot] = field(default_factory=list)
    shot_signals: list[ShotSignals] = field(default_factory=list)
    transcript: list[TranscriptSegment] = field(default_factory=list)
    energy: list[EnergyPoint] = field(default_factory=list)
    crowd_peaks: list[CrowdPeak] = field(default_factory=list)
    audio_segments: list[AudioSegment] = field(default_factory=list)
    sponsor_moments: list[SponsorMoment] = field(default_factory=list)
    # Faces followed through the whole file (``tracking``); each shot's signals hold its part.
    face_tracks: list[FaceTrack] = field(default_factory=list)
    # Per-frame or per-block series an analyser shares with later ones (e.g. motion).
    series: dict[str, F32Array] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    language: SpokenLanguage | None = None  # the speech analyser's verdict for the file


class Analyser(ABC):
    """Common base. ``NAME`` registers it; ``PASS`` says when it runs; ``AFTER`` names the
    analysers whose findings it reads in ``finish``."""

    NAME: ClassVar[str]
    PASS: ClassVar[int] = 1
    AFTER: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: FileContext) -> None:
        self.context = context

    def finish(self, findings: FileFindings) -> None:  # noqa: B027 - optional hook
        """Write results into ``findings``. Called once, after the last frame/block."""


class VideoAnalyser(Analyser):
    NEEDS_RGB: ClassVar[bool] = False
    # Analyse every Nth decoded frame (1 = all). The decoder honours the smallest.
    FRAME_STRIDE: ClassVar[int] = 1

    @abstractmethod
    def on_frame(self, frame: FrameSample) -> None: ...


class AudioAnalyser(Analyser):
    @abstractmethod
    def on_audio(self, block: AudioBlock) -> None: ...


class Transcriber(Protocol):
    def transcribe(self, audio: F32Array, hints: RecognitionHints | None = None, *,
                   language: str | None = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]],
                              SpokenLanguage | None]:
        """Segments (start, end, text, words) with times in seconds of ``audio``, and the
        language they were heard in (None: unknown);
        ``hints`` name what the brief needs heard (hotwords and a prompt); ``language``, when
        detecting, the language earlier windows settled on (no detection for this one)."""
        ...


class Spool(Protocol):
    """What a file's decode pass left for pass 2 (``decode.FileSpool``): its 16 kHz mono audio,
    small sampled grey frames with their times, and (accurate mode) every frame at 48x27 RGB."""

    @property
    def frame_times(self) -> tuple[float, ...]: ...

    @property
    def small_rgb_count(self) -> int: ...

    def audio(self, start: float = 0.0, end: float | None = None) -> F32Array: ...

    def frames(self) -> U8Array: ...

    def small_rgb(self) -> U8Array: ...


@dataclass(frozen=True, slots=True)
class PassTwo:
    """What a pass-2 analyser works from: the file, its spool, and the transcriber the whole
    analysis shares (None when speech is not wanted)."""

    context: FileContext
    spool: Spool
    transcriber: Transcriber | None = None


class SpoolAnalyser(Analyser):
    """Pass 2: runs after the file's decode pass, on its spool, restricted to the windows pass
    1 (and earlier pass-2 analysers, by ``AFTER``) found; nothing is decoded again."""

    PASS: ClassVar[int] = 2

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        """Whether this file and request need this analyser at all (default: yes)."""
        return True

    @abstractmethod
    def analyse(self, findings: FileFindings, job: PassTwo) -> None: ...


AnalyserFactory = Callable[[FileContext], Analyser]

AVAILABLE_ANALYSERS: dict[str, type[Analyser]] = {}
UNAVAILABLE_ANALYSERS: dict[str, str] = {}  # name -> why (e.g. "torch is not installed")


def register(cls: type[Analyser]) -> type[Analyser]:
    """Class decorator: make an analyser available by its ``NAME``."""
    AVAILABLE_ANALYSERS[cls.NAME] = cls
    UNAVAILABLE_ANALYSERS.pop(cls.NAME, None)
    return cls


def register_unavailable(name: str, reason: str) -> None:
    if name not in AVAILABLE_ANALYSERS:
        UNAVAILABLE_ANALYSERS[name] = reason


def pass_analysers(number: int) -> list[str]:
    """The registered analysers of pass ``number`` (1: the shared decode, 2: the spool)."""
    return [name for name, cls in AVAILABLE_ANALYSERS.items() if number == cls.PASS]
