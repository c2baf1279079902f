"""The brief's promises, checked and kept (pure): the social hook's peak inside its first
seconds, the recap's length, the number of highlights and variants asked for. What cannot be
kept is said in a note a person reads on the session, with the numbers.

Notes are plain sentences on the blueprint (``Blueprint.notes``); the assembly cites every one
on the session beside the applied preferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from editron.domain.analysis import AnalysisResult
from editron.domain.timeline import Blueprint, BlueprintMoment, FrameRate
from editron.story.cuts import FileCuts

__all__ = ["HOOK_LEAD", "land_hook", "length_note", "peak_of", "shortfall_note",
           "variants_note"]

HOOK_LEAD = 1.0  # seconds of build before the peak when the head is trimmed


def peak_of(analysis: AnalysisResult, m: BlueprintMoment, rate: FrameRate
            ) -> tuple[int, str]:
    """Where the moment peaks (source frame) and what the peak is: the strongest crowd peak
    the analysis found in it (its crowd detection tells cheering from speech and from a bump
    in a quiet room, which a loud sample alone does not), else the first line spoken, else
    the moment's start (an action moment is cut on its action)."""
    a, b = rate.seconds(m.source_start), rate.seconds(m.source_end)
    crowd = [p for p in analysis.crowd_peaks if p.file_id == m.file_id
             and p.start < b and p.start + p.duration > a]
    if crowd:
        top = max(crowd, key=lambda p: p.strength_db)
        return min(max(m.source_start, rate.frames_floor(top.t)), m.source_end - 1), "crowd"
    words = [w.start for seg in analysis.transcript if seg.file_id == m.file_id
             for w in seg.words if a <= w.start < b]
    if words:
        return rate.frames_floor(min(words)), "line"
    return m.source_start, "action"


def land_hook(bp: Blueprint, analysis: AnalysisResult, cuts: FileCuts, hook_seconds: float,
              *, min_frames: int) -> Blueprint:
    """``bp`` with its first moment's head trimmed (on a legal cut) so its peak starts within
    ``hook_seconds``; a note says where the peak lands, or why it could not be moved."""
    if not bp.moments:
        return bp
    rate, first = bp.rate, bp.moments[0]
    hook = rate.frames(hook_seconds)
    peak, kind = peak_of(analysis, first, rate)
    at = peak - first.source_start
    if at <= hook:
        return replace(bp, notes=(*bp.notes, f"hook: the {kind} peak starts at "
                                  f"{rate.seconds(at):.2f} s (within {hook_seconds:g} s)"))
    want = peak - rate.frames(HOOK_LEAD)
    start = cuts.nearest_legal(want, lo=peak - hook, hi=min(peak, first.source_end - min_frames))
    if start is None:
        return replace(bp, notes=(*bp.notes, (
            f"hook: the {kind} peak starts at {rate.seconds(at):.2f} s, not within "
            f"{hook_seconds:g} s: no cut point in the {hook_seconds:g} s before it "
            "(a sentence runs through them) and trimming would leave the moment too short")))
    moments = (replace(first, source_start=start), *bp.moments[1:])
    return replace(bp, moments=moments, notes=(*bp.notes, (
        f"hook: the opening was trimmed by {rate.seconds(start - first.source_start):.2f} s "
        f"so the {kind} peak starts at {rate.seconds(peak - start):.2f} s (within "
        f"{hook_seconds:g} s)")))


def length_note(bp: Blueprint, usable_frames: int) -> str | None:
    """The note a cut shorter than its target carries: how long it is, how much footage was
    usable (``None`` when the target is met)."""
    if bp.frames >= bp.target_frames:
        return None
    rate = bp.rate
    return (f"length: {rate.seconds(bp.frames):.2f} s of the {rate.seconds(bp.target_frames):g}"
            f" s asked for: the usable footage (clear of must-avoid and dropped spans) is "
            f"{rate.seconds(usable_frames):.2f} s and no more of it fits without repeating "
            "a moment")


def shortfall_note(deliverable: str, asked: int, made: int) -> str | None:
    """The note when fewer distinct cuts exist than were asked for."""
    if made >= asked:
        return None
    return (f"variants: {asked} {deliverable} cuts asked for; the footage has {made} distinct "
            f"one{'s' if made != 1 else ''} (no moment is shown in two of them)")


def variants_note(blueprints: Sequence[Blueprint]) -> str | None:
    """For cuts that may share footage (recap variants): how many moments later variants
    repeat, when the footage has too few to make each one new."""
    if len(blueprints) < 2:
        return None
    seen: set[str] = {m.key for m in blueprints[0].moments}
    repeated = 0
    for bp in blueprints[1:]:
        repeated += sum(1 for m in bp.moments if m.key in seen)
        seen |= {m.key for m in bp.moments}
    if not repeated:
        return None
    return (f"variants: later variants repeat {repeated} moment(s) of earlier ones; the "
            "footage has too few others to make each one wholly new")
