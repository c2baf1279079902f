"""Sponsor and keyword mentions in the transcript, tolerant of ASR spelling.

"Northwind" may come back as "North Wind", "Northwin" or "Nor wind": we compare the name with
every run of 1-3 consecutive words, joined without spaces, on letters only (normalised text),
and accept a close fuzzy match (difflib ratio >= 0.8) or, for names of five letters or more,
an equal phonetic key with a looser ratio, or a key one edit apart with a fairly close
spelling (confidence 0.75). The time comes from the matched words' timings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from editron.analysis.base import FileFindings, PassTwo, SpoolAnalyser, Window, register
from editron.analysis.names import brief_names, edit_distance
from editron.domain.analysis import SponsorMoment, TranscriptSegment, Word

__all__ = ["MentionFinder", "find_mentions", "phonetic_key"]

MIN_RATIO = 0.8
PHONETIC_MIN_RATIO = 0.5
CLOSE_MIN_RATIO = 0.7  # spelling ratio a name one sound apart still needs
SOUNDS_CLOSE = 0.75  # the confidence of such a match (below any spelling match)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_DIGRAPHS = (("ph", "f"), ("ck", "k"), ("gh", "g"), ("wh", "w"), ("qu", "kw"), ("x", "ks"),
             ("th", "t"), ("sch", "sk"), ("kn", "n"), ("wr", "r"))
_CLASSES = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"),
            **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}


def phonetic_key(text: str) -> str:
    """A small Soundex/Metaphone-like key: common spellings of one sound are folded first
    ("ph" = "f", soft "c" = "s", "ck" = "k", ...), then every consonant, the first one too, maps
    to its class, vowels only separate repeats. "Kaltura" and "Culture" share a key, as do
    "Northwind" and "North Wind"."""
    letters = _letters(text)
    if not letters:
        return ""
    for spelled, sound in _DIGRAPHS:
        letters = letters.replace(spelled, sound)
    letters = re.sub(r"c(?=[eiy])", "s", letters)
    key, last = ("a" if letters[0] in "aeiouyhw" else ""), ""
    for ch in letters:
        code = _CLASSES.get(ch, "")
        if code and code != last:
            key += code
        last = code
    return key[:7]


def _candidates(segment: TranscriptSegment, name: str) -> list[tuple[float, int, int]]:
    """(ratio, first word, word count) of every 1-3 word run that matches ``name``."""
    target, target_key = _letters(name), phonetic_key(name)
    # Only a key with three or more consonant sounds says enough to match on ("Aurora" and
    # "error" share a two-sound key).
    distinctive = len(target) >= 5 and len(target_key.lstrip("a")) >= 3
    words: tuple[Word, ...] = segment.words
    found = []
    for i in range(len(words)):
        for n in (1, 2, 3):
            if i + n > len(words):
                break
            joined = "".join(_letters(w.word) for w in words[i: i + n])
            if not joined:
                continue
            ratio = SequenceMatcher(None, joined, target).ratio()
            # Sounds alike, spelled apart ("Culture" for "Kaltura"): accept a distinctive name
            # whose key matches and whose spelling is not wildly different.
            if ratio < MIN_RATIO and distinctive and ratio >= PHONETIC_MIN_RATIO and \
                    phonetic_key(joined) == target_key and abs(len(joined) - len(target)) <= 2:
                ratio = MIN_RATIO
            if ratio >= MIN_RATIO:
                found.append((ratio, i, n))
            elif _sounds_close(joined, target, target_key, ratio):
                found.append((SOUNDS_CLOSE, i, n))
    return found


def _sounds_close(joined: str, target: str, target_key: str, ratio: float) -> bool:
    """One sound apart ("Nantrix" for "Zentrix"): both keys of four sounds or more, one
    edit between them, spelled mostly alike and about as long."""
    key = phonetic_key(joined)
    return (ratio >= CLOSE_MIN_RATIO and len(key.lstrip("a")) >= 4
            and len(target_key.lstrip("a")) >= 4 and abs(len(joined) - len(target)) <= 2
            and edit_distance(key, target_key) <= 1)


def find_mentions(transcript: Sequence[TranscriptSegment], names: Sequence[str]
                  ) -> list[SponsorMoment]:
    out: list[SponsorMoment] = []
    for name in names:
        if len(_letters(name)) < 3:
            continue
        for segment in transcript:
            used: set[int] = set()
            # Best matches first; a word belongs to one mention at most.
            for ratio, i, n in sorted(_candidates(segment, name), key=lambda c: (-c[0], c[2])):
                span_ids = set(range(i, i + n))
                if span_ids & used:
                    continue
                used |= span_ids
                span = segment.words[i: i + n]
                out.append(SponsorMoment(
                    file_id=segment.file_id, start=span[0].start, end=span[-1].end, name=name,
                    source="transcript", matched_text=" ".join(w.word for w in span),
                    confidence=round(ratio, 3)))
    return sorted(out, key=lambda m: (m.file_id, m.start))


@register
class MentionFinder(SpoolAnalyser):
    """Pass 2: the brief's sponsors and must-use names heard in the transcript; each mention
    marks a window for the faces and the hero moments."""

    NAME = "mentions"
    AFTER = ("speech",)

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        brief = job.context.brief
        found = find_mentions(findings.transcript, brief_names(brief))
        findings.sponsor_moments.extend(found)
        findings.windows.extend(Window(m.start - 2, m.end + 2, "mention") for m in found)
