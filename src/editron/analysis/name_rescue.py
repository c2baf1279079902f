"""A brief's name the decoder almost heard, recovered by asking the same model (pure).

Beam search with hotwords still loses names it was close to: the right word falls off the
beam early, and what is left is a run of unsure words ("tonight's endquist" for "Tobias
Renquist"), or the wrong one of the brief's own names. So after decoding, every run of 1-3
unsure words, in a sentence the decoder was otherwise sure of, about as long as a name and
spelled somewhat like it, is tried again with the name in its place, and the model itself
scores both sentences over the same audio (forced decoding, ``analysis.whisper_score``). The
name replaces the run when the sentence with it is nearly as likely as the one the beam kept:
the beam's choice is already the most likely it found, so a right name costs a little (0-6
nats on the names benchmark) and a name forced over words that were said costs more (9-40
there, but as little as 5 on clean speech with the prompt, which makes the brief's names
cheap: hence the spelling and sureness gates before any scoring). Choosing between two of the
brief's names is left to the model without the prompt, since the prompt favours both alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Protocol

from editron.domain.analysis import Word

__all__ = [
    "MAX_LOSS",
    "UNSURE",
    "Rescue",
    "TextScorer",
    "apply_rescues",
    "pick_rescues",
    "rescue_candidates",
    "rescue_words",
]

UNSURE = 0.5  # a run whose words the decoder gave, on average, less than this probability
MAX_LOSS = 6.0  # nats a sentence may lose when a name replaces a run and still be taken
LENGTH_RANGE = (0.6, 1.6)  # a run's letters over the name's: a run far shorter or longer
HEARD_RATIO = 0.8  # spelled this close, the name was heard (``sponsors.MIN_RATIO``)
LIKE_RATIO = 0.45  # a run must share this much of the name's spelling, in order, to be tried
MIN_CONTEXT = 2  # sure words a sentence needs besides the run: a lone unsure word is noise


class TextScorer(Protocol):
    """The log-probability of each sentence over one stretch of audio, with the brief's
    prompt (``prompted``) or without it."""

    def log_probs(self, texts: Sequence[str], *, prompted: bool) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class Rescue:
    """Words ``first``..``first + count - 1`` may be ``name`` misheard. ``swap``: they are
    another of the brief's names."""

    first: int
    count: int
    name: str
    swap: bool = False


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _heard_names(words: Sequence[Word], names: Sequence[str]) -> dict[int, tuple[int, str]]:
    """Where a name was heard word for word: first word -> (word count, name)."""
    said = [_letters(w.word) for w in words]
    out: dict[int, tuple[int, str]] = {}
    for name in names:
        parts = [p for p in (_letters(t) for t in name.split()) if p]
        for i in range(len(said) - len(parts) + 1):
            if parts and said[i : i + len(parts)] == parts:
                out[i] = (len(parts), name)
    return out


def _could_be(joined: str, name: str) -> bool:
    """About as long as ``name``, spelled somewhat like it, but not so like it that the
    name was heard already ("Tritz" may be "Zentrix"; "Kovalenko" is not "NAMTrix")."""
    low, high = LENGTH_RANGE
    return (
        low <= len(joined) / max(1, len(_letters(name))) <= high
        and LIKE_RATIO <= _like(joined, name) < HEARD_RATIO
    )


def _like(joined: str, name: str) -> float:
    return SequenceMatcher(None, joined, _letters(name)).ratio()


def rescue_candidates(words: Sequence[Word], names: Sequence[str]) -> list[Rescue]:
    """Every run of 1-3 unsure words that could be one of ``names``, in a sentence with
    words the decoder was sure of: a run that overlaps a name already heard is only tried
    whole, as a swap for another name."""
    heard = _heard_names(words, names)
    inside = {k for i, (n, _) in heard.items() for k in range(i, i + n)}
    sure = [w.probability >= UNSURE for w in words]
    out: list[Rescue] = []
    for i in range(len(words)):
        for n in (1, 2, 3):
            run = words[i : i + n]
            if (
                len(run) < n
                or sum(w.probability for w in run) / n >= UNSURE
                or sum(sure) - sum(sure[i : i + n]) < MIN_CONTEXT
            ):
                continue
            joined = "".join(_letters(w.word) for w in run)
            whole = heard.get(i, (0, ""))
            if whole[0] == n:
                out += [
                    Rescue(i, n, name, swap=True)
                    for name in names
                    if name != whole[1] and _like(joined, name) >= LIKE_RATIO
                ]
            elif not inside & set(range(i, i + n)):
                out += [Rescue(i, n, name) for name in names if _could_be(joined, name)]
    return out


def _tail(word: str) -> str:
    """The punctuation a word ends with, kept after the name put in its place."""
    return re.sub(r"^.*?([^\w']*)$", r"\1", word)


def _replaced(words: Sequence[Word], rescue: Rescue) -> str:
    tail = _tail(words[rescue.first + rescue.count - 1].word)
    return " ".join(
        [
            *(w.word for w in words[: rescue.first]),
            rescue.name + tail,
            *(w.word for w in words[rescue.first + rescue.count :]),
        ]
    )


def pick_rescues(
    candidates: Sequence[Rescue], prompted: Sequence[float], plain: Sequence[float | None]
) -> list[Rescue]:
    """The candidates to take, given each one's change in log-probability with the prompt
    (and, for swaps, without it): best first, no word taken twice."""
    ranked = sorted(range(len(candidates)), key=lambda k: -prompted[k])
    taken: list[Rescue] = []
    used: set[int] = set()
    for k in ranked:
        rescue, gain = candidates[k], plain[k]
        span = set(range(rescue.first, rescue.first + rescue.count))
        if prompted[k] < -MAX_LOSS or span & used:
            continue
        if rescue.swap and (gain is None or gain <= 0):
            continue
        taken.append(rescue)
        used |= span
    return taken


def apply_rescues(
    words: Sequence[Word], rescues: Sequence[Rescue], confidence: dict[Rescue, float]
) -> list[Word]:
    """``words`` with each rescued run replaced by its name, over the run's time; the name's
    probability is ``confidence`` (how sure the model was of it, forced)."""
    out = list(words)
    for rescue in sorted(rescues, key=lambda r: -r.first):
        run = out[rescue.first : rescue.first + rescue.count]
        tail = _tail(run[-1].word)
        word = Word(
            rescue.name + tail, run[0].start, run[-1].end, round(confidence.get(rescue, 0.5), 3)
        )
        out[rescue.first : rescue.first + rescue.count] = [word]
    return out


def rescue_words(words: Sequence[Word], names: Sequence[str], scorer: TextScorer) -> list[Word]:
    """``words`` with the brief's names the decoder almost heard put back."""
    candidates = rescue_candidates(words, names)
    if not candidates:
        return list(words)
    said = " ".join(w.word for w in words)
    texts = [said, *(_replaced(words, c) for c in candidates)]
    with_prompt = scorer.log_probs(texts, prompted=True)
    swaps = [k for k, c in enumerate(candidates) if c.swap]
    without: list[float | None] = [None] * len(candidates)
    if swaps:
        base, *scores = scorer.log_probs([said, *(texts[k + 1] for k in swaps)], prompted=False)
        for k, score in zip(swaps, scores, strict=True):
            without[k] = score - base
    gains = [s - with_prompt[0] for s in with_prompt[1:]]
    picked = pick_rescues(candidates, gains, without)
    confidence = {c: _confidence(gains[candidates.index(c)]) for c in picked}
    return apply_rescues(words, picked, confidence)


def _confidence(gain: float) -> float:
    """0.5 at the largest loss taken, up to 0.9 when the name is as likely as what was
    heard (a rescued name is never as sure as one decoded outright)."""
    return 0.5 + 0.4 * max(0.0, min(1.0, 1.0 + gain / MAX_LOSS))
