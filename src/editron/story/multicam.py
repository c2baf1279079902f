"""One moment, many angles: what several synced cameras caught at the same event time.

Pure functions over an analysis and its sync (``domain.sync``):

* ``merge_moments`` puts every hero moment, crowd response, speech segment and sponsor mention
  on the event clock and merges those of different cameras whose event spans overlap into one
  ``MergedMoment`` (``event_start``, ``event_end``, ``angles``), each angle with its picture
  quality; a file that is not synced keeps its moments to itself.
* ``angle_quality`` scores one angle's picture over a span: faces, sharpness, exposure, motion
  and how well the subject fits the target ratio (a 9:16 crop wants it near the middle), with
  the reason in words; ``best_angle`` picks by it, so the 9:16 cut may pick another angle.
* ``distinct_hero_moments`` keeps one hero moment per event time (its best angle), so the top
  moments never list the same event time twice.
* ``EventSpan`` is what the story forge needs to keep a deliverable from showing one event
  time twice and to order a recap by the event clock across cameras.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from editron.domain.analysis import AnalysisResult, HeroMoment, ShotSignals
from editron.domain.sync import FileSync, SyncResult

__all__ = ["Angle", "EventSpan", "MergedMoment", "angle_for_ratio", "angle_quality", "best_angle",
           "covering_angles", "distinct_hero_moments", "event_order", "event_overlap",
           "event_span_of", "event_walls", "file_clocks", "merge_moments"]

SHARP_ENOUGH = 200.0  # variance of the Laplacian at which a picture counts as sharp


@dataclass(frozen=True, slots=True)
class EventSpan:
    """Where a file's frames sit on its group's event clock: event seconds of frame ``f`` are
    ``origin + f / fps / scale`` (``scale`` is the file clock's rate, drift included)."""

    group: int
    origin: float
    scale: float
    fps: float
    group_order: int = 0  # the earliest media order among the group's files

    def seconds(self, frame: int) -> float:
        return self.origin + frame / self.fps / self.scale

    def frame(self, event_t: float) -> int:
        return round((event_t - self.origin) * self.scale * self.fps)


def file_clocks(sync: SyncResult | None, orders: Mapping[str, int], fps: Mapping[str, float]
                ) -> dict[str, EventSpan]:
    """Each synced file's event clock at its ``fps`` (the timeline rate), with its group's
    earliest media ``orders`` so a recap places the group where its first file would be."""
    groups = {f.file_id: f.group for f in (sync.files if sync else []) if f.group is not None}
    first: dict[int, int] = {}
    for fid, group in groups.items():
        if fid in orders:
            first[group] = min(first.get(group, orders[fid]), orders[fid])
    out = {}
    for fid, rate in fps.items():
        span = event_span_of(sync, fid, rate, first.get(groups.get(fid, -1), 0))
        if span is not None:
            out[fid] = span
    return out


def event_span_of(sync: SyncResult | None, file_id: str, fps: float,
                  group_order: int = 0) -> EventSpan | None:
    """The file's place on the event clock, or ``None`` when it is not synced."""
    placed = sync.for_file(file_id) if sync is not None else None
    if placed is None or placed.event_offset is None or placed.group is None or fps <= 0:
        return None
    return EventSpan(placed.group, placed.event_offset, 1.0 + placed.drift_ppm * 1e-6, fps,
                     group_order)


@dataclass(frozen=True, slots=True)
class Angle:
    file_id: str
    start: float  # seconds of the file
    end: float
    quality: float  # 0..1
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MergedMoment:
    """One thing that happened, seen by one or more cameras. Event times are ``None`` for a
    file that is not synced (then ``angles`` has that one file, in its own seconds)."""

    kind: str  # hero | crowd | speech | sponsor
    event_start: float | None
    event_end: float | None
    group: int | None
    angles: tuple[Angle, ...]
    best: str  # file id of the best angle
    reason: str  # why that angle
    score: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "event_start": self.event_start, "event_end": self.event_end,
                "group": self.group, "best": self.best, "reason": self.reason,
                "score": self.score,
                "angles": [{"file_id": a.file_id, "start": a.start, "end": a.end,
                            "quality": a.quality, "reason": a.reason} for a in self.angles]}


def _signals_in(signals: Iterable[ShotSignals], file_id: str, start: float, end: float
                ) -> list[ShotSignals]:
    return [s for s in signals if s.file_id == file_id and s.start < end and s.end > start]


def _centre_x(s: ShotSignals) -> float | None:
    if s.face_boxes:
        biggest = max(s.face_boxes, key=lambda b: b.w * b.h)
        return biggest.x + biggest.w / 2
    return s.motion_center[0] if s.motion_center else None


def angle_quality(signals: Sequence[ShotSignals], file_id: str, start: float, end: float,
                  ratio: str = "16:9") -> tuple[float, str]:
    """One angle's picture over ``start``–``end`` of its file, 0..1, and why."""
    inside = _signals_in(signals, file_id, start, end)
    if not inside:
        return 0.3, "no picture measures"
    faces = max(s.faces for s in inside)
    sharp = min(1.0, sum(s.sharpness for s in inside) / len(inside) / SHARP_ENOUGH)
    luma = sum(s.brightness for s in inside) / len(inside)
    exposure = max(0.0, 1.0 - abs(luma - 118.0) / 118.0)
    motion = sum(s.motion for s in inside) / len(inside)
    parts = {"faces": min(faces, 3) / 3, "sharpness": sharp, "exposure": exposure,
             "motion": min(1.0, motion * 2)}
    weights = {"faces": 0.35, "sharpness": 0.25, "exposure": 0.2, "motion": 0.2}
    if ratio in ("9:16", "1:1", "4:5"):  # a narrow crop keeps the subject only if it is central
        centres = [c for c in (_centre_x(s) for s in inside) if c is not None]
        parts["fit"] = (1.0 - min(1.0, 2 * abs(sum(centres) / len(centres) - 0.5))
                        if centres else 0.5)
        weights = {k: v * 0.7 for k, v in weights.items()} | {"fit": 0.3}
    score = sum(parts[k] * w for k, w in weights.items())
    words = ", ".join(f"{k} {parts[k]:.2f}" for k in sorted(parts, key=lambda k: -parts[k]
                                                             * weights[k])[:3])
    return round(score, 4), f"{faces} face(s); {words}"


def best_angle(signals: Sequence[ShotSignals], angles: Sequence[Angle], ratio: str = "16:9"
               ) -> tuple[Angle, str]:
    """The angle with the best picture for ``ratio`` (ties: the first given), and why."""
    scored = [(angle_quality(signals, a.file_id, a.start, a.end, ratio), k, a)
              for k, a in enumerate(angles)]
    (score, why), _, best = max(scored, key=lambda t: (t[0][0], -t[1]))
    if len(angles) > 1:
        why = f"best picture of {len(angles)} angles for {ratio} ({score:.2f}: {why})"
    return best, why


def _raw_moments(analysis: AnalysisResult) -> list[tuple[str, str, float, float, float]]:
    out = [("hero", h.file_id, h.start, h.end, max(h.score, h.confidence))
           for h in analysis.hero_moments]
    out += [("crowd", c.file_id, c.start, c.start + c.duration, c.strength_db / 20)
            for c in analysis.crowd_peaks]
    out += [("speech", t.file_id, t.start, t.end, 0.3) for t in analysis.transcript]
    out += [("sponsor", s.file_id, s.start, s.end, s.confidence)
            for s in analysis.sponsor_moments]
    return out


def merge_moments(analysis: AnalysisResult, *, ratio: str = "16:9") -> list[MergedMoment]:
    """Every moment of the analysis, those of several synced cameras at the same event time
    (the same kind, overlapping event spans) merged into one; strongest first."""
    sync = analysis.sync
    placed: dict[str, FileSync] = {f.file_id: f for f in (sync.files if sync else [])
                                   if f.synced and f.group is not None}
    out: list[MergedMoment] = []
    clusters: dict[tuple[str, int], list[tuple[float, float, float, Angle]]] = {}
    for kind, fid, start, end, score in _raw_moments(analysis):
        angle = Angle(fid, start, end, 0.0)
        where = placed.get(fid)
        if where is None or where.group is None:
            out.append(_moment(kind, None, None, None, [angle], score, analysis, ratio))
            continue
        clusters.setdefault((kind, where.group), []).append(
            (where.to_event(start), where.to_event(end), score, angle))
    for (kind, group), items in clusters.items():
        items.sort(key=lambda t: t[0])
        run: list[tuple[float, float, float, Angle]] = []
        for item in [*items, None]:
            if item is not None and run and item[0] < max(r[1] for r in run):
                run.append(item)
                continue
            # one camera's own overlapping moments stay apart: only other cameras merge
            parts = [run] if len({r[3].file_id for r in run}) > 1 else [[r] for r in run]
            for part in parts:
                out.append(_moment(kind, min(r[0] for r in part), max(r[1] for r in part),
                                   group, [r[3] for r in part], max(r[2] for r in part),
                                   analysis, ratio))
            run = [item] if item is not None else []
    out.sort(key=lambda m: (-m.score, m.event_start if m.event_start is not None else 0.0))
    return out


def _moment(kind: str, ev_start: float | None, ev_end: float | None, group: int | None,
            angles: list[Angle], score: float, analysis: AnalysisResult, ratio: str
            ) -> MergedMoment:
    rated = []
    for a in angles:
        quality, why = angle_quality(analysis.shot_signals, a.file_id, a.start, a.end, ratio)
        rated.append(replace(a, quality=quality, reason=why))
    best, why = best_angle(analysis.shot_signals, rated, ratio)
    return MergedMoment(kind, None if ev_start is None else round(ev_start, 4),
                        None if ev_end is None else round(ev_end, 4), group, tuple(rated),
                        best.file_id, why, round(score, 4))


def distinct_hero_moments(analysis: AnalysisResult) -> list[HeroMoment]:
    """The hero moments with one per event time: of the moments several cameras caught at
    once, the best angle's, told how many cameras saw it. Order and scores as before."""
    keep: dict[tuple[str, float, float], str] = {}
    for m in merge_moments(replace(analysis, crowd_peaks=[], transcript=[],
                                   sponsor_moments=[])):
        best = next(a for a in m.angles if a.file_id == m.best)
        note = (f"seen by {len(m.angles)} cameras; {m.reason}" if len(m.angles) > 1 else "")
        keep[(best.file_id, best.start, best.end)] = note
    out = []
    for h in analysis.hero_moments:
        seen = keep.get((h.file_id, h.start, h.end))
        if seen is None:
            continue
        out.append(replace(h, reasons=(*h.reasons, seen)) if seen else h)
    return out


Placed = tuple[EventSpan | None, str, int, int]  # (clock, file id, start frame, end frame)


def event_overlap(a: Placed, b: Placed) -> float:
    """Seconds of event time two clips of different files both show (0 unless synced in one
    group)."""
    (ca, fa, sa, ea), (cb, fb, sb, eb) = a, b
    if ca is None or cb is None or ca.group != cb.group or fa == fb:
        return 0.0
    return max(0.0, min(ca.seconds(ea), cb.seconds(eb)) - max(ca.seconds(sa), cb.seconds(sb)))


def event_walls(clip: Placed, others: Iterable[Placed]) -> list[tuple[int, int]]:
    """The other files' clips of ``clip``'s group, as frames of ``clip``'s file: an edge that
    grows into one would show the same event time twice."""
    clock = clip[0]
    if clock is None:
        return []
    return [(clock.frame(oc.seconds(s)), clock.frame(oc.seconds(e)))
            for oc, fid, s, e in others
            if oc is not None and oc.group == clock.group and fid != clip[1]]


def event_order(clip: Placed, order: int) -> tuple[int, float]:
    """A recap's sort key: synced files by the event clock, the rest by their own order."""
    clock, _, start, _ = clip
    if clock is None:
        return (order, start / 1000.0)
    return (clock.group_order, clock.seconds(start))


def covering_angles(clip: Placed, duration_frames: int, sync: SyncResult,
                    files: Mapping[str, tuple[float, float]]) -> dict[str, tuple[EventSpan, int]]:
    """The files of ``clip``'s group (``files``: id to fps and seconds) that cover its whole
    event span, each with its clock and the frame at the clip's first frame; the clip's own
    file first. Empty when the clip is not synced."""
    clock, own, start, _ = clip
    if clock is None:
        return {}
    ev0 = clock.seconds(start)
    out = {own: (clock, start)}
    for fid, (fps, seconds) in files.items():
        other = event_span_of(sync, fid, fps)
        if fid == own or other is None or other.group != clock.group:
            continue
        first = other.frame(ev0)
        if first >= 0 and first + duration_frames <= int(seconds * fps):
            out[fid] = (other, first)
    return out


def angle_for_ratio(clip: Placed, duration_frames: int, analysis: AnalysisResult,
                    files: Mapping[str, tuple[float, float]], ratio: str
                    ) -> tuple[str, int, str, tuple[tuple[str, int], ...]] | None:
    """The best angle of a clip for ``ratio`` among the synced files (``files``: id to fps
    and seconds) that cover its whole event span: (file id, its start frame, why, the other
    angles as (file id, start frame)), or ``None`` when no other camera covers it."""
    if analysis.sync is None:
        return None
    covering = covering_angles(clip, duration_frames, analysis.sync, files)
    if len(covering) < 2:
        return None
    angles = [Angle(fid, first / c.fps, (first + duration_frames) / c.fps, 0.0)
              for fid, (c, first) in covering.items()]
    best, why = best_angle(analysis.shot_signals, angles, ratio)
    others = tuple((f, first) for f, (_, first) in covering.items() if f != best.file_id)
    return best.file_id, covering[best.file_id][1], why, others
