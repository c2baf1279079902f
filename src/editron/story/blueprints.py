"""Story forge: turn an analysis and a brief into blueprints (ordered moments) per deliverable.

* recap: exactly the target length to the frame (59 s by default), chronological, covering
  every quarter of the event and every file that has a good moment, opening on the strongest
  moment of the first quarter and closing on the best of the last (the energy arc);
* highlight: 10–30 s per variant, the highest-scoring moments, no moment in two variants;
* social: ≤ 15 s, the strongest moment first, its head trimmed so its peak starts inside 3 s.

Every deliverable makes the variants asked for (recap variants prefer moments the earlier
ones did not use; highlight and social variants never share one); what the footage cannot
give is said in the blueprint's notes (``story.promises``), and every moment says why it was
chosen over its neighbours (``story.explain``).

Must-use terms from the brief pull matching moments in first; must-avoid terms drop them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from editron.domain.analysis import AnalysisResult, Brief
from editron.domain.feedback import SourceSpan
from editron.domain.timeline import Blueprint, BlueprintMoment, FrameRate, MediaInfo, StylePreset
from editron.errors import InputError
from editron.story.cuts import FileCuts, file_cuts
from editron.story.deliverables import (
    Deliverable,
    DeliverablePlan,
    get_deliverable,
    register_deliverable,
)
from editron.story.explain import explain
from editron.story.multicam import EventSpan, event_order, event_overlap, event_walls, file_clocks
from editron.story.promises import land_hook, length_note, shortfall_note, variants_note
from editron.story.settle import settle as _settle

__all__ = ["StoryMaterial", "build_blueprints", "plan_for", "timeline_rate"]

GOOD_CONFIDENCE = 0.5  # a file "has good moments" when one reaches this


@dataclass(slots=True)
class _Candidate:
    file_id: str
    start: int
    end: int
    score: float
    reasons: tuple[str, ...]
    key: str
    text: str
    must: bool = False
    good: bool = False
    speech: bool = False
    clock: EventSpan | None = None  # its file's place on the event clock (multi-camera)
    parts: tuple[tuple[str, float], ...] = ()  # the score's named parts

    @property
    def frames(self) -> int:
        return self.end - self.start

    @property
    def placed(self) -> tuple[EventSpan | None, str, int, int]:
        return (self.clock, self.file_id, self.start, self.end)


def timeline_rate(media: Mapping[str, MediaInfo]) -> FrameRate:
    """The dominant source rate (by constant-rate footage duration); others conform to it."""
    weight: dict[FrameRate, float] = {}
    for m in media.values():
        if m.fps > 0:
            rate = FrameRate.from_fps(m.fps)
            weight[rate] = weight.get(rate, 0.0) + m.duration * (0.01 if m.is_vfr else 1.0)
    if not weight:
        return FrameRate(25)
    return max(weight, key=lambda r: (weight[r], r.fps))


@dataclass(slots=True)
class StoryMaterial:
    """What every deliverable's builder draws on, prepared once per edit: the ranked candidate
    moments (each already fitted to legal cut points and the style's pace), the legal cuts per
    file, the timeline rate and the media. Builders compose the two story shapes below or
    their own from ``pool``."""

    media: Mapping[str, MediaInfo]
    rate: FrameRate
    cuts: dict[str, FileCuts]
    pace: tuple[int, int]  # shortest and longest clip, in frames
    pool: list[_Candidate]
    clocks: Mapping[str, EventSpan] = field(default_factory=dict)  # synced files' clocks
    analysis: AnalysisResult | None = None

    def chronological(self, deliverable: str, target: int) -> Blueprint:
        """The recap shape: in event order, covering every quarter and every file with a good
        moment, opening and closing on strong beats, settled to ``target`` frames."""
        return _recap(self.pool, self.media, self.cuts, self.rate, target, self.pace,
                      deliverable)

    def ranked(self, deliverable: str, variant: int, target: int) -> Blueprint:
        """The strongest moments first (a hook, a highlight's open), settled to ``target``."""
        return _ranked(deliverable, variant, self.pool, self.cuts, self.rate, target,
                       self.pace)

    def without(self, used: Blueprint) -> StoryMaterial:
        """This material minus what ``used`` shows: later variants neither reuse its moments
        nor grow their edges into its footage."""
        keys = {m.key for m in used.moments}
        shown = [(self.clocks.get(m.file_id), m.file_id, m.source_start, m.source_end)
                 for m in used.moments]  # another camera's view of them is used too
        pool = [c for c in self.pool if c.key not in keys and not _overlaps_any(c, used.moments)
                and not any(event_overlap(c.placed, u) > 0 for u in shown)]
        cuts = {fid: replace(fc, blocked=fc.blocked + tuple(
            (m.source_start, m.source_end) for m in used.moments if m.file_id == fid)
            + tuple(event_walls((self.clocks.get(fid), fid, 0, 0), shown)))
            for fid, fc in self.cuts.items()}
        return StoryMaterial(self.media, self.rate, cuts, self.pace, pool, self.clocks,
                             self.analysis)

    def preferring_new(self, used: Sequence[Blueprint]) -> StoryMaterial:
        """This material with the moments of ``used`` ranked after every other (recap
        variants: a new cut where the footage allows, the same length always)."""
        keys = {m.key for bp in used for m in bp.moments}
        pool = [replace(c, score=c.score - 100.0, parts=(*c.parts, ("used before", -100.0)))
                if c.key in keys and not c.must else c for c in self.pool]
        pool.sort(key=lambda c: -c.score)
        return StoryMaterial(self.media, self.rate, self.cuts, self.pace, pool, self.clocks,
                             self.analysis)

    def usable_frames(self) -> int:
        """Frames of footage a cut could show: every file minus its blocked spans."""
        return sum(max(0, fc.media_frames - sum(min(b, fc.media_frames) - max(a, 0)
                                                 for a, b in fc.blocked if b > a))
                   for fc in self.cuts.values())


def plan_for(deliverable: Deliverable, brief: Brief, *, rate: FrameRate,
             variants: int | None = None, duration: float | None = None) -> DeliverablePlan:
    """The request's plan (pure): the caller's duration and variants, else the brief's targets
    for this deliverable, else its defaults."""
    seconds, count = deliverable.duration, deliverable.variants
    for wanted in brief.deliverable_targets:
        if wanted.get("deliverable") == deliverable.name:
            seconds = float(wanted.get("duration", seconds))
            count = int(wanted.get("variants", count))
            if "max_duration" in wanted:
                seconds = min(seconds, float(wanted["max_duration"]))
    seconds = duration if duration is not None else seconds
    if seconds <= 0:
        raise InputError(f"duration must be positive, got {seconds}")
    return DeliverablePlan(deliverable.name, seconds, rate.frames(seconds),
                           int(variants or count), deliverable.min_duration,
                           deliverable.max_duration, deliverable.hook_seconds)


def build_blueprints(analysis: AnalysisResult, brief: Brief, *, deliverable: str,
                     variants: int | None = None, duration: float | None = None,
                     style: StylePreset, media: Mapping[str, MediaInfo],
                     drop: Sequence[SourceSpan] = (), keep: Sequence[SourceSpan] = ()
                     ) -> list[Blueprint]:
    """Blueprints for one deliverable, by its registered builder. ``drop`` spans are never
    shown (nor grown into); ``keep`` spans are pulled in first, like must-use moments."""
    kind = get_deliverable(deliverable)
    if not media:
        raise InputError("no media to edit")
    rate = timeline_rate(media)
    plan = plan_for(kind, brief, rate=rate, variants=variants, duration=duration)
    cuts = {fid: _without(file_cuts(analysis, m, rate, avoid=brief.must_avoid), fid, drop)
            for fid, m in media.items()}
    pace = (rate.frames(style.min_shot_seconds), rate.frames(style.max_shot_seconds))
    pool = _candidates(analysis, brief, media, cuts, pace, keep)
    material = StoryMaterial(media, rate, cuts, pace, pool,
                             {c.file_id: c.clock for c in pool if c.clock is not None},
                             analysis)
    return kind.build(material, plan)


def _without(fc: FileCuts, file_id: str, drop: Sequence[SourceSpan]) -> FileCuts:
    spans = tuple((fc.rate.frames(d.start), fc.rate.frames(d.end))
                  for d in drop if d.file_id == file_id)
    return replace(fc, blocked=fc.blocked + spans) if spans else fc


def _recap_builder(material: StoryMaterial, plan: DeliverablePlan) -> list[Blueprint]:
    out: list[Blueprint] = []
    for v in range(1, plan.variants + 1):
        bp = replace(material.preferring_new(out).chronological(plan.name, plan.target_frames),
                     variant=v)
        short = length_note(bp, material.usable_frames())
        out.append(replace(bp, notes=(short,)) if short else bp)
    again = variants_note(out)
    if again:
        out[-1] = replace(out[-1], notes=(*out[-1].notes, again))
    return out


def _social_builder(material: StoryMaterial, plan: DeliverablePlan) -> list[Blueprint]:
    out = _distinct(material, plan)
    if material.analysis is None or plan.hook_seconds is None:
        return out
    return [land_hook(bp, material.analysis, material.cuts[bp.moments[0].file_id],
                      plan.hook_seconds, min_frames=material.pace[0]) if bp.moments else bp
            for bp in out]


def _highlight_builder(material: StoryMaterial, plan: DeliverablePlan) -> list[Blueprint]:
    return _distinct(material, plan)


def _distinct(material: StoryMaterial, plan: DeliverablePlan) -> list[Blueprint]:
    """Ranked variants that never share a moment, as many as asked or as the footage has."""
    out: list[Blueprint] = []
    floor = material.rate.frames(min(plan.min_seconds, plan.seconds))
    for v in range(1, plan.variants + 1):
        bp = material.ranked(plan.name, v, plan.target_frames)
        if bp.frames <= 0 or (out and bp.frames < floor):
            # not enough unused material left for another variant; the first takes what
            # there is (a short clip still makes a short cut, and its notes say so)
            break
        out.append(bp)
        material = material.without(bp)
    if not out:
        raise InputError(f"not enough usable footage for a {plan.seconds:.0f} s {plan.name}")
    short = shortfall_note(plan.name, plan.variants, len(out))
    if short:
        out[-1] = replace(out[-1], notes=(*out[-1].notes, short))
    return out


def _candidates(analysis: AnalysisResult, brief: Brief, media: Mapping[str, MediaInfo],
                cuts: Mapping[str, FileCuts], pace: tuple[int, int],
                keep: Sequence[SourceSpan] = ()) -> list[_Candidate]:
    raw: list[tuple[str, float, float, tuple[tuple[str, float], ...], tuple[str, ...], str,
                    bool]] = [
        (k.file_id, k.start, k.end, (("kept by the client", 2.0),), ("kept by the client",),
         f"keep:{k.file_id}@{k.start:.3f}", True) for k in keep]
    for h in analysis.hero_moments:
        key = f"hero:{h.file_id}@{h.start:.3f}"
        raw.append((h.file_id, h.start, h.end,
                    (("hero moment", 1.0), ("strength", max(h.score, h.confidence))),
                    h.reasons + h.tags, key, h.confidence >= GOOD_CONFIDENCE))
    for s in analysis.shots:  # plain shots keep the recap covering the whole event
        energy = [e.energy for e in analysis.energy_curve
                  if e.file_id == s.file_id and s.start <= e.t < s.end]
        motion = [g.motion for g in analysis.shot_signals
                  if g.file_id == s.file_id and g.start < s.end and g.end > s.start]
        mean = sum(energy) / len(energy) if energy else 0.0
        parts: tuple[tuple[str, float], ...] = (("energy", 0.5 * mean),
                                                ("motion", 0.3 * max(motion or [0.0])))
        raw.append((s.file_id, s.start, s.end, parts, ("shot",),
                    f"shot:{s.file_id}@{s.start:.3f}", False))
    out: list[_Candidate] = []
    clocks = file_clocks(analysis.sync, {f: m.order for f, m in media.items()},
                         {f: fc.rate.fps for f, fc in cuts.items()})
    must_use = [t.lower() for t in brief.must_use if t.strip()]
    avoid = [t.lower() for t in brief.must_avoid if t.strip()]
    for fid, start, end, parts, reasons, key, good in raw:
        score = sum(v for _, v in parts)
        fc = cuts.get(fid)
        if fc is None or end <= start:
            continue
        a, b = fc.rate.frames(start), fc.rate.frames(end)
        speech_led = fc.speech_in(a, b) >= 0.5
        fitted = fc.fit(a, b, min_frames=pace[0], max_frames=pace[1], speech_led=speech_led,
                        prefer=fc.rate.frames(0.5))
        if fitted is None:
            continue
        text = _text(analysis, fid, fc.rate.seconds(fitted[0]), fc.rate.seconds(fitted[1]))
        haystack = " ".join((text, *reasons)).lower()
        if any(term in haystack for term in avoid) or any(
                fitted[0] < b and fitted[1] > a for a, b in fc.blocked):
            continue
        must = key.startswith("keep:") or any(term in haystack for term in must_use)
        if must and not speech_led and text:
            # a must-use line is heard whole: re-cut the moment around its sentences
            again = fc.fit(fitted[0], fitted[1], min_frames=pace[0], max_frames=pace[1],
                           speech_led=True, prefer=fc.rate.frames(0.5))
            if again is not None and not any(again[0] < b and again[1] > a
                                             for a, b in fc.blocked):
                fitted, speech_led = again, True
                text = _text(analysis, fid, fc.rate.seconds(fitted[0]),
                             fc.rate.seconds(fitted[1]))
        out.append(_Candidate(fid, fitted[0], fitted[1], score + (10.0 if must else 0.0),
                              reasons, key, text, must, good, speech_led,
                              clock=clocks.get(fid),
                              parts=(*parts, ("must use", 10.0 if must else 0.0))))
    order = {fid: m.order for fid, m in media.items()}
    out.sort(key=lambda c: (-c.score, order.get(c.file_id, 0), c.start))
    return out


def _text(analysis: AnalysisResult, fid: str, a: float, b: float) -> str:
    return " ".join(w.word.strip() for seg in analysis.transcript if seg.file_id == fid
                    for w in seg.words if w.start < b and w.end > a) or " ".join(
        seg.text for seg in analysis.transcript
        if seg.file_id == fid and not seg.words and seg.start < b and seg.end > a)


def _overlaps(c: _Candidate, fid: str, start: int, end: int) -> bool:
    return c.file_id == fid and c.start < end and c.end > start


def _overlaps_any(c: _Candidate, chosen: Sequence[BlueprintMoment | _Candidate]) -> bool:
    # another camera's clip of the same event time counts as the same footage
    if any(event_overlap(c.placed, m.placed) > 0 for m in chosen if isinstance(m, _Candidate)):
        return True
    return any(_overlaps(c, m.file_id, m.source_start if isinstance(m, BlueprintMoment)
                         else m.start, m.source_end if isinstance(m, BlueprintMoment) else m.end)
               for m in chosen)


def _take(chosen: list[_Candidate], c: _Candidate, target: int, slack: int) -> bool:
    if _overlaps_any(c, chosen) or sum(x.frames for x in chosen) + c.frames > target + slack:
        return False
    chosen.append(replace(c))
    return True


def _recap(pool: list[_Candidate], media: Mapping[str, MediaInfo],
           cuts: Mapping[str, FileCuts], rate: FrameRate, target: int,
           pace: tuple[int, int], deliverable: str = "recap") -> Blueprint:
    order = {fid: m.order for fid, m in sorted(media.items(), key=lambda kv: kv[1].order)}
    offsets: dict[str, int] = {}
    acc = 0
    for fid in sorted(order, key=lambda f: (order[f], f)):
        offsets[fid] = acc
        acc += cuts[fid].media_frames
    event = max(acc, 1)

    def quarter(c: _Candidate) -> int:
        return min(3, 4 * (offsets[c.file_id] + c.start) // event)

    chosen: list[_Candidate] = []
    slack = pace[1]
    for c in pool:  # must-use moments first (they sort first by score)
        if c.must:
            _take(chosen, c, target, slack)
    for q in (0, 3, 1, 2):  # strong open and closing beat, then the build and the peak
        best = next((c for c in pool if quarter(c) == q and not _overlaps_any(c, chosen)), None)
        if best is not None:
            _take(chosen, best, target, slack)
    for fid in order:  # every file that has a good moment
        if not any(c.file_id == fid for c in chosen):
            best = next((c for c in pool if c.file_id == fid and c.good), None)
            if best is not None:
                _take(chosen, best, target, slack)
    for c in pool:
        if sum(x.frames for x in chosen) >= target:
            break
        _take(chosen, c, target, slack)
    chosen.sort(key=lambda c: (*event_order(c.placed, order.get(c.file_id, 0)), c.file_id))
    notes = _settle(chosen, cuts, target, pace)
    return _blueprint(deliverable, 1, rate, target, chosen, notes, pool)


def _ranked(deliverable: str, variant: int, pool: list[_Candidate],
            cuts: Mapping[str, FileCuts], rate: FrameRate, target: int,
            pace: tuple[int, int]) -> Blueprint:
    chosen: list[_Candidate] = []
    for c in pool:
        if sum(x.frames for x in chosen) >= target:
            break
        _take(chosen, c, target, pace[1])
    # highest score first: the hook (social) and the strongest open (highlight)
    chosen.sort(key=lambda c: -c.score)
    notes = _settle(chosen, cuts, target, pace)
    return _blueprint(deliverable, variant, rate, target, chosen, notes, pool)


def _blueprint(deliverable: str, variant: int, rate: FrameRate, target: int,
               chosen: Sequence[_Candidate], notes: tuple[str, ...],
               pool: Sequence[_Candidate]) -> Blueprint:
    why = explain(chosen, pool, rate, full=sum(c.frames for c in chosen) >= target)
    moments = tuple(BlueprintMoment(c.file_id, c.start, c.end, round(c.score, 4), c.reasons,
                                    c.speech, c.key, w) for c, w in zip(chosen, why, strict=True))
    return Blueprint(deliverable, variant, rate, target, moments, notes)


register_deliverable(Deliverable(
    "recap", "a 59 s story of the event, in order, with an energy arc", 59.0, 59.0, 59.0, 1,
    _recap_builder, words=("recaps", "sizzle", "aftermovie"),
    shape="chronological story with an energy arc"))
register_deliverable(Deliverable(
    "highlight", "10-30 s reels of the highest-energy moments, no moment in two variants",
    20.0, 10.0, 30.0, 3, _highlight_builder, words=("highlights", "reel", "reels"),
    shape="highest-energy moments"))
register_deliverable(Deliverable(
    "social", "a hook of 15 s at most, the strongest moment inside the first 3 s", 15.0, 3.0,
    15.0, 1, _social_builder, words=("hook", "teaser", "short"), hook_seconds=3.0,
    shape="one peak moment, captions on"))
