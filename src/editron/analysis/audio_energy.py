"""Loudness and its texture, ten points a second, from the shared 16 kHz mono blocks.

Per 100 ms hop: level in dBFS (RMS), spectral flatness (noise-like = 1, tonal = 0) and the
share of energy above 2 kHz. The crowd detector and the segment labeller read these series;
the energy curve in the analysis is the level, normalised across the batch at the end.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.base import AudioAnalyser, AudioBlock, FileFindings, register
from editron.domain.analysis import EnergyPoint

__all__ = ["HOP_SECONDS", "AudioEnergy", "frame_features"]

HOP_SECONDS = 0.1
FLOOR_DB = -90.0


def frame_features(samples: npt.NDArray[np.float32], rate: int
                   ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32],
                              npt.NDArray[np.float32]]:
    """(level dBFS, flatness 0..1, high-band share 0..1) per 100 ms hop."""
    hop = int(rate * HOP_SECONDS)
    count = samples.size // hop
    if count == 0:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty, empty
    frames = samples[: count * hop].reshape(count, hop).astype(np.float32)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    level = 20 * np.log10(np.maximum(rms, 10 ** (FLOOR_DB / 20)))
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(hop), axis=1)) ** 2 + 1e-12
    flatness = np.exp(np.mean(np.log(spectrum), axis=1)) / np.mean(spectrum, axis=1)
    freqs = np.fft.rfftfreq(hop, 1 / rate)
    high = spectrum[:, freqs >= 2000].sum(axis=1) / spectrum.sum(axis=1)
    return (level.astype(np.float32), flatness.astype(np.float32), high.astype(np.float32))


@register
class AudioEnergy(AudioAnalyser):
    NAME = "audio_energy"

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._level: list[npt.NDArray[np.float32]] = []
        self._flat: list[npt.NDArray[np.float32]] = []
        self._high: list[npt.NDArray[np.float32]] = []
        self._carry = np.zeros(0, dtype=np.float32)
        self._rate = 16000

    def on_audio(self, block: AudioBlock) -> None:
        self._rate = block.sample_rate
        data = np.concatenate([self._carry, block.samples])
        hop = int(self._rate * HOP_SECONDS)
        usable = data.size // hop * hop
        level, flat, high = frame_features(data[:usable], self._rate)
        self._level.append(level)
        self._flat.append(flat)
        self._high.append(high)
        self._carry = data[usable:]

    def finish(self, findings: FileFindings) -> None:
        if not self._level:
            return
        level = np.concatenate(self._level)
        findings.series["level_db"] = level
        findings.series["flatness"] = np.concatenate(self._flat)
        findings.series["high_share"] = np.concatenate(self._high)
        # Energy is normalised per batch later (scoring); here 0..1 against a fixed range.
        energy = np.clip((level + 60.0) / 60.0, 0.0, 1.0)
        findings.energy.extend(
            EnergyPoint(findings.file_id, round(i * HOP_SECONDS, 2), round(float(e), 4),
                        round(float(db), 2))
            for i, (e, db) in enumerate(zip(energy, level, strict=True)))
