"""A speech / music / crowd / silence label per second, from the ``audio_energy`` series.

Heuristic by design (no model to ship, nothing to download), and documented as such: the
labels aim the speech pass and explain moments; they are not ground truth.

- silence: the second's median level is far below the file's loud level (or below -55 dBFS);
- crowd: the crowd detector fired here, or the sound is loud, noise-like (high spectral
  flatness), broad-band (energy well above 2 kHz) and steady for the whole second;
- speech: the 20 ms envelope swings at syllable rate (2-8 Hz holds a large share of its
  modulation) and the spectral centroid sits in the voice range;
- music: tonal (low flatness) and steady — stable harmonics rather than syllables.
Anything left falls to whichever of speech/music its modulation is closer to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from editron.analysis.audio_energy import ENVELOPE_SECONDS, HOP_SECONDS
from editron.analysis.base import AudioAnalyser, AudioBlock, FileFindings, register
from editron.domain.analysis import AudioSegment, CrowdPeak

__all__ = ["AudioLabels", "label_seconds", "merge_labels", "syllabic_modulation"]

F32 = npt.NDArray[np.float32]

HOPS_PER_SECOND = round(1 / HOP_SECONDS)
ENV_PER_SECOND = round(1 / ENVELOPE_SECONDS)
SPEECH_MODULATION = 0.3  # depth (RMS) of the 2-8 Hz envelope modulation
VOICE_CENTROID_HZ = (250.0, 3500.0)


def syllabic_modulation(envelope_db: F32) -> F32:
    """Per second: the depth of the envelope's 2-8 Hz (syllable-rate) modulation, as the RMS
    of that band of the mean-normalised amplitude, measured over the 2 s around that second.
    Speech, whose syllables dip to near silence, scores ~0.5 and more; steady noise and
    sustained music stay near 0.1."""
    seconds = envelope_db.size // ENV_PER_SECOND
    out = np.zeros(seconds, dtype=np.float32)
    if seconds == 0:
        return out
    # Linear amplitude, so quiet gaps between syllables count as the dips they are.
    amp = 10 ** (envelope_db.astype(np.float64) / 20)
    width = 2 * ENV_PER_SECOND
    freqs = np.fft.rfftfreq(width, ENVELOPE_SECONDS)
    band = (freqs >= 2.0) & (freqs <= 8.0)
    taper = np.hanning(width)
    for s in range(seconds):
        a = int(np.clip(s * ENV_PER_SECOND - ENV_PER_SECOND // 2, 0, max(amp.size - width, 0)))
        chunk = amp[a: a + width]
        if chunk.size < width:
            chunk = np.pad(chunk, (0, width - chunk.size), mode="edge")
        mean = float(chunk.mean())
        if mean <= 0:
            continue
        power = np.abs(np.fft.rfft((chunk / mean - 1.0) * taper)) ** 2
        # Parseval (one-sided, Hann power 3/8): band power back to a time-domain RMS.
        out[s] = float(np.sqrt(2 * power[band].sum() / (width**2 * 0.375)))
    return out


def label_seconds(level: F32, flatness: F32, crowd: Sequence[CrowdPeak], *,
                  high_share: F32 | None = None, envelope_db: F32 | None = None,
                  centroid: F32 | None = None) -> list[str]:
    seconds = level.size // HOPS_PER_SECOND
    loudest = float(np.percentile(level, 95)) if level.size else -90.0
    modulation = syllabic_modulation(envelope_db) if envelope_db is not None else None
    labels = []
    for s in range(seconds):
        window = slice(s * HOPS_PER_SECOND, (s + 1) * HOPS_PER_SECOND)
        lv, fl = level[window], flatness[window]
        median_db, spread, flat = float(np.median(lv)), float(lv.std()), float(np.median(fl))
        mid = s + 0.5
        high = float(np.median(high_share[window])) if high_share is not None else 0.0
        if any(p.start <= mid <= p.start + p.duration for p in crowd):
            labels.append("crowd")
            continue
        if median_db < max(-55.0, loudest - 28.0):
            labels.append("silence")
            continue
        mod = float(modulation[s]) if modulation is not None and s < modulation.size else None
        cen = float(np.median(centroid[window])) if centroid is not None else None
        if high_share is not None and flat >= 0.08 and high >= 0.08 and spread < 4.0 and \
                (mod is None or mod < SPEECH_MODULATION):
            labels.append("crowd")
        elif mod is not None:
            voiced = cen is None or VOICE_CENTROID_HZ[0] <= cen <= VOICE_CENTROID_HZ[1]
            if mod >= SPEECH_MODULATION and voiced and flat < 0.4:
                labels.append("speech")
            elif flat < 0.08 and spread < 4.0:
                labels.append("music")
            else:
                labels.append("speech" if mod >= SPEECH_MODULATION * 0.7 and voiced
                              else "music")
        # Without the fine envelope: level swings stand in for syllables.
        elif spread >= 5.0 and flat < 0.35:
            labels.append("speech")
        elif spread < 3.0 and flat < 0.1:
            labels.append("music")
        else:
            labels.append("speech" if spread >= 3.5 else "music")
    return labels


def merge_labels(file_id: str, labels: Sequence[str]) -> list[AudioSegment]:
    out: list[AudioSegment] = []
    for second, label in enumerate(labels):
        if out and out[-1].label == label and out[-1].end == second:
            last = out[-1]
            out[-1] = AudioSegment(file_id, last.start, float(second + 1), label)
        else:
            out.append(AudioSegment(file_id, float(second), float(second + 1), label))
    return out


@register
class AudioLabels(AudioAnalyser):
    NAME = "audio_labels"
    AFTER = ("audio_energy", "crowd")

    def on_audio(self, block: AudioBlock) -> None:
        return  # works on the audio_energy series in finish

    def finish(self, findings: FileFindings) -> None:
        series = findings.series
        if "level_db" not in series:
            return
        labels = label_seconds(series["level_db"], series["flatness"], findings.crowd_peaks,
                               high_share=series.get("high_share"),
                               envelope_db=series.get("envelope_db"),
                               centroid=series.get("centroid"))
        findings.audio_segments.extend(merge_labels(findings.file_id, labels))
