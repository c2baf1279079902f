"""Loudness, crowd response and audio labels on synthetic signals (no ffmpeg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from editron.analysis.audio_energy import (
    AudioEnergy,
    frame_features,
    hop_features,
    momentary_loudness,
    normalise_energy,
)
from editron.analysis.audio_labels import label_seconds, syllabic_modulation
from editron.analysis.base import AudioBlock, FileContext, FileFindings
from editron.analysis.crowd import find_crowd_peaks
from editron.domain.analysis import Brief, EnergyPoint
from editron.domain.media import MediaProbe

RATE = 16_000
F32 = npt.NDArray[np.float32]


def _rng() -> np.random.Generator:
    return np.random.default_rng(3)


def _signal(seconds: float, rng: np.random.Generator, amp: float = 0.003) -> F32:
    return rng.normal(0, amp, int(seconds * RATE)).astype(np.float32)


def _tone(seconds: float, hz: float, amp: float) -> F32:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _add_noise_burst(x: F32, start: float, length: float, amp: float,
                     rng: np.random.Generator) -> None:
    a, n = int(start * RATE), int(length * RATE)
    envelope = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / (0.2 * RATE))
    x[a: a + n] += (rng.normal(0, amp, n) * envelope).astype(np.float32)


def _add_speechlike(x: F32, start: float, length: float, amp: float = 0.2) -> None:
    """A 140 Hz voice (harmonics to 3 kHz, 1/k) switched on and off at 4 Hz: syllables."""
    a, n = int(start * RATE), int(length * RATE)
    t = np.arange(n) / RATE
    syllables = (np.sin(2 * np.pi * 4 * t) > 0).astype(np.float32)
    voice = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 22))
    x[a: a + n] += (amp * voice * syllables).astype(np.float32)


def _context() -> FileContext:
    probe = MediaProbe(container="wav", duration_seconds=10.0, has_video=False, has_audio=True)
    return FileContext("f", Path("f.wav"), probe, Brief(), Path("."))


def test_loudness_curve_has_ten_points_a_second() -> None:
    level, flat, high = frame_features(_signal(3.0, _rng()), RATE)
    assert level.size == 30 and flat.size == 30 and high.size == 30
    assert float(level.mean()) < -40


def test_k_weighted_loudness_of_a_1khz_sine_matches_bs1770() -> None:
    # BS.1770: a 997 Hz sine at full scale reads -3.01 LKFS, so amplitude 0.1 reads ~-23.
    features = hop_features(_tone(2.0, 997, 0.1), RATE)
    loudness = momentary_loudness(features.k_power)
    assert float(np.median(loudness)) == pytest.approx(-23.01, abs=0.3)
    assert float(np.median(features.level_db)) == pytest.approx(-23.01, abs=0.1)  # RMS


def test_k_weighting_favours_presence_over_rumble() -> None:
    low = momentary_loudness(hop_features(_tone(1.0, 60, 0.1), RATE).k_power)
    high = momentary_loudness(hop_features(_tone(1.0, 4000, 0.1), RATE).k_power)
    assert float(np.median(high)) - float(np.median(low)) > 4.0


def test_streaming_blocks_of_any_size_match_one_pass() -> None:
    rng = _rng()
    x = _signal(5.0, rng, 0.02)
    _add_speechlike(x, 1.0, 2.0)
    analyser = AudioEnergy(_context())
    t, cursor = 0.0, 0
    for size in (7_001, 16_000, 3, 20_000, 33_333):
        block = x[cursor: cursor + size]
        analyser.on_audio(AudioBlock(t, block, RATE))
        cursor += size
        t += size / RATE
    analyser.on_audio(AudioBlock(t, x[cursor:], RATE))
    findings = FileFindings("f", 5.0)
    analyser.finish(findings)
    whole = hop_features(x, RATE)
    np.testing.assert_allclose(findings.series["level_db"], whole.level_db, atol=1e-3)
    np.testing.assert_allclose(findings.series["envelope_db"], whole.envelope_db, atol=1e-3)
    assert len(findings.energy) == 50 and findings.energy[12].t == pytest.approx(1.2)
    assert all(0 <= p.energy <= 1 for p in findings.energy)


def test_energy_is_normalised_across_the_batch() -> None:
    quiet = [EnergyPoint("q", i / 10, 0.0, -40.0 + i % 3) for i in range(100)]
    loud = [EnergyPoint("l", i / 10, 0.0, -12.0 - i % 5) for i in range(100)]
    points = normalise_energy([*quiet, *loud])
    by_file = {fid: [p.energy for p in points if p.file_id == fid] for fid in ("q", "l")}
    assert max(by_file["q"]) < 0.2 < 0.8 < min(by_file["l"])
    assert min(p.energy for p in points) == 0.0 and max(p.energy for p in points) == 1.0
    assert [p.loudness_db for p in points] == [p.loudness_db for p in [*quiet, *loud]]
    assert normalise_energy([]) == []


def test_crowd_bursts_found_at_known_times_not_speech() -> None:
    rng = _rng()
    x = _signal(40.0, rng)
    _add_speechlike(x, 3.0, 5.0)
    _add_noise_burst(x, 12.0, 3.0, 0.05, rng)
    _add_noise_burst(x, 25.0, 4.0, 0.15, rng)
    level, flat, high = frame_features(x, RATE)
    peaks = find_crowd_peaks("f", level, flat, high)
    assert len(peaks) == 2, peaks
    assert abs(peaks[0].start - 12.0) <= 0.5 and abs(peaks[1].start - 25.0) <= 0.5
    assert 12.0 <= peaks[0].t <= 15.0 and 25.0 <= peaks[1].t <= 29.0
    assert peaks[1].strength_db > peaks[0].strength_db > 8
    assert all(p.duration >= 0.7 for p in peaks)


def test_short_bang_and_loud_tone_are_not_crowd() -> None:
    rng = _rng()
    x = _signal(30.0, rng)
    _add_noise_burst(x, 5.0, 0.4, 0.2, rng)  # a door slam: loud, noisy, too short
    x[int(15 * RATE): int(19 * RATE)] += _tone(4.0, 440, 0.3)  # loud, sustained, tonal
    level, flat, high = frame_features(x, RATE)
    assert find_crowd_peaks("f", level, flat, high) == []


def test_labels_speech_music_crowd_silence() -> None:
    rng = _rng()
    x = _signal(24.0, rng, 0.001)
    _add_speechlike(x, 2.0, 5.0)
    t = np.arange(5 * RATE) / RATE
    chord = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (220, 277, 330, 440))
    x[10 * RATE: 15 * RATE] += chord.astype(np.float32)
    spectrum = np.fft.rfft(rng.normal(0, 1, 5 * RATE))
    spectrum[1:] /= np.sqrt(np.fft.rfftfreq(5 * RATE, 1 / RATE)[1:])  # pink: a crowd's hiss
    pink = np.fft.irfft(spectrum)
    x[17 * RATE: 22 * RATE] += (0.1 * pink / pink.std()).astype(np.float32)
    f = hop_features(x, RATE)
    labels = label_seconds(f.level_db, f.flatness, [], high_share=f.high_share,
                           envelope_db=f.envelope_db, centroid=f.centroid)
    assert len(labels) == 24
    assert labels[3:6] == ["speech"] * 3, labels
    assert labels[11:14] == ["music"] * 3, labels
    assert labels[18:21].count("crowd") >= 2, labels
    assert labels[8] == labels[16] == labels[23] == "silence", labels


def test_syllabic_modulation_separates_syllables_from_steady_sound() -> None:
    rng = _rng()
    speech = _signal(4.0, rng, 0.001)
    _add_speechlike(speech, 0.0, 4.0)
    steady = _signal(4.0, rng, 0.1)
    mod_speech = syllabic_modulation(hop_features(speech, RATE).envelope_db)
    mod_steady = syllabic_modulation(hop_features(steady, RATE).envelope_db)
    assert mod_speech.size == mod_steady.size == 4
    assert float(mod_speech.min()) > 0.3 > 0.1 > float(mod_steady.max())
