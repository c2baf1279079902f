"""Story forge: recap to the frame, highlight variants, social hook, brief overrides."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from editron.domain.analysis import Brief, HeroMoment
from editron.domain.timeline import Blueprint, FrameRate
from editron.errors import InputError
from editron.story.blueprints import build_blueprints, timeline_rate
from editron.story.cuts import file_cuts
from editron.story.styles import get_style
from tests.timeline_fixtures import Event, analyses, make_event

STYLE = get_style("standard")


def _build(ev: Event, deliverable: str, brief: Brief | None = None,
           **kw: object) -> list[Blueprint]:
    return build_blueprints(ev.analysis, brief or Brief(), deliverable=deliverable,
                            variants=kw.pop("variants", None),  # type: ignore[arg-type]
                            duration=kw.pop("duration", None),  # type: ignore[arg-type]
                            style=kw.pop("style", STYLE), media=ev.media)  # type: ignore[arg-type]


def _assert_legal(ev: Event, bp: Blueprint) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    for m in bp.moments:
        fc = file_cuts(ev.analysis, ev.media[m.file_id], bp.rate)
        assert 0 <= m.source_start < m.source_end <= fc.media_frames
        assert not fc.inside_word(m.source_start) and not fc.inside_word(m.source_end)
        for a, b in seen.get(m.file_id, []):
            assert m.source_end <= a or m.source_start >= b, "a moment is used twice"
        seen.setdefault(m.file_id, []).append((m.source_start, m.source_end))


@pytest.mark.parametrize("fps", [23.976, 25.0, 29.97, 30.0, 50.0, 59.94])
def test_recap_is_59_seconds_to_the_frame(fps: float) -> None:
    ev = make_event(files=3, seconds=45.0, fps=fps)
    (bp,) = _build(ev, "recap")
    rate = FrameRate.from_fps(fps)
    assert bp.rate == rate
    assert bp.target_frames == round(59 * fps if rate.den == 1 else 59 * rate.num / rate.den)
    assert bp.frames == bp.target_frames
    assert bp.notes == ()
    _assert_legal(ev, bp)


def test_recap_is_chronological_and_covers_the_event() -> None:
    ev = make_event(files=4, seconds=40.0)
    (bp,) = _build(ev, "recap")
    order = [(ev.media[m.file_id].order, m.source_start) for m in bp.moments]
    assert order == sorted(order)
    assert {m.file_id for m in bp.moments} == set(ev.media)  # every file with good moments
    # every quarter of the event contributes
    total = sum(round(m.duration * 25) for m in ev.media.values())
    quarters = {min(3, 4 * (ev.media[m.file_id].order * 1000 + m.source_start) // total)
                for m in bp.moments}
    assert quarters == {0, 1, 2, 3}
    # the opener is the strongest candidate of the first quarter: a hero moment
    assert bp.moments[0].key.startswith("hero:")


def test_highlight_variants_share_no_moment_and_fit_10_to_30_s() -> None:
    ev = make_event(files=3, seconds=60.0)
    bps = _build(ev, "highlight")
    assert len(bps) == 3
    keys = [m.key for bp in bps for m in bp.moments]
    assert len(keys) == len(set(keys))
    for bp in bps:
        assert 10 * 25 <= bp.frames <= 30 * 25
        _assert_legal(ev, bp)
    ranges = [(m.file_id, m.source_start, m.source_end) for bp in bps for m in bp.moments]
    for i, (f, a, b) in enumerate(ranges):
        for g, c, d in ranges[i + 1:]:
            assert f != g or b <= c or a >= d


def test_social_is_short_and_hooks_with_the_strongest_moment() -> None:
    ev = make_event(files=3, seconds=40.0)
    (bp,) = _build(ev, "social")
    assert bp.frames <= 15 * 25
    first = bp.moments[0]
    assert first.score == max(m.score for m in bp.moments)
    best = max(ev.analysis.hero_moments, key=lambda h: h.score)
    assert first.file_id == best.file_id
    assert first.source_start <= round(best.start * 25) + 3 * 25  # strongest within 3 s


def test_must_use_is_included_and_must_avoid_excluded() -> None:
    ev = make_event(files=2, seconds=40.0)
    sponsor = next(s for s in ev.analysis.transcript if "Acme" in s.text)
    ev.analysis.hero_moments.append(HeroMoment(sponsor.file_id, sponsor.start, sponsor.end,
                                               0.2, ("sponsor",), score=0.1))
    (bp,) = _build(ev, "social", Brief(must_use=["acme"]))
    hit = [m for m in bp.moments if m.file_id == sponsor.file_id
           and m.source_start <= round(sponsor.start * 25) < m.source_end]
    assert hit and hit[0].speech  # included, whole sentence kept
    assert hit[0].source_end >= round(sponsor.end * 25)
    (bp2,) = _build(ev, "recap", Brief(must_avoid=["acme"]))
    for m in bp2.moments:
        if m.file_id == sponsor.file_id:
            assert m.source_end <= round(sponsor.start * 25) or \
                m.source_start >= round(sponsor.end * 25)


def test_duration_override_and_brief_targets() -> None:
    ev = make_event(files=3, seconds=40.0, fps=29.97)
    (bp,) = _build(ev, "recap", duration=30.0)
    assert bp.frames == bp.target_frames == round(30 * 30000 / 1001)
    brief = Brief(deliverable_targets=[{"deliverable": "social", "duration": 8.0}])
    (bp2,) = _build(ev, "social", brief)
    assert bp2.frames <= round(8 * 30000 / 1001)
    assert len(_build(ev, "highlight", variants=2)) == 2


def test_bad_requests_are_input_errors() -> None:
    ev = make_event(files=1, seconds=20.0)
    with pytest.raises(InputError, match="deliverable"):
        _build(ev, "trailer")
    with pytest.raises(InputError, match="positive"):
        _build(ev, "recap", duration=0.0)


def test_timeline_rate_is_the_dominant_constant_rate() -> None:
    ev = make_event(files=3, seconds=30.0, fps_per_file=(25.0, 29.97, 29.97),
                    vfr=(False, False, True))
    assert timeline_rate(ev.media) == FrameRate(30000, 1001)
    ev2 = make_event(files=3, seconds=30.0, fps_per_file=(25.0, 25.0, 29.97),
                     vfr=(False, False, True))
    assert timeline_rate(ev2.media) == FrameRate(25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses())
def test_blueprint_invariants(ev: Event) -> None:
    for deliverable in ("recap", "highlight", "social"):
        try:
            bps = _build(ev, deliverable)
        except InputError:
            assert deliverable == "highlight"  # only highlights can run out of material
            continue
        for bp in bps:
            _assert_legal(ev, bp)
            if deliverable == "recap" and not bp.notes:
                assert bp.frames == bp.target_frames
            assert bp.frames <= bp.target_frames or deliverable == "recap"
        spans = [(bp.variant, m.file_id, m.source_start, m.source_end)
                 for bp in bps for m in bp.moments]
        for i, (v, f, a, b) in enumerate(spans):  # no footage in two variants
            assert all(v == w or f != g or b <= c or a >= d for w, g, c, d in spans[i + 1:])
