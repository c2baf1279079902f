"""Loudness and its texture, ten points a second, from the shared 16 kHz mono blocks.

Per 100 ms hop we measure, from one windowed FFT:

- ``level_db``: plain RMS level in dBFS (the crowd detector's floor and rise are in these dB);
- ``loudness``: a LUFS-like momentary loudness — the power spectrum weighted by the
  ITU-R BS.1770 K-filter's magnitude response (high shelf + low cut, applied in the frequency
  domain so it costs nothing beyond the FFT we already take), averaged over 400 ms;
- ``flatness`` (noise-like = 1, tonal = 0), ``high_share`` (energy above 2 kHz) and the
  spectral ``centroid`` in Hz, which the crowd detector and the segment labeller read;
- ``envelope_db``: the level every 20 ms, fine enough to see syllables (~4 Hz).

The energy curve points carry the loudness; ``normalise_energy`` rescales them to 0..1 across
the whole batch once every file is done, so a quiet file does not look as loud as a loud one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from editron.analysis.base import AudioAnalyser, AudioBlock, FileContext, FileFindings, register
from editron.domain.analysis import EnergyPoint

__all__ = [
    "ENVELOPE_SECONDS",
    "HOP_SECONDS",
    "AudioEnergy",
    "HopFeatures",
    "frame_features",
    "hop_features",
    "k_weighting",
    "normalise_energy",
]

F32 = npt.NDArray[np.float32]

HOP_SECONDS = 0.1
ENVELOPE_SECONDS = 0.02
MOMENTARY_HOPS = 4  # 400 ms, BS.1770's momentary loudness window
FLOOR_DB = -90.0
_FLOOR_POWER = 10 ** (FLOOR_DB / 10)

# BS.1770-4 K-weighting biquads (48 kHz coefficients). Evaluating their response at a frequency
# below 8 kHz gives the analogue prototype's weighting, which is all a spectral weight needs.
_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285),
          (1.0, -1.69065929318241, 0.73248077421585))
_HIGHPASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


@lru_cache(maxsize=8)
def k_weighting(size: int, rate: int) -> F32:
    """|H(f)|^2 of the K-filter at the bins of an ``rfft`` of ``size`` samples."""
    freqs = np.fft.rfftfreq(size, 1 / rate)
    z = np.exp(-2j * np.pi * freqs / 48_000)
    gain = np.ones_like(freqs)
    for b, a in (_SHELF, _HIGHPASS):
        num = b[0] + b[1] * z + b[2] * z**2
        den = a[0] + a[1] * z + a[2] * z**2
        gain = gain * np.abs(num / den) ** 2
    return gain.astype(np.float32)


@dataclass(frozen=True, slots=True)
class HopFeatures:
    level_db: F32  # per hop, dBFS
    k_power: F32  # per hop, K-weighted mean square (linear)
    flatness: F32
    high_share: F32
    centroid: F32  # Hz
    envelope_db: F32  # per 20 ms


def _empty() -> F32:
    return np.zeros(0, dtype=np.float32)


def hop_features(samples: F32, rate: int) -> HopFeatures:
    """Features of every whole 100 ms hop in ``samples`` (a trailing part hop is ignored)."""
    hop = int(rate * HOP_SECONDS)
    count = samples.size // hop
    if count == 0:
        return HopFeatures(*(_empty() for _ in range(6)))
    frames = samples[: count * hop].reshape(count, hop).astype(np.float32)
    mean_square = np.mean(frames**2, axis=1)
    level = 10 * np.log10(np.maximum(mean_square, _FLOOR_POWER))
    window = np.hanning(hop).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2 + 1e-12
    total = spectrum.sum(axis=1)
    # Parseval: the K-weighted share of the spectrum times the true mean square.
    k_power = mean_square * (spectrum @ k_weighting(hop, rate)) / total
    flatness = np.exp(np.mean(np.log(spectrum), axis=1)) / np.mean(spectrum, axis=1)
    freqs = np.fft.rfftfreq(hop, 1 / rate)
    high = spectrum[:, freqs >= 2000].sum(axis=1) / total
    centroid = (spectrum @ freqs) / total
    sub = int(rate * ENVELOPE_SECONDS)
    fine = samples[: count * hop].reshape(-1, sub)
    envelope = 10 * np.log10(np.maximum(np.mean(fine**2, axis=1), _FLOOR_POWER))
    return HopFeatures(level.astype(np.float32), k_power.astype(np.float32),
                       flatness.astype(np.float32), high.astype(np.float32),
                       centroid.astype(np.float32), envelope.astype(np.float32))


def frame_features(samples: F32, rate: int) -> tuple[F32, F32, F32]:
    """(level dBFS, flatness 0..1, high-band share 0..1) per 100 ms hop."""
    f = hop_features(samples, rate)
    return f.level_db, f.flatness, f.high_share


def momentary_loudness(k_power: F32) -> F32:
    """BS.1770-style momentary loudness (LUFS-like, ungated): the 400 ms around each hop's
    start, so the curve lines up in time with the events it shows."""
    if k_power.size == 0:
        return _empty()
    kernel = np.ones(MOMENTARY_HOPS, dtype=np.float64) / MOMENTARY_HOPS
    before, after = MOMENTARY_HOPS // 2, MOMENTARY_HOPS // 2 - 1
    padded = np.concatenate([np.full(before, k_power[0]), k_power, np.full(after, k_power[-1])])
    mean = np.convolve(padded, kernel, mode="valid")
    return (-0.691 + 10 * np.log10(np.maximum(mean, _FLOOR_POWER))).astype(np.float32)


def normalise_energy(points: Sequence[EnergyPoint], *, low_pct: float = 5.0,
                     high_pct: float = 99.0) -> list[EnergyPoint]:
    """Rescale ``energy`` to 0..1 across every file of the batch from the points' loudness: the
    5th percentile maps to 0 and the 99th to 1 (robust to a single clipped bang)."""
    if not points:
        return []
    levels = np.asarray([p.loudness_db for p in points], dtype=np.float64)
    lo, hi = float(np.percentile(levels, low_pct)), float(np.percentile(levels, high_pct))
    span = max(hi - lo, 1e-3)
    energy = np.clip((levels - lo) / span, 0.0, 1.0)
    return [replace(p, energy=round(float(e), 4)) for p, e in zip(points, energy, strict=True)]


@register
class AudioEnergy(AudioAnalyser):
    NAME = "audio_energy"

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._parts: list[HopFeatures] = []
        self._carry = _empty()
        self._rate = 16_000

    def on_audio(self, block: AudioBlock) -> None:
        self._rate = block.sample_rate
        data = np.concatenate([self._carry, block.samples.astype(np.float32, copy=False)])
        hop = int(self._rate * HOP_SECONDS)
        usable = data.size // hop * hop
        if usable:
            self._parts.append(hop_features(data[:usable], self._rate))
        self._carry = data[usable:]

    def finish(self, findings: FileFindings) -> None:
        if not self._parts:
            return
        joined = {name: np.concatenate([getattr(p, name) for p in self._parts])
                  for name in HopFeatures.__slots__}
        series = findings.series
        series["level_db"] = joined["level_db"]
        series["flatness"] = joined["flatness"]
        series["high_share"] = joined["high_share"]
        series["centroid"] = joined["centroid"]
        series["envelope_db"] = joined["envelope_db"]
        loudness = momentary_loudness(joined["k_power"])
        series["loudness"] = loudness
        # 0..1 against a fixed -60..0 range for now; normalise_energy rescales per batch.
        energy = np.clip((loudness + 60.0) / 60.0, 0.0, 1.0)
        findings.energy.extend(
            EnergyPoint(findings.file_id, round(i * HOP_SECONDS, 2),
                        round(float(e), 4), round(float(db), 2))
            for i, (e, db) in enumerate(zip(energy, loudness, strict=True)))
