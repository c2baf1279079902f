"""Brief parsing, sponsor matching, scoring and boundary refinement (pure)."""

from __future__ import annotations

import numpy as np

from editron.analysis.base import FileFindings
from editron.analysis.brief import deliverable_targets, parse_brief
from editron.analysis.refine import refine_window
from editron.analysis.scoring import score_hero_moments
from editron.analysis.sponsors import find_mentions, phonetic_key
from editron.domain.analysis import (
    Brief,
    CrowdPeak,
    Shot,
    ShotSignals,
    SponsorMoment,
    TranscriptSegment,
    Word,
)


def _segment(words: list[str], start: float = 0.0) -> TranscriptSegment:
    ws = tuple(Word(w, start + i * 0.5, start + i * 0.5 + 0.4) for i, w in enumerate(words))
    return TranscriptSegment("f", start, start + len(words) * 0.5, " ".join(words), ws)


def test_brief_from_lines_prose_and_json() -> None:
    brief = parse_brief("Sponsors: Northwind Energy, Aurora\nmust avoid: crying kids\n"
                        "tone: upbeat\nKeep it lively. Must use the \"award moment\".")
    assert brief.sponsors == ["Northwind Energy", "Aurora"]
    assert brief.must_avoid == ["crying kids"] and brief.tone == "upbeat"
    assert "award moment" in brief.must_use
    assert parse_brief('{"sponsors": ["X"], "tone": "calm"}').sponsors == ["X"]
    targets = deliverable_targets(["recap", "social"], Brief(
        deliverable_targets=[{"deliverable": "social", "max_duration": 10.0}]))
    assert [t["deliverable"] for t in targets] == ["recap", "social"]
    assert targets[0]["duration"] == 59.0 and targets[1]["max_duration"] == 10.0


def test_sponsor_found_despite_asr_spelling() -> None:
    transcript = [_segment(["brought", "to", "you", "by", "North", "Wind", "Energy."]),
                  _segment(["thanks", "Northwin", "folks"], start=10)]
    found = find_mentions(transcript, ["Northwind"])
    assert [(m.matched_text, m.start) for m in found] == [("North Wind", 2.0),
                                                          ("Northwin", 10.5)]
    assert phonetic_key("Northwind") == phonetic_key("North Wind")
    assert find_mentions(transcript, ["Aurora"]) == []


def _findings(file_id: str, peaks: list[float], level_db: float = -30) -> FileFindings:
    f = FileFindings(file_id, 120.0, 25.0)
    level = np.full(1200, level_db, dtype=np.float32)
    for t in peaks:
        level[int(t * 10): int(t * 10) + 30] = -10
        f.crowd_peaks.append(CrowdPeak(file_id, t + 1, t, 3.0, 20.0))
    f.series["level_db"] = level
    f.shots = [Shot(file_id, 0, 120, 0, 3000)]
    f.shot_signals = [ShotSignals(file_id, 0, 120, 0.2, 200, 120)]
    return f


def test_hero_moments_explain_themselves_and_do_not_overlap() -> None:
    a = _findings("a", [10, 60, 62])
    a.transcript = [_segment(["welcome", "to", "Aurora!"], start=30)]
    a.sponsor_moments = [SponsorMoment("a", 31, 31.5, "Aurora", "transcript", "Aurora", 1)]
    b = _findings("b", [40])
    moments = score_hero_moments({"a": a, "b": b}, Brief(sponsors=["Aurora"]))
    assert all(0 <= m.confidence <= 1 for m in moments)
    assert any("crowd cheer +20 dB at 00:" in r for m in moments for r in m.reasons)
    assert any('speaker says "Aurora"' in m.reasons for m in moments)
    assert {m.file_id for m in moments} == {"a", "b"}, "spread across files"
    for m in moments:
        for other in moments:
            if m is not other and m.file_id == other.file_id:
                assert m.end <= other.start or other.end <= m.start


def test_must_avoid_suppresses_moments() -> None:
    a = _findings("a", [])
    a.transcript = [_segment(["the", "Crying", "Kids", "again!"], start=30)]
    with_avoid = score_hero_moments({"a": a}, Brief(must_avoid=["crying kids"]))
    assert not any(m.start <= 31 <= m.end for m in with_avoid)


def test_refine_snaps_to_cuts_and_out_of_words() -> None:
    shots = [Shot("f", 0, 10.2, 0, 255), Shot("f", 10.2, 20, 255, 500)]
    words = [Word("hello", 14.8, 15.3), Word("there", 15.4, 15.9)]
    assert refine_window(9.6, 15.0, shots=shots, words=words, duration=20) == (10.2, 15.3)
    assert refine_window(3.0, 15.1, shots=[], words=words, duration=14.0) == (3.0, 14.0)
