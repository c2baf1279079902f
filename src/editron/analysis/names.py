"""The names a brief cares about (sponsors, products, speakers, must-use keywords) and the
hints that make speech recognition hear them (pure).

Whisper is biased two ways with the same names: ``hotwords`` (prepended to the prompt of
every 30 s window faster-whisper decodes) and an ``initial_prompt`` that reads like a line of
an event's running order, spelling each name as the client does. Matching the transcript
against the names (phonetic key plus spelling ratio) is ``analysis.sponsors.find_mentions``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.analysis import Brief

__all__ = ["MAX_HINT_NAMES", "RecognitionHints", "brief_names", "edit_distance",
           "prompt_echo", "recognition_hints"]

MAX_HINT_NAMES = 24  # Whisper's prompt holds ~224 tokens; names past this add noise


@dataclass(frozen=True, slots=True)
class RecognitionHints:
    """What a transcriber is told before it listens."""

    names: tuple[str, ...]
    hotwords: str | None
    initial_prompt: str | None


def brief_names(brief: Brief) -> list[str]:
    """Every name of the brief, in the brief's order without repeats (case-insensitive):
    sponsors, products, speakers, then must-use keywords."""
    seen: dict[str, str] = {}
    for raw in (*brief.sponsors, *brief.products, *brief.speakers, *brief.must_use):
        name = re.sub(r"\s+", " ", str(raw)).strip().strip("\"'")
        if len(re.sub(r"[^0-9a-z]", "", name.lower())) >= 3:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def recognition_hints(names: Sequence[str]) -> RecognitionHints:
    """The hotwords and prompt for ``names`` (none when there are none)."""
    picked = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))[:MAX_HINT_NAMES]
    if not picked:
        return RecognitionHints((), None, None)
    prompt = "Tonight's programme, with " + ", ".join(picked) + "."
    return RecognitionHints(picked, " ".join(picked), prompt)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _tokens(text: str) -> list[str]:
    return [t for t in (re.sub(r"[^0-9a-z]", "", w.lower()) for w in text.split()) if t]


def _echo_length(words: Sequence[str], at: int, names: Sequence[list[str]], first: int) -> int:
    """How many words from ``at`` repeat the hint names from ``first`` on, in their order,
    counting only if two names or more are repeated whole."""
    i, count = at, 0
    for name in names[first:]:
        if words[i: i + len(name)] != name:
            break
        i, count = i + len(name), count + 1
    return i - at if count >= 2 else 0


def prompt_echo(words: Sequence[str], names: Sequence[str]) -> set[int]:
    """Indexes of ``words`` that merely recite the hint list: Whisper, given hotwords, may
    read them back over noise it cannot decode ("... to the stage. Zentrix Aurora
    Quillpoint"). Two or more hint names in a row, in the order they were given, are an echo,
    not speech; one name on its own is never dropped."""
    said = [re.sub(r"[^0-9a-z]", "", w.lower()) for w in words]
    hint = [_tokens(n) for n in names if _tokens(n)]
    echo: set[int] = set()
    for at in range(len(said)):
        for first in range(len(hint)):
            n = _echo_length(said, at, hint, first)
            echo |= set(range(at, at + n))
    return echo
