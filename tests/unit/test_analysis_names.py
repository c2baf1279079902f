"""The brief's names (issue 22.1): gathered from sponsors, products, speakers and keywords,
turned into Whisper hotwords and a prompt, and handed to every window transcribed."""

from __future__ import annotations

import numpy as np
import pytest

from editron.analysis.brief import parse_brief
from editron.analysis.names import MAX_HINT_NAMES, brief_names, edit_distance, recognition_hints
from editron.analysis.speech import SpeechWindow, transcribe_windows
from editron.analysis.sponsors import find_mentions
from editron.domain.analysis import Brief, TranscriptSegment, Word
from editron.domain.languages import SpokenLanguage

ENGLISH = SpokenLanguage("en", 0.99, "detected")


def test_brief_names_from_every_field_without_repeats() -> None:
    brief = parse_brief({"sponsors": ["Zentrix"], "products": "Aurora, zentrix",
                         "speakers": ["Dr. Amara Okafor"], "must_use": ["CEO speech", "ok"]})
    assert brief_names(brief) == ["Zentrix", "Aurora", "Dr. Amara Okafor", "CEO speech"]
    prose = parse_brief("products: Aurora\nspeaker: Lena Marsh")
    assert prose.products == ["Aurora"] and prose.speakers == ["Lena Marsh"]


def test_hints_carry_hotwords_and_a_prompt_spelling_each_name() -> None:
    hints = recognition_hints(["Aurora", "Zentrix", "Aurora"])
    assert hints.hotwords == "Aurora Zentrix"
    assert hints.initial_prompt is not None and "Aurora, Zentrix" in hints.initial_prompt
    assert recognition_hints([]).hotwords is None
    many = recognition_hints([f"Name{i}" for i in range(40)])
    assert len(many.names) == MAX_HINT_NAMES


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[object] = []

    def transcribe(self, audio: np.ndarray, hints: object = None
                   ) -> tuple[list[tuple[float, float, str, list[Word]]], SpokenLanguage | None]:
        self.seen.append(hints)
        return [(0.1, 0.6, "Aurora", [Word("Aurora", 0.1, 0.6, 0.9)])], ENGLISH


def test_every_window_is_transcribed_with_the_hints() -> None:
    rec = _Recorder()
    hints = recognition_hints(brief_names(Brief(products=["Aurora"])))
    audio = np.zeros(16_000 * 6, dtype=np.float32)
    transcribe_windows("f1", audio, [SpeechWindow(0, 2), SpeechWindow(3, 5)], rec, hints)
    assert rec.seen == [hints, hints]


def test_mentions_matched_by_sound_and_spelling_with_time_and_confidence() -> None:
    words = tuple(Word(w, 1.0 + i * 0.4, 1.3 + i * 0.4) for i, w in enumerate(
        ["thanks", "to", "Zen", "tricks", "for", "the", "Arora", "launch"]))
    seg = TranscriptSegment("f1", 1.0, 4.0, " ".join(w.word for w in words), words)
    found = {m.name: m for m in find_mentions([seg], ["Zentrix", "Aurora"])}
    assert found["Zentrix"].matched_text == "Zen tricks"
    assert found["Zentrix"].start == pytest.approx(1.8)
    assert 0.8 <= found["Zentrix"].confidence <= 1.0
    assert found["Aurora"].matched_text == "Arora"
    assert found["Aurora"].start == pytest.approx(3.4)


def test_a_name_one_sound_apart_is_heard_with_lower_confidence() -> None:
    words = tuple(Word(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(
        ["brought", "to", "you", "by", "Nantrix", "and", "an", "error"]))
    seg = TranscriptSegment("f1", 0.0, 4.0, " ".join(w.word for w in words), words)
    found = find_mentions([seg], ["Zentrix", "Aurora"])
    assert [(m.name, m.matched_text, m.confidence) for m in found] == [
        ("Zentrix", "Nantrix", 0.75)], "one sound apart counts; 'error' is not 'Aurora'"
    assert edit_distance("kitten", "sitting") == 3


def _words(text: str) -> list[str]:
    return text.split(" ")


def test_prompt_echo_drops_the_hint_list_read_back_but_keeps_a_single_name() -> None:
    from editron.analysis.names import prompt_echo

    names = ["Zentrix", "Aurora", "Quillpoint", "Amara Okafor"]
    said = _words("Please welcome Amara Okafor to the stage. Zentrix Aurora Quillpoint")
    assert prompt_echo(said, names) == {7, 8, 9}
    assert prompt_echo(_words("brought to you by Zentrix tonight"), names) == set()
    # two names spoken in another order than the list's are speech
    assert prompt_echo(_words("Aurora and Zentrix"), names) == set()
    assert prompt_echo(_words("Quillpoint, Amara Okafor!"), names) == {0, 1, 2}
