"""While detecting, a file's language settles after two windows heard in it with confidence,
so the later windows skip the multilingual model's detection (most of what speech costs),
except one in eight, which is detected again."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from editron.analysis.speech import RATE, SpeechWindow, file_language, transcribe_windows
from editron.domain.analysis import Word
from editron.domain.languages import RECHECK_EVERY, LanguageSettler, SpokenLanguage


class _Heard:
    """A transcriber that hears each window in the language the script gives it, detecting
    only when no language is passed, and says which windows it detected."""

    def __init__(self, script: list[tuple[str, float]]) -> None:
        self.script, self.calls = script, 0
        self.detected: list[int] = []

    def transcribe(self, audio: npt.NDArray[np.float32], hints: Any = None, *,
                   language: str | None = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], SpokenLanguage]:
        code, probability = self.script[self.calls]
        if language is None:
            self.detected.append(self.calls)
            heard = SpokenLanguage(code, probability, "detected")
        else:
            heard = SpokenLanguage(language, None, "detected")
        self.calls += 1
        return [(0.1, 0.9, "hola", [Word("hola", 0.1, 0.9, 0.9)])], heard


def _run(script: list[tuple[str, float]]) -> tuple[_Heard, list[tuple[SpokenLanguage, float]]]:
    audio = np.zeros(RATE * 2 * len(script), np.float32)
    windows = [SpeechWindow(2.0 * k, 2.0 * k + 1.0) for k in range(len(script))]
    heard: list[tuple[SpokenLanguage, float]] = []
    fake = _Heard(script)
    transcribe_windows("f", audio, windows, fake, heard=heard)  # type: ignore[arg-type]
    return fake, heard


def test_two_confident_windows_settle_the_language_and_one_in_eight_is_checked() -> None:
    fake, heard = _run([("es", 0.97)] * 20)
    assert fake.detected == [0, 1, 1 + RECHECK_EVERY, 1 + 2 * RECHECK_EVERY]
    found = file_language(heard)
    assert found is not None and (found.code, found.probability) == ("es", 0.97)


def test_unsure_windows_do_not_settle_it() -> None:
    fake, _ = _run([("es", 0.6), ("es", 0.97), ("pt", 0.7), ("es", 0.95), ("es", 0.93),
                    ("es", 0.99)])
    assert fake.detected == [0, 1, 2, 3, 4], "settled only after two confident in a row"


def test_a_confident_other_language_at_a_check_unsettles_it() -> None:
    settler = LanguageSettler()
    for _ in range(2):
        assert settler.next_language() is None
        settler.heard(SpokenLanguage("en", 0.99, "detected"))
    assert [settler.next_language() for _ in range(RECHECK_EVERY - 1)] == ["en"] * 7
    assert settler.next_language() is None, "the check"
    settler.heard(SpokenLanguage("fr", 0.95, "detected"))
    assert settler.next_language() is None, "unsettled: detected again"
    settler.heard(SpokenLanguage("fr", 0.96, "detected"))
    assert settler.next_language() == "fr"
    settler.heard(SpokenLanguage("fr", None, "asked"))
    assert settler.settled == "fr", "only detections count"
