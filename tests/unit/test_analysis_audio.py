"""Loudness, crowd response and audio labels on synthetic signals (no ffmpeg)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.analysis.audio_energy import frame_features
from editron.analysis.audio_labels import label_seconds
from editron.analysis.crowd import find_crowd_peaks

RATE = 16_000
RNG = np.random.default_rng(3)


def _signal(seconds: float) -> npt.NDArray[np.float32]:
    return (RNG.normal(0, 0.003, int(seconds * RATE))).astype(np.float32)


def _add_noise_burst(x: npt.NDArray[np.float32], start: float, length: float,
                     amp: float) -> None:
    a, n = int(start * RATE), int(length * RATE)
    envelope = np.minimum(1, np.minimum(np.arange(n), n - np.arange(n)) / (0.2 * RATE))
    x[a: a + n] += (RNG.normal(0, amp, n) * envelope).astype(np.float32)


def _add_speechlike(x: npt.NDArray[np.float32], start: float, length: float) -> None:
    a, n = int(start * RATE), int(length * RATE)
    t = np.arange(n) / RATE
    syllables = (np.sin(2 * np.pi * 4 * t) > 0).astype(np.float32)  # 4 Hz on/off
    voice = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((140, 280, 420), start=1))
    x[a: a + n] += (0.2 * voice * syllables).astype(np.float32)


def test_loudness_curve_has_ten_points_a_second() -> None:
    level, flat, high = frame_features(_signal(3.0), RATE)
    assert level.size == 30 and flat.size == 30 and high.size == 30
    assert float(level.mean()) < -40


def test_crowd_bursts_found_at_known_times_not_speech() -> None:
    x = _signal(40.0)
    _add_speechlike(x, 3.0, 5.0)
    _add_noise_burst(x, 12.0, 3.0, 0.05)
    _add_noise_burst(x, 25.0, 4.0, 0.15)
    level, flat, high = frame_features(x, RATE)
    peaks = find_crowd_peaks("f", level, flat, high)
    assert len(peaks) == 2, peaks
    assert abs(peaks[0].start - 12.0) <= 0.5 and abs(peaks[1].start - 25.0) <= 0.5
    assert 12.0 <= peaks[0].t <= 15.0 and 25.0 <= peaks[1].t <= 29.0
    assert peaks[1].strength_db > peaks[0].strength_db > 8
    labels = label_seconds(level, flat, peaks)
    assert labels[13] == "crowd" and labels[26] == "crowd"
    assert labels[5] == "speech"
    assert labels[35] == "silence"
