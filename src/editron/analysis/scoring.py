"""Hero moments: candidate windows scored from every signal, with reasons a person can check.

Candidates come from crowd peaks, loudness highs, sponsor and keyword mentions, salient speech
and high-motion shots. Each is scored from crowd response, energy, motion, faces, speech
salience, the brief and shot quality; ``confidence`` is a logistic of the score. Moments do
not overlap, and a diversity penalty spreads them across files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from editron.analysis.base import FileFindings
from editron.domain.analysis import Brief, HeroMoment

__all__ = ["MAX_SECONDS", "MIN_SECONDS", "mmss", "score_hero_moments", "summarise_moments"]

WEIGHTS = {"crowd": 0.30, "energy": 0.18, "motion": 0.12, "faces": 0.08, "speech": 0.12,
           "brief": 0.20}
FILE_DIVERSITY = 0.85
MIN_SECONDS, MAX_SECONDS = 3.0, 8.0  # a candidate window's length
BLACK_FACTOR, BLURRED_FACTOR = 0.4, 0.7  # score multipliers for a poor picture


def mmss(t: float) -> str:
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


@dataclass
class _Candidate:
    file_id: str
    start: float
    end: float
    why: str
    # What the window is about (the crowd peak, the spoken name): it must stay inside.
    anchor: tuple[float, float] | None = None


def _candidates(f: FileFindings, brief: Brief) -> list[_Candidate]:
    out = []
    for p in f.crowd_peaks:
        out.append(_Candidate(f.file_id, p.start - 4.0, p.start + min(p.duration, 4.0) + 0.5,
                              "crowd", (p.t, p.t)))
    for m in f.sponsor_moments:
        out.append(_Candidate(f.file_id, m.start - 1.5, m.end + 2.5, "mention",
                              (m.start, m.end)))
    level = f.series.get("level_db")
    if level is not None and level.size > 20:
        smooth = np.convolve(level, np.ones(10) / 10, mode="same")
        top = float(np.percentile(smooth, 90))
        for i in range(5, smooth.size - 5, 10):
            window = smooth[max(0, i - 30): i + 30]
            if smooth[i] >= top and smooth[i] >= window.max() - 0.1:
                t = i * 0.1
                out.append(_Candidate(f.file_id, t - 3.0, t + 3.0, "energy"))
    for seg in f.transcript:
        if _salience(seg.text, brief)[0] > 0:
            out.append(_Candidate(f.file_id, seg.start - 0.3, min(seg.end, seg.start + 8) + 0.3,
                                  "speech"))
    for s in f.shot_signals:
        if s.motion >= 0.5 or s.faces:
            mid = (s.start + s.end) / 2
            out.append(_Candidate(f.file_id, max(s.start, mid - 3), min(s.end, mid + 3), "shot"))
    if not out:  # quiet file: still offer its best-looking shots
        for s in sorted(f.shot_signals, key=lambda s: -s.sharpness)[:3]:
            mid = (s.start + s.end) / 2
            out.append(_Candidate(f.file_id, max(s.start, mid - 3), min(s.end, mid + 3), "shot"))
    for c in out:
        _fit(c, f.duration)
    return [c for c in out if c.end - c.start >= 1.0]


def _fit(c: _Candidate, duration: float) -> None:
    """Stretch or trim a window about its middle to 3-8 s, inside the file."""
    length = min(max(c.end - c.start, MIN_SECONDS), MAX_SECONDS)
    if c.why == "crowd" and c.end - c.start > MAX_SECONDS:
        # Keep the build-up and the burst's onset; the tail of applause is the least telling.
        c.end = c.start + MAX_SECONDS
    else:
        mid = (c.start + c.end) / 2
        c.start, c.end = mid - length / 2, mid + length / 2
    if c.start < 0:
        c.start, c.end = 0.0, c.end - c.start
    if c.end > duration:
        c.start, c.end = max(0.0, c.start - (c.end - duration)), duration


def _salience(text: str, brief: Brief) -> tuple[float, list[str]]:
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    keywords = [k for k in brief.must_use + brief.sponsors if k.lower() in text.lower()]
    names = [w for w in words[1:] if w[0].isupper() and len(w) > 2]
    score = min(1.0, 0.5 * len(keywords) + 0.2 * len(names) + (0.3 if "!" in text else 0.0))
    return score, keywords or names


def _score(c: _Candidate, f: FileFindings, brief: Brief, level_range: tuple[float, float]
           ) -> tuple[float, list[str], list[str]] | None:
    parts: dict[str, float] = dict.fromkeys(WEIGHTS, 0.0)
    reasons: list[str] = []
    penalties: list[str] = []
    tags: list[str] = []
    text = " ".join(s.text for s in f.transcript if s.start < c.end and s.end > c.start)
    if any(term.lower() in text.lower() for term in brief.must_avoid):
        return None
    peaks = [p for p in f.crowd_peaks if c.start <= p.t <= c.end]
    if peaks:
        best = max(peaks, key=lambda p: p.strength_db)
        parts["crowd"] = min(1.0, best.strength_db / 15.0)
        reasons.append(f"crowd cheer +{best.strength_db:.0f} dB at {mmss(best.t)}")
        tags.append("crowd")
    _score_energy(c, f, level_range, parts, reasons, tags)
    quality = _score_picture(c, f, parts, reasons, tags, penalties)
    if text:
        salience, said = _salience(text, brief)
        parts["speech"] = salience
        if said:
            reasons.append(f'speaker says "{said[0]}"')
            tags.append("speech")
    mentions = [m for m in f.sponsor_moments if c.start <= m.start and m.end <= c.end]
    if mentions:
        parts["brief"] = 1.0
        m = mentions[0]
        reasons.append(f'{m.name} mentioned ("{m.matched_text}") at {mmss(m.start)}')
        tags.append("sponsor")
    if not reasons:  # nothing positive to say: a penalty alone is no reason to pick it
        return None
    score = quality * sum(WEIGHTS[k] * v for k, v in parts.items())
    return score, reasons + penalties, tags


def _score_energy(c: _Candidate, f: FileFindings, level_range: tuple[float, float],
                  parts: dict[str, float], reasons: list[str], tags: list[str]) -> None:
    """How loud the window is within the event's range (``level_range``, dB)."""
    level = f.series.get("level_db")
    if level is not None and level.size:
        a, b = int(c.start * 10), max(int(c.start * 10) + 1, int(c.end * 10))
        lo, hi = level_range
        mean_db = float(np.mean(level[a:b])) if b <= level.size else float(np.mean(level[a:]))
        parts["energy"] = float(np.clip((mean_db - lo) / max(hi - lo, 1e-3), 0, 1))
        if parts["energy"] >= 0.75:
            reasons.append(f"energy in the loudest quarter of the event ({mean_db:.0f} dBFS "
                           f"at {mmss(c.start)}–{mmss(c.end)})")
            tags.append("energy")


def _score_picture(c: _Candidate, f: FileFindings, parts: dict[str, float],
                   reasons: list[str], tags: list[str], penalties: list[str]) -> float:
    """Motion and faces in the window's shots; returns the picture's quality factor."""
    quality = 1.0
    shots = [s for s in f.shot_signals if s.start < c.end and s.end > c.start]
    if shots:
        parts["motion"] = max(s.motion for s in shots)
        faces = max(s.faces for s in shots)
        parts["faces"] = min(1.0, faces / 2)
        if parts["motion"] >= 0.5:
            reasons.append(f"strong motion ({parts['motion']:.2f})")
            tags.append("motion")
        if faces:
            reasons.append(f"{faces} face{'s' if faces > 1 else ''} on screen")
            tags.append("faces")
        # The worst picture in the window decides: one black or blurred shot spoils it.
        worst = min(shots, key=lambda s: s.sharpness)
        darkest = min(shots, key=lambda s: min(s.brightness, 255 - s.brightness))
        if darkest.brightness < 25 or darkest.brightness > 235:
            quality = BLACK_FACTOR
            penalties.append(f"badly exposed shot (penalised, mean luma "
                             f"{darkest.brightness:.0f})")
        elif worst.sharpness < 20:
            quality = BLURRED_FACTOR
            penalties.append("soft or blurred shot (penalised)")
    return quality


def score_hero_moments(findings: Mapping[str, FileFindings], brief: Brief, *,
                       max_moments: int = 20) -> list[HeroMoment]:
    levels = [f.series["level_db"] for f in findings.values() if "level_db" in f.series]
    joined = np.concatenate(levels) if levels else np.zeros(1)
    level_range = (float(np.percentile(joined, 10)), float(np.percentile(joined, 99)))
    scored: list[tuple[float, _Candidate, list[str], list[str]]] = []
    for f in findings.values():
        for c in _candidates(f, brief):
            result = _score(c, f, brief, level_range)
            if result is not None and result[1]:
                scored.append((result[0], c, result[1], result[2]))
    picked: list[HeroMoment] = []
    per_file: dict[str, int] = {}
    remaining = list(scored)
    while remaining and len(picked) < max_moments:
        best_i = max(range(len(remaining)), key=lambda i: remaining[i][0] * FILE_DIVERSITY ** (
            per_file.get(remaining[i][1].file_id, 0)))
        score, c, reasons, tags = remaining.pop(best_i)
        taken = [(m.start, m.end) for m in picked if m.file_id == c.file_id]
        if any(a < c.end and c.start < b for a, b in taken):
            # A sponsor line just before a cheer is two moments, not one: squeeze this one
            # into the free time around what it is about, and score it again there.
            f = findings[c.file_id]
            moved = _make_room(c, taken, f.duration)
            result = _score(moved, f, brief, level_range) if moved is not None else None
            if moved is None or result is None or not result[1]:
                continue
            c, (score, reasons, tags) = moved, result
        confidence = 1 / (1 + math.exp(-8 * (score - 0.3)))
        picked.append(HeroMoment(c.file_id, round(c.start, 3), round(c.end, 3),
                                 round(confidence, 3), tuple(reasons), tuple(sorted(set(tags))),
                                 round(score, 4)))
        per_file[c.file_id] = per_file.get(c.file_id, 0) + 1
    return sorted(picked, key=lambda m: -m.score)


def _make_room(c: _Candidate, taken: Sequence[tuple[float, float]], duration: float
               ) -> _Candidate | None:
    """``c`` moved into the gap between picked moments that holds its anchor, at least
    ``MIN_SECONDS`` long; None when the anchor itself is taken or the gap is too short."""
    if c.anchor is None:
        return None
    a0, a1 = c.anchor
    if any(a < a1 and a0 < b for a, b in taken) or any(a <= a0 <= b for a, b in taken):
        return None
    left = max([b for _, b in taken if b <= a0], default=0.0)
    right = min([a for a, _ in taken if a >= a1], default=duration)
    if right - left < MIN_SECONDS:
        return None
    start, end = max(c.start, left), min(c.end, right)
    if end - start < MIN_SECONDS:  # grow back to the minimum inside the gap
        grow = MIN_SECONDS - (end - start)
        start = max(left, start - grow)
        end = min(right, start + MIN_SECONDS)
    return _Candidate(c.file_id, start, end, c.why, c.anchor)


def summarise_moments(moments: Sequence[HeroMoment], names: Mapping[str, str] | None = None,
                      *, top: int = 3) -> str:
    """One paragraph a producer reads first: how many moments, and the best few with why."""
    if not moments:
        return "No hero moments: nothing in the footage stood out on sound, picture or speech."
    names = names or {}
    files = len({m.file_id for m in moments})
    parts = []
    for rank, m in enumerate(moments[:top], start=1):
        where = names.get(m.file_id, m.file_id)
        parts.append(f"{rank}) {where} {mmss(m.start)}–{mmss(m.end)}: {m.reasons[0]} "
                     f"(confidence {m.confidence:.2f})")
    tags: dict[str, int] = {}
    for m in moments:
        for tag in m.tags:
            tags[tag] = tags.get(tag, 0) + 1
    mix = ", ".join(f"{n} {tag}" for tag, n in sorted(tags.items(), key=lambda kv: -kv[1]))
    return (f"{len(moments)} hero moment(s) across {files} file(s) ({mix}). Best: "
            + "; ".join(parts) + ".")
