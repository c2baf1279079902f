"""The music bed's beats through the real PyAV decode of a file on disk."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from editron.edit.music import decode_mono, detect_beats
from editron.errors import MediaError
from tests.unit.test_edit_music import click_track


def _write_wav(path: Path, samples: np.ndarray, rate: int = 44100) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_detect_beats_of_a_wav_music_bed(tmp_path: Path) -> None:
    clicks = click_track(120, 10.0)  # made at 22.05 kHz: write it at 44.1 kHz, half speed
    path = tmp_path / "bed.wav"
    _write_wav(path, np.repeat(clicks, 2), 44100)
    samples = decode_mono(path)
    assert abs(samples.size - clicks.size) <= 2048
    beats = detect_beats(path)
    assert abs(float(np.median(np.diff(beats))) - 0.5) < 0.03
    for b in beats:
        off = (b - 0.1) % 0.5
        assert min(off, 0.5 - off) < 0.04


def test_a_file_that_is_not_audio_is_a_media_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(MediaError, match=r"notes\.wav"):
        decode_mono(bad)
