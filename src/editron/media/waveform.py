"""Audio waveform peaks for timeline and dashboard drawing: pure numpy, no I/O but the reader.

The peaks document (``waveform.json``, schema version 1)::

    {"version": 1, "peaks_per_second": 20, "sample_rate": 8000, "channels": 1,
     "duration": 12.5, "count": 250, "scale": "full_scale",
     "peaks": [[min, max], ...]}   # one pair per 1/peaks_per_second s, each in -1.0 .. 1.0

Values are normalised to digital full scale (1.0 = 0 dBFS), not to the file's loudest
sample, so a quiet recording looks quiet next to a loud one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "PEAKS_PER_SECOND",
    "PEAK_SAMPLE_RATE",
    "WAVEFORM_VERSION",
    "expected_peak_count",
    "peaks_document",
    "read_pcm_s16le",
    "waveform_peaks",
]

PEAKS_PER_SECOND = 20
PEAK_SAMPLE_RATE = 8000  # mono s16le side output of the derivatives pass: 16 kB per second
WAVEFORM_VERSION = 1


def read_pcm_s16le(path: Path) -> npt.NDArray[np.int16]:
    """Samples of a raw little-endian 16-bit mono file."""
    return np.fromfile(path, dtype="<i2").astype(np.int16, copy=False)


def waveform_peaks(samples: npt.NDArray[np.int16], *, sample_rate: int,
                   per_second: int = PEAKS_PER_SECOND) -> list[list[float]]:
    """(min, max) pairs per bucket of ``sample_rate / per_second`` samples, in -1..1.

    The last bucket may be partial; it is not padded with silence (padding would pull its
    min/max towards zero and draw a false dip at the end).
    """
    if samples.size == 0:
        return []
    bucket = max(1, sample_rate // per_second)
    full = samples.size // bucket
    scaled = samples.astype(np.float32) / 32768.0
    lows: list[float] = []
    highs: list[float] = []
    if full:
        frames = scaled[: full * bucket].reshape(full, bucket)
        lows.extend(frames.min(axis=1).tolist())
        highs.extend(frames.max(axis=1).tolist())
    if samples.size > full * bucket:
        rest = scaled[full * bucket:]
        lows.append(float(rest.min()))
        highs.append(float(rest.max()))
    return [[round(lo, 4), round(hi, 4)] for lo, hi in zip(lows, highs, strict=True)]


def peaks_document(samples: npt.NDArray[np.int16], *, sample_rate: int = PEAK_SAMPLE_RATE,
                   per_second: int = PEAKS_PER_SECOND) -> dict[str, Any]:
    """The JSON-ready waveform document described in the module docstring."""
    peaks = waveform_peaks(samples, sample_rate=sample_rate, per_second=per_second)
    return {
        "version": WAVEFORM_VERSION,
        "peaks_per_second": per_second,
        "sample_rate": sample_rate,
        "channels": 1,
        "duration": round(samples.size / sample_rate, 4) if sample_rate else 0.0,
        "count": len(peaks),
        "scale": "full_scale",
        "peaks": peaks,
    }


def expected_peak_count(duration_seconds: float, per_second: int = PEAKS_PER_SECOND) -> int:
    """How many pairs a clip of ``duration_seconds`` yields (a partial last bucket counts)."""
    return math.ceil(duration_seconds * per_second)
