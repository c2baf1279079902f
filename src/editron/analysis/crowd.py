"""Crowd response (applause, cheering): a sustained, broad-band rise in loudness.

Reads the 100 ms series from ``audio_energy``: a crowd event is a run of at least
``MIN_SECONDS`` where the level stands ``RISE_DB`` above the local floor (a low percentile of
the surrounding 20 s) and the sound is noise-like (high spectral flatness, energy spread into
the high band) — which separates cheering from speech and music of the same loudness.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.audio_energy import HOP_SECONDS
from editron.analysis.base import AudioAnalyser, AudioBlock, FileFindings, register
from editron.domain.analysis import CrowdPeak

__all__ = ["CrowdResponse", "find_crowd_peaks", "local_floor"]

MIN_SECONDS = 0.7
RISE_DB = 8.0
FLOOR_WINDOW_SECONDS = 20.0


def local_floor(level: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    radius = int(FLOOR_WINDOW_SECONDS / HOP_SECONDS / 2)
    if level.size == 0:
        return level
    padded = np.pad(level, radius, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    step = max(1, radius // 10)  # percentile every few hops, then hold: cheap on long files
    floors = np.percentile(windows[::step], 15, axis=1)
    return np.repeat(floors, step)[: level.size].astype(np.float32)


def _running_median(values: npt.NDArray[np.float32], width: int) -> npt.NDArray[np.float32]:
    padded = np.pad(values, width // 2, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.median(windows, axis=1).astype(np.float32)[: values.size]


def find_crowd_peaks(file_id: str, level: npt.NDArray[np.float32],
                     flatness: npt.NDArray[np.float32], high: npt.NDArray[np.float32]
                     ) -> list[CrowdPeak]:
    if level.size == 0:
        return []
    floor = local_floor(level)
    # A running median ignores the odd fricative in speech (flat for one hop), while cheering
    # stays noise-like hop after hop.
    steady_flat = _running_median(flatness, 7)
    steady_high = _running_median(high, 7)
    loud = (level - floor) >= RISE_DB
    noisy = (steady_flat >= 0.06) & (steady_high >= 0.06)
    mask = loud & noisy
    peaks = []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if (b - a) * HOP_SECONDS < MIN_SECONDS:
            continue
        top = a + int(np.argmax(level[a:b]))
        peaks.append(CrowdPeak(
            file_id=file_id, t=round(float(top) * HOP_SECONDS, 2),
            start=round(float(a) * HOP_SECONDS, 2),
            duration=round(float(b - a) * HOP_SECONDS, 2),
            strength_db=round(float(level[top] - floor[top]), 1)))
    return peaks


@register
class CrowdResponse(AudioAnalyser):
    NAME = "crowd"
    AFTER = ("audio_energy",)

    def on_audio(self, block: AudioBlock) -> None:
        return  # works on the audio_energy series in finish

    def finish(self, findings: FileFindings) -> None:
        series = findings.series
        if "level_db" not in series:
            return
        findings.crowd_peaks.extend(find_crowd_peaks(
            findings.file_id, series["level_db"], series["flatness"], series["high_share"]))
