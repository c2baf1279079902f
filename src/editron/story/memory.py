"""A project's creative memory (pure): what its whole feedback history adds up to for the next
edit of a deliverable, each preference cited with why.

* pace: a factor from repeated "faster" / "slower" over the last reviews of the deliverable
  (``PACE_STEP`` per net step, from the last ``PACE_WINDOW`` reviews);
* dropped moments: every span any review dropped (or commented on, which asks for it to be
  replaced), for every deliverable and batch of the client, recognised by file or by the
  file's checksum in another batch; a later "keep" of the same footage wins back;
* kept moments: always included when they fit;
* captions on/off and their style, music on/off, style, transitions, duration: the latest
  review that said so, for that deliverable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.feedback import Adjustments, AppliedPreference, Preferences, SourceSpan
from editron.story.notes import PACE_STEP

__all__ = ["PACE_WINDOW", "Review", "derive_preferences"]

PACE_WINDOW = 4  # the reviews a pace preference is read from
MAX_PACE_STEPS = 3


@dataclass(frozen=True, slots=True)
class Review:
    """One past review of one of the project's sessions."""

    deliverable: str
    decision: str
    adjustments: Adjustments
    revision: int
    created_at: str


def _same_span(a: SourceSpan, b: SourceSpan) -> bool:
    return a.overlaps(b.file_id, b.start, b.end, checksum=b.checksum)


def _pace(reviews: Sequence[Review], deliverable: str) -> AppliedPreference | None:
    recent = [r for r in reviews if r.deliverable == deliverable][-PACE_WINDOW:]
    faster = sum(1 for r in recent if r.adjustments.pace and r.adjustments.pace > 1.0)
    slower = sum(1 for r in recent if r.adjustments.pace and r.adjustments.pace < 1.0)
    steps = max(-MAX_PACE_STEPS, min(MAX_PACE_STEPS, faster - slower))
    if steps == 0:
        return None
    factor = round(PACE_STEP ** steps, 3)
    said, verdict = (faster, "too slow") if steps > 0 else (slower, "too fast")
    return AppliedPreference("pace", factor, f"{said} of the last {len(recent)} "
                                             f"{deliverable} reviews said it was {verdict}")


def _latest(reviews: Sequence[Review], deliverable: str, key: str
            ) -> AppliedPreference | None:
    for review in reversed([r for r in reviews if r.deliverable == deliverable]):
        value = getattr(review.adjustments, key)
        if value is not None:
            return AppliedPreference(key, value, f"asked in the review of {deliverable} "
                                                 f"r{review.revision} on "
                                                 f"{review.created_at[:10]}")
    return None


def _spans(reviews: Sequence[Review]) -> tuple[list[SourceSpan], list[SourceSpan]]:
    """Dropped and kept spans over the whole history; the later word on a span wins."""
    dropped: list[SourceSpan] = []
    kept: list[SourceSpan] = []
    for review in reviews:
        mentioned = [c.span for c in review.adjustments.comments if c.span is not None]
        for span in (*review.adjustments.drop, *mentioned):
            kept = [k for k in kept if not _same_span(k, span)]
            dropped.append(span)
        for span in review.adjustments.keep:
            dropped = [d for d in dropped if not _same_span(d, span)]
            kept.append(span)
    return dropped, kept


def derive_preferences(reviews: Sequence[Review], deliverable: str) -> Preferences:
    """What the project's history (oldest first) asks of its next ``deliverable``."""
    cited: list[AppliedPreference] = []
    values: dict[str, object] = {}
    pace = _pace(reviews, deliverable)
    if pace is not None:
        cited.append(pace)
        values["pace"] = pace.value
    for key in ("duration", "captions", "caption_style", "style", "music", "transitions"):
        found = _latest(reviews, deliverable, key)
        if found is not None:
            cited.append(found)
            values[key] = found.value
    dropped, kept = _spans(reviews)
    if dropped:
        cited.append(AppliedPreference("drop", len(dropped), f"{len(dropped)} moment(s) the "
                                       "client dropped or commented on in earlier reviews"))
    if kept:
        cited.append(AppliedPreference("keep", len(kept), f"{len(kept)} moment(s) the client "
                                       "asked to keep"))
    adjustments = Adjustments(drop=tuple(dropped), keep=tuple(kept),
                              **values)  # type: ignore[arg-type]
    return Preferences(adjustments, tuple(cited))
