"""Sponsor and keyword mentions in a transcript, despite ASR spelling."""

from __future__ import annotations

from editron.analysis.sponsors import find_mentions, phonetic_key
from editron.domain.analysis import TranscriptSegment, Word


def _segment(text: str, start: float = 0.0, file_id: str = "f") -> TranscriptSegment:
    words = tuple(Word(w, start + i * 0.5, start + i * 0.5 + 0.4)
                  for i, w in enumerate(text.split()))
    return TranscriptSegment(file_id, start, start + len(words) * 0.5, text, words)


def test_misspelt_sponsor_is_found_with_word_times() -> None:
    transcript = [_segment("tonight is sponsored by Melthrona Energy.", start=20.0)]
    [mention] = find_mentions(transcript, ["Veltrona"])
    assert (mention.name, mention.matched_text, mention.source) == \
        ("Veltrona", "Melthrona", "transcript")
    assert (mention.start, mention.end) == (22.0, 22.4)
    assert 0.8 <= mention.confidence < 1.0


def test_split_joined_and_sound_alike_spellings() -> None:
    transcript = [_segment("brought to you by North Wind Energy."),
                  _segment("thanks Northwin folks", start=10),
                  _segment("powered by culture and friends", start=20)]
    found = find_mentions(transcript, ["Northwind", "Kaltura"])
    assert [(m.name, m.matched_text, m.start) for m in found] == [
        ("Northwind", "North Wind", 2.0), ("Northwind", "Northwin", 10.5),
        ("Kaltura", "culture", 21.0)]
    multi = find_mentions(transcript[:1], ["Northwind Energy"])
    assert [(m.matched_text, m.end) for m in multi] == [("North Wind Energy.", 3.4)]


def test_no_false_friends() -> None:
    transcript = [_segment("that was an error on the roar of the crowd"),
                  _segment("the matrix of northern lights", start=10)]
    assert find_mentions(transcript, ["Aurora", "Zyntrix", "Northwind", "AB"]) == []


def test_phonetic_key_folds_spellings_of_one_sound() -> None:
    assert phonetic_key("Northwind") == phonetic_key("North Wind")
    assert phonetic_key("Philips") == phonetic_key("Filips")
    assert phonetic_key("Kaltura") == phonetic_key("Culture")
    assert phonetic_key("Cecil") == phonetic_key("Sesil")
    assert phonetic_key("Aurora") != phonetic_key("Zyntrix")
    assert phonetic_key("!!") == ""
