"""The spoken languages Whisper knows, by the ISO 639 codes it uses, and the value the
analysis stores for each file: which language was heard, how sure the model was, and whether
it was detected or asked for. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["DETECT", "WHISPER_LANGUAGES", "LanguageSettler", "LanguageSource", "SpokenLanguage",
           "language_wish"]

DETECT = "detect"

# faster_whisper.tokenizer._LANGUAGE_CODES (tests/unit/test_speech_models.py holds them equal),
# kept here so a request is checked without importing the recogniser.
WHISPER_LANGUAGES: tuple[str, ...] = (
    "af", "am", "ar", "as", "az", "ba", "be", "bg", "bn", "bo", "br", "bs", "ca", "cs", "cy",
    "da", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fo", "fr", "gl", "gu", "ha", "haw",
    "he", "hi", "hr", "ht", "hu", "hy", "id", "is", "it", "ja", "jw", "ka", "kk", "km", "kn",
    "ko", "la", "lb", "ln", "lo", "lt", "lv", "mg", "mi", "mk", "ml", "mn", "mr", "ms", "mt",
    "my", "ne", "nl", "nn", "no", "oc", "pa", "pl", "ps", "pt", "ro", "ru", "sa", "sd", "si",
    "sk", "sl", "sn", "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl",
    "tr", "tt", "uk", "ur", "uz", "vi", "yi", "yo", "zh", "yue",
)

# detected: the model chose it (probability is its confidence); asked: the request named it;
# model: the model knows only this language (an English-only model asked to detect).
LanguageSource = Literal["detected", "asked", "model"]


@dataclass(frozen=True, slots=True)
class SpokenLanguage:
    code: str
    probability: float | None = None  # None: not measured (asked, or the model's only one)
    source: LanguageSource = "detected"


def language_wish(value: str | None) -> str | None:
    """A request's ``language`` as the recogniser takes it: ``None`` to detect, else the
    code (lower case); ValueError naming the codes for anything else."""
    code = (value or DETECT).strip().lower()
    if code == DETECT:
        return None
    if code not in WHISPER_LANGUAGES:
        raise ValueError(f"unknown language {value!r}: use detect or one of "
                         f"{', '.join(WHISPER_LANGUAGES)}")
    return code


SETTLE_AFTER = 2  # windows in a row confidently heard in one language settle a file's language
SETTLE_PROBABILITY = 0.9
RECHECK_EVERY = 8  # once settled, every this many windows one is detected again


@dataclass(slots=True)
class LanguageSettler:
    """While detecting, one file's windows: after ``SETTLE_AFTER`` in a row heard with
    ``SETTLE_PROBABILITY`` in one language, later windows are transcribed in it without a
    detection (which runs the multilingual encoder over the window: most of what speech
    costs), but every ``RECHECK_EVERY``-th is detected again, and another language heard
    there with confidence unsettles it (a second speaker in another language)."""

    settled: str | None = None
    streak: list[str] = field(default_factory=list)
    since_check: int = 0

    def next_language(self) -> str | None:
        """The language to transcribe the next window in, or None to detect it."""
        if self.settled is None:
            return None
        self.since_check += 1
        if self.since_check >= RECHECK_EVERY:
            self.since_check = 0
            return None
        return self.settled

    def heard(self, language: SpokenLanguage | None) -> None:
        """What a window with speech was heard in (only detections count)."""
        if language is None or language.source != "detected" or language.probability is None:
            return
        confident = language.probability >= SETTLE_PROBABILITY
        if self.settled is not None:
            if confident and language.code != self.settled:
                self.settled, self.streak = None, [language.code]
            return
        self.streak = [*self.streak, language.code][-SETTLE_AFTER:] if confident else []
        if len(self.streak) == SETTLE_AFTER and len(set(self.streak)) == 1:
            self.settled, self.since_check = self.streak[0], 0
