"""A speech / music / crowd / silence label per second, from the 100 ms series.

Heuristic by design (no model to ship): silence is quiet; crowd is where the crowd detector
fired; speech is loud-and-quiet alternating at syllable rate with a non-flat spectrum; music
is steady and tonal. Used to aim the speech pass and to explain moments, not as ground truth.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.audio_energy import HOP_SECONDS
from editron.analysis.base import AudioAnalyser, AudioBlock, FileFindings, register
from editron.domain.analysis import AudioSegment, CrowdPeak

__all__ = ["AudioLabels", "label_seconds", "merge_labels"]

HOPS_PER_SECOND = round(1 / HOP_SECONDS)


def label_seconds(level: npt.NDArray[np.float32], flatness: npt.NDArray[np.float32],
                  crowd: list[CrowdPeak]) -> list[str]:
    seconds = level.size // HOPS_PER_SECOND
    loudest = float(np.percentile(level, 95)) if level.size else -90.0
    labels = []
    for s in range(seconds):
        window = slice(s * HOPS_PER_SECOND, (s + 1) * HOPS_PER_SECOND)
        lv, fl = level[window], flatness[window]
        mid = s + 0.5
        if any(p.start <= mid <= p.start + p.duration for p in crowd):
            labels.append("crowd")
        elif float(np.median(lv)) < max(-55.0, loudest - 28.0):
            labels.append("silence")
        elif float(lv.std()) >= 5.0 and float(np.median(fl)) < 0.35:
            labels.append("speech")
        elif float(lv.std()) < 3.0 and float(np.median(fl)) < 0.1:
            labels.append("music")
        else:
            labels.append("speech" if float(lv.std()) >= 3.5 else "music")
    return labels


def merge_labels(file_id: str, labels: list[str]) -> list[AudioSegment]:
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
        labels = label_seconds(series["level_db"], series["flatness"], findings.crowd_peaks)
        findings.audio_segments.extend(merge_labels(findings.file_id, labels))
