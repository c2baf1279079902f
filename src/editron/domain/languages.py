"""The spoken languages Whisper knows, by the ISO 639 codes it uses, and the value the
analysis stores for each file: which language was heard, how sure the model was, and whether
it was detected or asked for. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DETECT", "WHISPER_LANGUAGES", "LanguageSource", "SpokenLanguage", "language_wish"]

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
