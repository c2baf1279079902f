"""Reading what a reviewer asks for (pure): ``--adjust key=value`` options, ``--drop`` and
``--keep`` moments, ``--comment 00:12.4="too dark"``, and free-text notes ("too slow, drop the
speech at 0:12, keep the trophy moment"), each into the typed ``Adjustments``; what a note
says that is not understood is kept and reported, never guessed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from editron.domain.analysis import HeroMoment
from editron.domain.feedback import Adjustments, Comment, SourceSpan
from editron.domain.timeline import Timeline
from editron.errors import InputError
from editron.story.styles import PRESETS

__all__ = ["PACE_STEP", "Reading", "map_comment", "parse_adjustments", "parse_moment",
           "parse_time", "read_notes"]

PACE_STEP = 1.25  # one "faster" cuts this much quicker; "faster:2" is two steps
CAPTION_STYLES = ("standard", "karaoke")
TRANSITIONS = ("cut", "crossfade", "dip_to_black")
_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0", "none"}


@dataclass(slots=True)
class Reading:
    """What was read from a review: the adjustments, and which phrases meant what."""

    adjustments: Adjustments = field(default_factory=Adjustments)
    understood: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


def parse_time(text: str) -> float:
    """``12.4``, ``0:12.4``, ``00:12.4`` or ``1:02:03.5`` as seconds."""
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"time {text!r} is not seconds or MM:SS.s") from None
    if not 1 <= len(values) <= 3 or any(v < 0 for v in values):
        raise InputError(f"time {text!r} is not seconds or MM:SS.s")
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds


def _switch(key: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise InputError(f"--adjust {key}={value}: write on or off")


def _pace(value: str) -> float:
    word, _, strength = value.strip().lower().partition(":")
    steps = float(strength) if strength else 1.0
    if word in ("faster", "quicker"):
        return float(PACE_STEP ** steps)
    if word in ("slower",):
        return float(PACE_STEP ** -steps)
    try:
        factor = float(word)
    except ValueError:
        raise InputError(f"--adjust pace={value}: write faster, slower (faster:2 for two "
                         "steps) or a factor such as 1.3") from None
    if not 0.25 <= factor <= 4.0:
        raise InputError(f"--adjust pace={value}: a factor between 0.25 and 4")
    return factor


def parse_adjustments(items: Sequence[str]) -> Adjustments:
    """``["pace=faster", "duration=45", "captions=off", ...]`` as Adjustments; InputError
    naming the item and what to write for anything else."""
    out = Adjustments()
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise InputError(f"--adjust {item!r}: write key=value, such as pace=faster")
        if key == "pace":
            out = replace(out, pace=(out.pace or 1.0) * _pace(value))
        elif key == "duration":
            try:
                seconds = float(value.removesuffix("s"))
            except ValueError:
                raise InputError(f"--adjust {item}: a number of seconds") from None
            if not 1.0 <= seconds <= 600.0:
                raise InputError(f"--adjust {item}: between 1 and 600 seconds")
            out = replace(out, duration=seconds)
        elif key in ("ratios", "ratio"):
            out = replace(out, ratios=tuple(r.strip() for r in value.split(",") if r.strip()))
        elif key == "captions":
            word = value.strip().lower()
            if word in CAPTION_STYLES:
                out = replace(out, captions=True, caption_style=word)
            else:
                out = replace(out, captions=_switch(key, value))
        elif key == "caption_style":
            if value.strip().lower() not in CAPTION_STYLES:
                raise InputError(f"--adjust {item}: use {', '.join(CAPTION_STYLES)}")
            out = replace(out, caption_style=value.strip().lower())
        elif key == "style":
            if value.strip().lower() not in PRESETS:
                raise InputError(f"--adjust {item}: use {', '.join(PRESETS)}")
            out = replace(out, style=value.strip().lower())
        elif key == "music":
            out = replace(out, music=_switch(key, value))
        elif key in ("transitions", "transition"):
            if value.strip().lower() not in TRANSITIONS:
                raise InputError(f"--adjust {item}: use {', '.join(TRANSITIONS)}")
            out = replace(out, transitions=value.strip().lower())
        else:
            raise InputError(f"--adjust {item}: unknown key {key!r}; use pace, duration, "
                             "ratios, captions, caption_style, style, music or transitions")
    return out


_SPAN = re.compile(r"^(?P<file>[^@\s]+)@(?P<start>[\d.:]+)-(?P<end>[\d.:]+)$")


def parse_moment(text: str, moments: Sequence[HeroMoment]) -> SourceSpan:
    """A hero moment's id (``hm-…``, as the analysis lists them) or ``FILE_ID@START-END`` in
    seconds of that file, as the source span it names."""
    key = text.strip()
    if match := _SPAN.match(key):
        start, end = parse_time(match["start"]), parse_time(match["end"])
        if end <= start:
            raise InputError(f"moment {text!r}: the end must come after the start")
        return SourceSpan(match["file"], start, end)
    found = [m for m in moments if m.moment_id == key or m.moment_id.startswith(key)]
    if len(found) != 1:
        raise InputError(f"moment {text!r}: give a hero moment's id from the analysis "
                         "(editron analyze BATCH lists them) or FILE_ID@START-END in seconds")
    return SourceSpan(found[0].file_id, found[0].start, found[0].end)


def map_comment(timeline: Timeline, comment: Comment) -> Comment:
    """The comment with the source moment under its time: the clip of ``timeline`` playing at
    ``comment.at`` seconds, as the span of its source it shows."""
    rate = timeline.rate
    frame = rate.frames(comment.at)
    for clip in timeline.clips:
        if clip.record_start <= frame < clip.record_end:
            return replace(comment, span=SourceSpan(clip.file_id,
                                                    rate.seconds(clip.source_start),
                                                    rate.seconds(clip.source_end)))
    raise InputError(f"comment at {comment.at:.1f} s: the cut is only "
                     f"{timeline.duration:.1f} s long")


_CLAUSES = re.compile(r"[.;!?\n]+|,\s*|\s+and\s+(?=(?:drop|cut|remove|keep|no|add|make|"
                      r"more|less|too)\b)", re.I)
_LEAD = re.compile(r"^(?:(?:and|but|also|then|please|plus|oh)\b[\s,]*)+", re.I)
_AT = r"(?:at|around|from)\s+(?P<time>\d{1,2}(?::\d{1,2})?(?:\.\d+)?)"
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), k) for p, k in (
        (r"\b(too slow|faster|speed (it )?up|pick up the pace|more energy|snappier)\b",
         "pace+"),
        (r"\b(too fast|slower|slow (it )?down|calmer|let it breathe)\b", "pace-"),
        (r"\b(no|drop the|remove the|without|lose the|kill the) music\b", "music-"),
        (r"\b(add|with|more) music\b", "music+"),
        (r"\b(no|drop the|remove the|without) captions\b", "captions-"),
        (r"\b(add|with) captions\b", "captions+"),
        (rf"\b(drop|cut|remove|lose)\b.*?{_AT}", "drop@"),
        (r"\bkeep the (?P<what>[\w' -]+?)( moment| shot| bit)?$", "keep"),
        (r"\bmore (crowd|cheering|audience)\b", "crowd"),
        (r"\b(shorter|too long)\b", "shorter"),
        (r"\b(longer|too short)\b", "longer"),
        (r"\b(?P<seconds>\d+)\s*(s|sec|secs|seconds)\b(?! in)", "seconds"),
    ))


def read_notes(notes: str, *, timeline: Timeline | None, moments: Sequence[HeroMoment],
               duration: float | None = None) -> Reading:
    """The adjustments free text asks for, clause by clause; a clause no rule reads is kept
    in ``not_understood`` (and the note is still stored whole with the feedback)."""
    reading = Reading()
    for raw in _CLAUSES.split(notes or ""):
        clause = _LEAD.sub("", raw.strip()).strip()
        if not clause:
            continue
        found = _read_clause(clause, timeline, moments, duration)
        if found is None:
            reading.not_understood.append(clause)
            continue
        adjustments, meaning = found
        reading.adjustments = reading.adjustments.merge(adjustments)
        reading.understood.append(f"{clause!r}: {meaning}")
    return reading


def _read_clause(clause: str, timeline: Timeline | None, moments: Sequence[HeroMoment],
                 duration: float | None) -> tuple[Adjustments, str] | None:
    for pattern, kind in _RULES:
        match = pattern.search(clause)
        if match is None:
            continue
        if kind in ("pace+", "pace-"):
            factor = PACE_STEP if kind == "pace+" else 1 / PACE_STEP
            return Adjustments(pace=factor), f"pace ×{factor:.2f}"
        if kind in ("music-", "music+"):
            on = kind == "music+"
            return Adjustments(music=on), f"music {'on' if on else 'off'}"
        if kind in ("captions-", "captions+"):
            on = kind == "captions+"
            return Adjustments(captions=on), f"captions {'on' if on else 'off'}"
        if kind == "drop@" and timeline is not None:
            comment = map_comment(timeline, Comment(parse_time(match["time"]), clause))
            assert comment.span is not None
            return (Adjustments(drop=(comment.span,)),
                    f"drop {comment.span.file_id[:8]}@{comment.span.start:.1f}-"
                    f"{comment.span.end:.1f} (under {comment.at:.1f} s)")
        if kind == "keep":
            wanted = match["what"].strip().lower()
            hits = [m for m in moments
                    if wanted in " ".join((*m.reasons, *m.tags)).lower()]
            if len(hits) == 1:
                hit = hits[0]
                return (Adjustments(keep=(SourceSpan(hit.file_id, hit.start, hit.end),)),
                        f"keep moment {hit.moment_id} ({hit.reasons[0]})")
            return None  # nothing or several moments match: ask, do not guess
        if kind == "crowd":
            crowd = sorted((m for m in moments if "crowd" in m.tags),
                           key=lambda m: -m.confidence)[:2]
            if not crowd:
                return None
            return (Adjustments(keep=tuple(SourceSpan(m.file_id, m.start, m.end)
                                           for m in crowd)),
                    f"keep the {len(crowd)} strongest crowd reaction(s)")
        if kind in ("shorter", "longer") and duration:
            seconds = round(duration * (0.8 if kind == "shorter" else 1.25), 1)
            return Adjustments(duration=seconds), f"duration {seconds:g} s"
        if kind == "seconds":
            return (Adjustments(duration=float(match["seconds"])),
                    f"duration {match['seconds']} s")
    return None
