"""Brief names the decoder nearly heard, put back when the model scores the sentence with the
name nearly as likely as the one the beam kept (issue 22.1; ``analysis.name_rescue``)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from editron.analysis.name_rescue import (
    MAX_LOSS,
    Rescue,
    pick_rescues,
    rescue_candidates,
    rescue_words,
)
from editron.domain.analysis import Word

NAMES = ["Zentrix", "Aurora", "Velmora", "Tobias Renquist"]


def _words(*said: tuple[str, float]) -> list[Word]:
    return [Word(w, i * 0.5, i * 0.5 + 0.4, p) for i, (w, p) in enumerate(said)]


class _Scores:
    """A scorer that knows a few sentences: the beam's pick scores 0, others what is given,
    any other sentence far below (-50); ``asked`` records every sentence it weighed."""

    def __init__(
        self, heard: list[Word], prompted: dict[str, float], plain: dict[str, float] | None = None
    ) -> None:
        self.heard = " ".join(w.word for w in heard)
        self.scores = {True: prompted, False: plain or {}}
        self.asked: list[tuple[str, bool]] = []

    def log_probs(self, texts: Sequence[str], *, prompted: bool) -> list[float]:
        self.asked += [(t, prompted) for t in texts]
        return [0.0 if t == self.heard else self.scores[prompted].get(t, -50.0) for t in texts]


def test_unsure_run_spelled_like_a_name_is_a_candidate_across_words() -> None:
    words = _words(
        ("Give", 0.9),
        ("it", 0.9),
        ("up", 0.9),
        ("for", 0.9),
        ("tonight's", 0.5),
        ("endquist.", 0.1),
    )
    found = rescue_candidates(words, NAMES)
    assert Rescue(4, 2, "Tobias Renquist") in found, "two words may be one name"
    assert all(c.name != "Aurora" for c in found), "'endquist' is nothing like 'Aurora'"
    assert all(c.first >= 4 for c in found), "sure words are never tried"


def test_no_candidate_for_sure_words_unlike_names_or_noise_alone() -> None:
    sure = _words(("brought", 0.9), ("to", 0.9), ("you", 0.9), ("by", 0.9), ("Tritz", 0.9))
    assert rescue_candidates(sure, NAMES) == [], "the decoder was sure of 'Tritz'"
    unlike = _words(("the", 0.9), ("new", 0.9), ("launch", 0.1), ("guide", 0.2))
    assert rescue_candidates(unlike, NAMES) == [], "'launch guide' is spelled like no name"
    lone = _words(("Tritz", 0.1))
    assert rescue_candidates(lone, NAMES) == [], "one unsure word with no sentence is noise"


def test_a_heard_name_is_only_tried_whole_as_another_name() -> None:
    words = _words(("on", 0.9), ("the", 0.9), ("future", 0.9), ("on", 0.9), ("Velmora.", 0.2))
    assert rescue_candidates(words, NAMES) == [Rescue(4, 1, "Aurora", swap=True)]


def test_a_name_nearly_as_likely_replaces_the_run_over_its_time() -> None:
    words = _words(
        ("Give", 0.9),
        ("it", 0.9),
        ("up", 0.9),
        ("for", 0.9),
        ("tonight's", 0.5),
        ("endquist.", 0.1),
    )
    scorer = _Scores(words, {"Give it up for Tobias Renquist.": -2.0})
    out = rescue_words(words, NAMES, scorer)
    assert [w.word for w in out] == ["Give", "it", "up", "for", "Tobias Renquist."]
    name = out[-1]
    assert (name.start, name.end) == (2.0, 2.9)
    assert 0.5 < name.probability < 0.9, "a rescued name is less sure than a decoded one"
    assert ("Give it up for tonight's endquist.", True) in scorer.asked


def test_a_name_far_less_likely_than_what_was_heard_is_not_forced_in() -> None:
    words = _words(("brought", 0.9), ("to", 0.9), ("you", 0.9), ("by", 0.9), ("Tritz.", 0.3))
    named = "brought to you by Zentrix."
    kept = rescue_words(words, NAMES, _Scores(words, {named: -MAX_LOSS - 1}))
    assert [w.word for w in kept] == ["brought", "to", "you", "by", "Tritz."]
    taken = rescue_words(words, NAMES, _Scores(words, {named: -MAX_LOSS + 1}))
    assert [w.word for w in taken][-1] == "Zentrix."


def test_two_brief_names_are_told_apart_by_the_model_without_the_prompt() -> None:
    words = _words(("on", 0.9), ("the", 0.9), ("future", 0.9), ("on", 0.9), ("Velmora.", 0.2))
    other = "on the future on Aurora."
    swapped = rescue_words(words, NAMES, _Scores(words, {other: -1.0}, {other: 3.0}))
    assert swapped[-1].word == "Aurora."
    scorer = _Scores(words, {other: -1.0}, {other: -3.0})
    kept = rescue_words(words, NAMES, scorer)
    assert kept[-1].word == "Velmora.", "the prompt alone does not swap one name for another"
    assert (other, False) in scorer.asked


def test_picks_the_best_rescue_and_never_takes_a_word_twice() -> None:
    cands = [Rescue(5, 2, "Zentrix"), Rescue(6, 1, "Zentrix"), Rescue(6, 1, "Aurora")]
    picked = pick_rescues(cands, [-4.0, -1.0, -2.0], [None, None, None])
    assert picked == [Rescue(6, 1, "Zentrix")]
    assert pick_rescues(cands, [-9.0, -8.0, -7.0], [None] * 3) == []


@pytest.mark.parametrize("common", ["error", "roar", "arena"])
def test_a_sure_common_word_never_becomes_a_name(common: str) -> None:
    words = _words(("what", 0.9), ("an", 0.9), (common, 0.95), ("tonight", 0.9))
    assert rescue_candidates(words, NAMES) == []
