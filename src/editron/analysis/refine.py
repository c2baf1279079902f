"""Pass 3: move a moment's edges onto shot cuts or into the gaps between words, so an edit
built from it never starts or ends inside a word or one frame before a cut."""

from __future__ import annotations

from collections.abc import Sequence

from editron.domain.analysis import Shot, Word

__all__ = ["refine_window"]

SNAP_SECONDS = 1.0


def _inside_word(t: float, words: Sequence[Word]) -> Word | None:
    for word in words:
        if word.start < t < word.end:
            return word
    return None


def refine_window(start: float, end: float, *, shots: Sequence[Shot], words: Sequence[Word],
                  duration: float, min_length: float = 1.0) -> tuple[float, float]:
    """Snap ``start``/``end`` to the nearest cut within ``SNAP_SECONDS`` (start to a shot start,
    end to a shot end), else pull them out of any word they split; clamp to the media."""
    cuts = sorted({s.start for s in shots} | {s.end for s in shots})
    near_start = [c for c in cuts if abs(c - start) <= SNAP_SECONDS]
    near_end = [c for c in cuts if abs(c - end) <= SNAP_SECONDS]
    new_start = min(near_start, key=lambda c: abs(c - start)) if near_start else start
    new_end = min(near_end, key=lambda c: abs(c - end)) if near_end else end
    if (word := _inside_word(new_start, words)) is not None:
        new_start = word.start
    if (word := _inside_word(new_end, words)) is not None:
        new_end = word.end
    new_start, new_end = max(0.0, new_start), min(duration, new_end)
    if new_end - new_start < min_length:
        return max(0.0, start), min(duration, end)
    return round(new_start, 3), round(new_end, 3)
