"""Hero moments from findings: windows, reasons, quality penalties, spread, summary."""

from __future__ import annotations

import re

import numpy as np

from editron.analysis.base import FileFindings
from editron.analysis.scoring import (
    MAX_SECONDS,
    MIN_SECONDS,
    score_hero_moments,
    summarise_moments,
)
from editron.domain.analysis import (
    Brief,
    CrowdPeak,
    ShotSignals,
    SponsorMoment,
    TranscriptSegment,
    Word,
)


def _findings(file_id: str, cheers: list[tuple[float, float]], *, seconds: float = 120.0,
              sharpness: float = 200.0, brightness: float = 120.0) -> FileFindings:
    """A file at -35 dBFS with cheers (start, rise dB) 3 s long."""
    f = FileFindings(file_id, seconds, 25.0)
    level = np.full(int(seconds * 10), -35.0, dtype=np.float32)
    for start, rise in cheers:
        level[int(start * 10): int(start * 10) + 30] = -35.0 + rise
        f.crowd_peaks.append(CrowdPeak(file_id, start + 1.5, start, 3.0, rise))
    f.series["level_db"] = level
    f.shot_signals = [ShotSignals(file_id, 0, seconds, 0.2, sharpness, brightness)]
    return f


def _said(file_id: str, text: str, start: float) -> TranscriptSegment:
    words = tuple(Word(w, start + i * 0.4, start + i * 0.4 + 0.3)
                  for i, w in enumerate(text.split()))
    return TranscriptSegment(file_id, start, words[-1].end, text, words, "en")


def test_windows_reasons_and_confidence() -> None:
    a = _findings("a", [(20.0, 14.0), (70.0, 6.0)])
    a.transcript = [_said("a", "please welcome Aurora to the stage!", 40.0)]
    a.sponsor_moments = [SponsorMoment("a", 40.8, 41.1, "Aurora", "transcript", "Aurora", 1.0)]
    moments = score_hero_moments({"a": a}, Brief(sponsors=["Aurora"]))
    assert moments, "the cheer and the mention are moments"
    for m in moments:
        assert MIN_SECONDS - 1e-6 <= m.end - m.start <= MAX_SECONDS + 1e-6
        assert 0.0 <= m.confidence <= 1.0 and m.reasons
    cheer = next(m for m in moments if m.start <= 21.5 <= m.end)
    assert "crowd cheer +14 dB at 00:21" in cheer.reasons and "crowd" in cheer.tags
    mention = next(m for m in moments if m.start <= 40.8 and m.end >= 41.1)
    assert 'speaker says "Aurora"' in mention.reasons
    assert any(re.fullmatch(r'Aurora mentioned \("Aurora"\) at 00:40', r)
               for r in mention.reasons)
    assert {"sponsor", "speech"} <= set(mention.tags)
    weak = [m for m in moments if m.start <= 71.5 <= m.end]
    assert not weak or weak[0].confidence < cheer.confidence, "a bigger cheer is surer"
    assert moments == sorted(moments, key=lambda m: -m.score)


def test_blurred_and_black_shots_are_penalised() -> None:
    sharp = _findings("sharp", [(20.0, 12.0)])
    blurred = _findings("blurred", [(20.0, 12.0)], sharpness=5.0)
    black = _findings("black", [(20.0, 12.0)], brightness=8.0)
    moments = {m.file_id: m for m in score_hero_moments(
        {"sharp": sharp, "blurred": blurred, "black": black}, Brief())}
    assert moments["sharp"].score > moments["blurred"].score > moments["black"].score
    assert "soft or blurred shot (penalised)" in moments["blurred"].reasons
    assert "badly exposed shot (penalised, mean luma 8)" in moments["black"].reasons


def test_moments_spread_across_files_and_never_overlap() -> None:
    # File "a" has many strong cheers; "b" one weaker one. "b" still gets in.
    a = _findings("a", [(t, 15.0) for t in (10, 25, 40, 55, 70, 85, 100)])
    b = _findings("b", [(30.0, 11.0)])
    moments = score_hero_moments({"a": a, "b": b}, Brief(), max_moments=5)
    assert len(moments) == 5
    assert {m.file_id for m in moments} == {"a", "b"}
    for m in moments:
        assert not any(o is not m and o.file_id == m.file_id and o.start < m.end
                       and m.start < o.end for o in moments)


def test_must_avoid_suppresses_and_must_use_lifts() -> None:
    a = _findings("a", [(20.0, 10.0)])
    a.transcript = [_said("a", "the crying kids again", 19.0)]
    assert not any(m.start <= 21 <= m.end for m in
                   score_hero_moments({"a": a}, Brief(must_avoid=["crying kids"])))
    b = _findings("b", [])
    b.transcript = [_said("b", "and now the keynote begins", 50.0)]
    lifted = score_hero_moments({"b": b}, Brief(must_use=["keynote"]))
    assert any(m.start <= 50.0 <= m.end and 'speaker says "keynote"' in m.reasons
               for m in lifted)


def test_summary_names_the_best_moments() -> None:
    a = _findings("a", [(20.0, 14.0)])
    moments = score_hero_moments({"a": a}, Brief())
    text = summarise_moments(moments, {"a": "stage.mp4"})
    assert text.startswith(f"{len(moments)} hero moment(s) across 1 file(s)")
    assert "stage.mp4 00:" in text and "crowd cheer +14 dB" in text
    assert summarise_moments([]).startswith("No hero moments")
