"""Why each moment of a blueprint was chosen and why its neighbours were not (pure).

Every candidate moment carries its score as named parts (``hero 1.00 + strength 0.91``); a
chosen moment's explanation is its own parts and, for the nearest candidate before and after
it in the same file that was left out, that candidate's parts and the reason it lost (it
overlaps a chosen moment, it scored lower, or the cut was full).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from editron.domain.timeline import FrameRate

__all__ = ["Scored", "explain", "score_text"]


class Scored(Protocol):
    key: str
    file_id: str
    start: int
    end: int
    score: float
    parts: tuple[tuple[str, float], ...]


def score_text(c: Scored) -> str:
    """``2.41 = hero 1.00 + strength 0.91 + must-use 0.50`` (the parts that are not zero)."""
    parts = " + ".join(f"{name} {value:.2f}" for name, value in c.parts if value)
    return f"{c.score:.2f}" + (f" = {parts}" if parts else "")


def _lost(c: Scored, winner: Scored, chosen: Sequence[Scored], full: bool) -> str:
    if any(o.file_id == c.file_id and o.start < c.end and o.end > c.start for o in chosen):
        return "it overlaps a chosen moment"
    if c.score < winner.score:
        return f"it scored lower ({c.score:.2f} < {winner.score:.2f})"
    return "the cut was full" if full else "a stronger moment elsewhere took its place"


def explain(chosen: Sequence[Scored], pool: Sequence[Scored], rate: FrameRate, *,
            full: bool = True) -> list[tuple[str, ...]]:
    """One explanation per chosen moment, in ``chosen``'s order."""
    taken = {c.key for c in chosen}
    out: list[tuple[str, ...]] = []
    for c in chosen:
        lines = [f"chosen: score {score_text(c)}"]
        same = sorted((o for o in pool if o.file_id == c.file_id and o.key not in taken),
                      key=lambda o: o.start)
        before = [o for o in same if o.start < c.start]
        after = [o for o in same if o.start >= c.start]
        for side, other in (("before", before[-1] if before else None),
                            ("after", after[0] if after else None)):
            if other is None:
                continue
            lines.append(f"not {other.key} ({side}, {rate.seconds(other.start):.2f}-"
                         f"{rate.seconds(other.end):.2f} s, score {score_text(other)}): "
                         f"{_lost(other, c, chosen, full)}")
        out.append(tuple(lines))
    return out
