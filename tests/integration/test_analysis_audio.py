"""Loudness, crowd response and audio labels through the real decode pass, on generated event
audio whose truth is known (crowd bursts at known times, espeak-ng speech, a quiet bed)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.domain.analysis import AnalysisResult
from editron.media.probe import probe
from tests.audio_fixtures import AudioTruth, event_audio, mux_with_picture

SECONDS = 36.0
SPEECH = [(2.0, "welcome everyone to the summit"), (22.0, "please find your seats now")]
CHEERS = [(9.0, 3.0, 0.35), (15.0, 0.4, 0.9), (29.0, 4.0, 0.8)]  # the middle one is a bang


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> AudioTruth:
    root = tmp_path_factory.mktemp("crowd")
    return event_audio(root / "event.wav", seconds=SECONDS, speech=SPEECH, cheers=CHEERS)


@pytest.fixture(scope="module")
def analysed(truth: AudioTruth, tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    root = tmp_path_factory.mktemp("crowd_clip")
    clip = mux_with_picture(truth.path, root / "event.mp4", seconds=SECONDS)
    ctx = FileContext("clip", clip, probe(clip), parse_brief(None), root / "work")
    wav = FileContext("wav", truth.path, probe(truth.path), parse_brief(None), root / "work2")
    result, _ = analyze_files([ctx, wav], max_iterations=1)
    return result


@pytest.mark.parametrize("file_id", ["clip", "wav"])
def test_crowd_peaks_at_known_times(analysed: AnalysisResult, file_id: str) -> None:
    peaks = sorted((p for p in analysed.crowd_peaks if p.file_id == file_id),
                   key=lambda p: p.start)
    sustained = [c for c in CHEERS if c[1] >= 0.7]
    assert len(peaks) == len(sustained), peaks  # the 0.4 s bang is not applause
    for peak, (start, length, _) in zip(peaks, sustained, strict=True):
        # sox's fade-in reaches the floor + 8 dB a little after the burst's first sample.
        assert abs(peak.start - start) <= 0.5, (peak, start)
        assert start <= peak.t <= start + length
        assert peak.duration >= 0.7 and peak.strength_db >= 8
    assert peaks[1].strength_db > peaks[0].strength_db, "the louder burst is the stronger"


def test_loudness_curve_is_dense_and_normalised(analysed: AnalysisResult) -> None:
    for file_id in ("clip", "wav"):
        points = [p for p in analysed.energy_curve if p.file_id == file_id]
        assert len(points) / SECONDS >= 4
        times = [p.t for p in points]
        assert times == sorted(times) and times[1] - times[0] <= 0.25
    energies = np.array([p.energy for p in analysed.energy_curve])
    assert energies.min() == 0.0 and energies.max() == 1.0
    clip = [p for p in analysed.energy_curve if p.file_id == "clip"]
    loud = np.mean([p.energy for p in clip if 30.0 <= p.t <= 32.0])
    bed = np.mean([p.energy for p in clip if 13.0 <= p.t <= 14.5])
    assert loud > 0.7 > 0.2 > bed


def test_segments_are_labelled(analysed: AnalysisResult) -> None:
    def label_at(t: float) -> str:
        return next(s.label for s in analysed.audio_segments
                    if s.file_id == "wav" and s.start <= t < s.end)

    assert [label_at(t) for t in (30.5, 31.5)] == ["crowd", "crowd"]
    assert [label_at(t) for t in (19.5, 34.9)] == ["silence", "silence"]
    spoken = [label_at(t) for t in (2.5, 3.5, 22.5, 23.5)]
    assert spoken.count("speech") >= 3, spoken
    segments = [s for s in analysed.audio_segments if s.file_id == "wav"]
    assert segments[0].start == 0
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))


def test_audio_only_files_get_no_shots(analysed: AnalysisResult) -> None:
    assert not any(s.file_id == "wav" for s in analysed.shots)
    assert {r.file_id: r.status for r in analysed.file_reports} == {"clip": "analyzed",
                                                                   "wav": "analyzed"}


def test_fixture_truth_is_what_was_written(truth: AudioTruth) -> None:
    from tests.audio_fixtures import read_wav

    samples = read_wav(truth.path)
    assert samples.size == pytest.approx(SECONDS * 16_000, abs=1)
    first = truth.words[0]
    a, b = round(first.start * 16_000), round(first.end * 16_000)
    assert np.abs(samples[a: b]).max() > 10 * np.abs(samples[: a - 800]).max()
    assert [w.word for w in truth.words[:2]] == ["welcome", "everyone"]
    assert Path(truth.path).exists()
