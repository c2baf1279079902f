"""Pure parsers of what ffmpeg's detectors write (blackdetect, silencedetect, ebur128, the
render's black tap, progress frames) and the arithmetic QC applies to their spans; unit-tested
without ffmpeg."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

from editron.render.filters import filter_spec

__all__ = [
    "BLACK_PIXEL_THRESHOLD",
    "BLACK_TAP_MIN_SECONDS",
    "EbuR128Summary",
    "QcSpec",
    "Span",
    "black_tap",
    "finite",
    "is_decode_error_line",
    "parse_black_log",
    "parse_blackdetect",
    "parse_ebur128_summary",
    "parse_progress_frames",
    "parse_silencedetect",
    "read_black_log",
    "unplanned_parts",
]


BLACK_PIXEL_THRESHOLD = 0.10
BLACK_TAP_MIN_SECONDS = 0.1  # the render's tap logs black runs this long; QC applies the limit


Span: TypeAlias = tuple[float, float]


@dataclass(frozen=True, slots=True)
class EbuR128Summary:
    integrated_lufs: float | None
    true_peak: float | None


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


_NUMBER = r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf)"


_BLACK = re.compile(rf"black_start:\s*{_NUMBER}\s+black_end:\s*{_NUMBER}")


_SILENCE_START = re.compile(rf"silence_start:\s*{_NUMBER}")


_SILENCE_END = re.compile(rf"silence_end:\s*{_NUMBER}")


_LEVEL_TAG = re.compile(r"\[(error|fatal|panic)\]")


_FRAME = re.compile(r"^frame=\s*(\d+)\s*$", re.MULTILINE)


def parse_blackdetect(text: str) -> list[Span]:
    """``black_start:1.52 black_end:2.52 black_duration:1`` lines -> [(1.52, 2.52)]."""
    return [(float(a), float(b)) for a, b in _BLACK.findall(text)]


def parse_silencedetect(text: str, *, until: float | None = None) -> list[Span]:
    """Pairs ``silence_start`` with the next ``silence_end``. A silence still open when the
    log ends (older ffmpeg does not close it at end of stream) ends at ``until`` if given."""
    spans: list[Span] = []
    start: float | None = None
    for line in text.splitlines():
        if (m := _SILENCE_START.search(line)) is not None:
            start = max(0.0, float(m.group(1)))
        elif (m := _SILENCE_END.search(line)) is not None and start is not None:
            spans.append((start, float(m.group(1))))
            start = None
    if start is not None and until is not None and until > start:
        spans.append((start, until))
    return spans


def parse_ebur128_summary(text: str) -> EbuR128Summary:
    """Integrated loudness (LUFS) and true peak (dBFS; -inf for digital silence) from the
    ``Summary:`` block ebur128 prints when it closes. Missing values are None."""
    _, found, summary = text.rpartition("Summary:")
    if not found:
        return EbuR128Summary(None, None)
    integrated = re.search(rf"^\s*I:\s*{_NUMBER}\s*LUFS", summary, re.MULTILINE)
    peak = re.search(rf"^\s*Peak:\s*{_NUMBER}\s*dBFS", summary, re.MULTILINE)
    return EbuR128Summary(float(integrated.group(1)) if integrated else None,
                          float(peak.group(1)) if peak else None)


_BLACK_LOG = re.compile(rf"^lavfi\.black_(start|end)={_NUMBER}\s*$", re.MULTILINE)


def black_tap(log_path: Path) -> str:
    """Filters that log the black runs of the frames passing through (for a ``split`` branch
    ending in ``nullsink``): the render graph's side of ``run_qc(black_segments=...)``."""
    return ",".join([
        filter_spec("blackdetect", {"d": f"{BLACK_TAP_MIN_SECONDS:g}",
                                    "pix_th": f"{BLACK_PIXEL_THRESHOLD:g}"}),
        filter_spec("metadata", {"mode": "print", "file": str(log_path)}),
        "nullsink",
    ])


def parse_black_log(text: str, *, until: float) -> list[Span]:
    """Black runs from the ``metadata=mode=print`` log of a ``black_tap``: each
    ``lavfi.black_start=T`` paired with the next ``lavfi.black_end=T``; a run still open at
    the end of the program (blackdetect marks no end there) lasts until ``until``."""
    spans: list[Span] = []
    start: float | None = None
    for kind, value in _BLACK_LOG.findall(text):
        if kind == "start":
            start = max(0.0, float(value))
        elif start is not None:
            spans.append((start, float(value)))
            start = None
    if start is not None and until > start:
        spans.append((start, until))
    return spans


def read_black_log(path: Path, *, until: float) -> list[Span]:
    """``parse_black_log`` of the file a ``black_tap`` wrote (absent or empty: no black)."""
    try:
        return parse_black_log(path.read_text(encoding="utf-8", errors="replace"), until=until)
    except FileNotFoundError:
        return []


def is_decode_error_line(line: str) -> bool:
    """A line ffmpeg tagged ``[error]``/``[fatal]`` under ``-loglevel level+…``."""
    return _LEVEL_TAG.search(line) is not None


def parse_progress_frames(text: str) -> int | None:
    """The last ``frame=N`` of ``-progress`` output: frames that went through the pass."""
    counts = _FRAME.findall(text)
    return int(counts[-1]) if counts else None


def unplanned_parts(span: Span, planned: Sequence[Span]) -> list[Span]:
    """What is left of ``span`` after cutting out every planned span."""
    parts = [span]
    for p_start, p_end in planned:
        rest: list[Span] = []
        for start, end in parts:
            if p_end <= start or p_start >= end:
                rest.append((start, end))
                continue
            if p_start > start:
                rest.append((start, p_start))
            if p_end < end:
                rest.append((p_end, end))
        parts = rest
    return parts


@dataclass(frozen=True, slots=True)
class QcSpec:
    """What the render was meant to be. Planned spans (seconds) are black or silence the
    timeline intends (a fade through black, a pause) and are never flagged."""

    expected_frames: int
    rate_num: int
    rate_den: int
    width: int
    height: int
    video_codec: str
    audio_codec: str
    loudness_target: float | None
    loudness_tolerance: float = 1.0
    planned_black: tuple[Span, ...] = ()
    planned_silence: tuple[Span, ...] = ()
    max_black_seconds: float = 0.5
    max_silence_seconds: float = 2.0
    silence_threshold_db: float = -50.0

    @property
    def rate(self) -> Fraction:
        return Fraction(self.rate_num, self.rate_den)
