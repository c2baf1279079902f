"""What an edit is made with, and why (pure): the brief, then the explicit request (the
caller's options and the review being answered), then the project's memory, then the
defaults. Every value that did not come from the defaults is cited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from editron.domain.analysis import Brief
from editron.domain.feedback import Adjustments, AppliedPreference, Preferences, SourceSpan
from editron.domain.timeline import StylePreset
from editron.story.deliverables import get_deliverable
from editron.story.styles import describe_style, get_style, style_for_tone

__all__ = ["EditChoices", "choose"]


@dataclass(frozen=True, slots=True)
class EditChoices:
    style: StylePreset  # pace, transitions and caption style already applied
    duration: float | None
    captions: bool
    music: bool
    pace: float
    drop: tuple[SourceSpan, ...]
    keep: tuple[SourceSpan, ...]
    applied: tuple[AppliedPreference, ...]


def _brief_duration(brief: Brief, deliverable: str) -> float | None:
    for wanted in brief.deliverable_targets:
        if wanted.get("deliverable") == deliverable and "duration" in wanted:
            return float(wanted["duration"])
    return None


def choose(*, deliverable: str, brief: Brief, request: Adjustments,
           memory: Preferences) -> EditChoices:
    """The edit's settings from the four sources, each non-default one cited."""
    kind = get_deliverable(deliverable)
    mem = memory.adjustments
    reasons = {c.key: c.because for c in memory.citations}
    applied: list[AppliedPreference] = []

    def pick(key: str) -> Any:
        asked, learned = getattr(request, key), getattr(mem, key)
        if asked is not None:
            applied.append(AppliedPreference(key, asked, "asked for in this request"))
            return asked
        if learned is not None:
            applied.append(AppliedPreference(key, learned, reasons.get(key, "project memory")))
            return learned
        return None

    style = _named_or_toned_style(pick("style"), brief, applied)
    duration = _duration(brief, kind.name, request, pick, applied)
    pace = float(pick("pace") or 1.0)  # a factor on cutting speed
    style = _shaped(style, pace=pace, transitions=pick("transitions"),
                    caption_style=pick("caption_style"))
    captions = pick("captions")
    music = pick("music")
    drop, keep = _spans(request, mem, reasons, applied)
    return EditChoices(style=style, duration=duration,
                       captions=True if captions is None else bool(captions),
                       music=True if music is None else bool(music), pace=pace, drop=drop,
                       keep=keep, applied=tuple(applied))


def _named_or_toned_style(named: Any, brief: Brief,
                          applied: list[AppliedPreference]) -> StylePreset:
    """The style asked for or learned, else the one the brief's tone calls for (cited), else
    the standard one."""
    toned = style_for_tone(brief.tone) if named is None else None
    style = get_style(str(named or "standard")) if toned is None else toned
    if toned is not None:
        applied.append(AppliedPreference(
            "style", toned.name, f"the brief's tone is {brief.tone!r}: {describe_style(toned)}"))
    return style


def _duration(brief: Brief, deliverable: str, request: Adjustments, pick: Callable[[str], Any],
              applied: list[AppliedPreference]) -> float | None:
    """The brief's length comes first; else the one asked for or learned."""
    duration = _brief_duration(brief, deliverable)
    if duration is not None:
        applied.append(AppliedPreference("duration", duration, "the brief asks for it"))
        if request.duration is not None and request.duration != duration:
            applied.append(AppliedPreference(
                "duration", request.duration, "asked for, but the brief's length comes first"))
        return duration
    picked = pick("duration")
    return float(picked) if isinstance(picked, int | float) else None


def _shaped(style: StylePreset, *, pace: float, transitions: Any,
            caption_style: Any) -> StylePreset:
    """``style`` with the pace, transitions and caption style applied."""
    if pace != 1.0:
        style = replace(style, min_shot_seconds=round(style.min_shot_seconds / pace, 3),
                        max_shot_seconds=round(style.max_shot_seconds / pace, 3))
    if isinstance(transitions, str):
        style = replace(style, transition=transitions,
                        transition_seconds=style.transition_seconds or
                        (0.0 if transitions == "cut" else 0.4))
    if isinstance(caption_style, str):
        style = replace(style, caption_style=caption_style)
    return style


def _spans(request: Adjustments, mem: Adjustments, reasons: dict[str, str],
           applied: list[AppliedPreference]) -> tuple[tuple[SourceSpan, ...],
                                                       tuple[SourceSpan, ...]]:
    """The moments to leave out and to keep: this review's, then the remembered ones it does
    not contradict."""
    drop = request.drop + tuple(c.span for c in request.comments if c.span is not None)
    keep = request.keep + tuple(k for k in mem.keep
                                if not any(d.overlaps(k.file_id, k.start, k.end,
                                                      checksum=k.checksum) for d in drop))
    drop += tuple(d for d in mem.drop
                  if not any(k.overlaps(d.file_id, d.start, d.end, checksum=d.checksum)
                             for k in request.keep))
    for key in ("drop", "keep"):
        if key in reasons:
            applied.append(AppliedPreference(key, len(getattr(mem, key)), reasons[key]))
    if request.drop or request.comments:
        applied.append(AppliedPreference("drop", len(request.drop) + len(request.comments),
                                         "asked for in this review"))
    return drop, keep
