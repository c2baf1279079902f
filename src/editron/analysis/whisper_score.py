"""How likely a loaded Whisper model finds a sentence over a stretch of audio: forced
decoding (CTranslate2's ``align``) sums the log-probability of every token of the sentence,
and of its end, given the audio and, optionally, the brief's hotwords and prompt laid out as
faster-whisper lays them out when it decodes. Used by ``analysis.name_rescue`` to weigh a
brief's name against the words the beam kept; the audio is encoded once per stretch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from editron.analysis.names import RecognitionHints

__all__ = ["WhisperTextScorer"]

RATE = 16_000
CHUNK_FRAMES = 3000  # Whisper hears 30 s at a time (100 mel frames a second)


class WhisperTextScorer:
    """``log_probs`` of sentences over ``audio`` (at most 30 s, 16 kHz mono) with ``model``
    (a faster-whisper ``WhisperModel``) and ``tokenizer`` (its faster-whisper tokenizer)."""

    def __init__(
        self, model: Any, tokenizer: Any, audio: npt.NDArray[np.float32], hints: RecognitionHints
    ) -> None:
        self.model, self.tokenizer, self.hints = model, tokenizer, hints
        features = model.feature_extractor(audio[: RATE * 30])
        self.frames = min(int(features.shape[-1]), CHUNK_FRAMES)
        padded = np.zeros((features.shape[0], CHUNK_FRAMES), dtype=np.float32)
        padded[:, : self.frames] = features[:, : self.frames]
        self._encoded: Any = None
        self._features = padded

    def _start(self, prompted: bool) -> list[int]:
        tok, hints = self.tokenizer, self.hints
        start: list[int] = []
        if prompted and (hints.hotwords or hints.initial_prompt):
            start.append(tok.sot_prev)
            if hints.hotwords:
                start += tok.encode(" " + hints.hotwords.strip())
            if hints.initial_prompt:
                start += tok.encode(hints.initial_prompt)
        return [*start, *tok.sot_sequence, tok.no_timestamps]

    def log_probs(self, texts: Sequence[str], *, prompted: bool) -> list[float]:
        if self._encoded is None:
            self._encoded = self.model.encode(self._features)
        start = self._start(prompted)
        out = []
        for text in texts:
            tokens = [*self.tokenizer.encode(" " + text.strip()), self.tokenizer.eot]
            [result] = self.model.model.align(self._encoded, start, [tokens], self.frames)
            probs = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-9)
            out.append(float(np.log(probs).sum()))
        return out
