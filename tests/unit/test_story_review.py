"""Reading a review (options, moments, comments, free-text notes), the adjustments vocabulary,
a project's memory and the precedence of brief, request, memory and defaults (all pure)."""

from __future__ import annotations

import pytest

from editron.domain.analysis import Brief, HeroMoment
from editron.domain.feedback import Adjustments, Comment, Preferences, SourceSpan
from editron.domain.timeline import Clip, FrameRate, Timeline
from editron.errors import InputError
from editron.story.choices import choose
from editron.story.memory import Review, derive_preferences
from editron.story.notes import (
    map_comment,
    parse_adjustments,
    parse_moment,
    parse_time,
    read_notes,
)

RATE = FrameRate(25)
TROPHY = HeroMoment("f-awards", 8.0, 14.0, 0.9, ("trophy handed over",), ("crowd",))
CHEER = HeroMoment("f-stage", 9.0, 14.0, 0.7, ("crowd cheering",), ("crowd",))
SPEECH = HeroMoment("f-key", 2.0, 9.0, 0.6, ("speech: welcome",), ("speech",))
MOMENTS = (TROPHY, CHEER, SPEECH)


def _timeline() -> Timeline:
    """Three clips: f-key 2–9 s at 0–7 s, f-stage 9–14 s at 7–12 s, f-awards 8–14 s at
    12–18 s of the cut."""
    clips, at = [], 0
    for fid, a, b in (("f-key", 2.0, 9.0), ("f-stage", 9.0, 14.0), ("f-awards", 8.0, 14.0)):
        clip = Clip(fid, RATE.frames(a), RATE.frames(b), at)
        clips.append(clip)
        at = clip.record_end
    return Timeline("recap", "recap", 1, "16:9", 1280, 720, RATE, tuple(clips), {})


def test_adjust_options_are_typed() -> None:
    made = parse_adjustments(["pace=faster", "duration=45", "ratios=16:9,9:16",
                              "captions=karaoke", "style=energetic", "music=off",
                              "transitions=crossfade"])
    assert made == Adjustments(pace=1.25, duration=45.0, ratios=("16:9", "9:16"),
                               captions=True, caption_style="karaoke", style="energetic",
                               music=False, transitions="crossfade")
    assert parse_adjustments(["pace=faster:2"]).pace == pytest.approx(1.5625)
    assert parse_adjustments(["pace=slower"]).pace == pytest.approx(0.8)
    assert parse_adjustments(["pace=1.3", "pace=faster"]).pace == pytest.approx(1.625)
    assert parse_adjustments(["captions=off"]).captions is False
    for bad, says in (("pace=warp", "faster, slower"), ("pace=9", "between 0.25 and 4"),
                      ("duration=long", "seconds"), ("duration=9000", "600"),
                      ("captions=maybe", "on or off"), ("style=grungy", "energetic"),
                      ("colour=red", "unknown key 'colour'"), ("pace", "key=value"),
                      ("transitions=wipe", "crossfade")):
        with pytest.raises(InputError, match=says):
            parse_adjustments([bad])


def test_times_moments_and_comments() -> None:
    assert parse_time("12.4") == pytest.approx(12.4)
    assert parse_time("0:12.4") == pytest.approx(12.4)
    assert parse_time("1:02:03.5") == pytest.approx(3723.5)
    for bad in ("soon", "-3", "1:2:3:4"):
        with pytest.raises(InputError, match="MM:SS"):
            parse_time(bad)
    assert parse_moment(TROPHY.moment_id, MOMENTS) == SourceSpan("f-awards", 8.0, 14.0)
    assert parse_moment(TROPHY.moment_id[:6], MOMENTS).file_id == "f-awards"
    assert parse_moment("f-stage@1:00-1:02.5", MOMENTS) == SourceSpan("f-stage", 60.0, 62.5)
    for bad in ("hm-nothere", "f-stage@5-2", "trophy"):
        with pytest.raises(InputError, match="moment"):
            parse_moment(bad, MOMENTS)
    mapped = map_comment(_timeline(), Comment(13.0, "too dark"))
    assert mapped.span == SourceSpan("f-awards", 8.0, 14.0), "12–18 s of the cut is the award"
    assert map_comment(_timeline(), Comment(7.0, "x")).span == SourceSpan("f-stage", 9.0, 14.0)
    with pytest.raises(InputError, match=r"only 18\.0 s long"):
        map_comment(_timeline(), Comment(30.0, "x"))


def test_notes_are_read_clause_by_clause_and_the_rest_is_said() -> None:
    reading = read_notes("Too slow, drop the speech at 0:03, keep the trophy moment. No music "
                         "and more crowd; make it purple", timeline=_timeline(),
                         moments=MOMENTS, duration=18.0)
    got = reading.adjustments
    assert got.pace == 1.25 and got.music is False
    assert got.drop == (SourceSpan("f-key", 2.0, 9.0),), "0:03 of the cut is the speech"
    assert SourceSpan("f-awards", 8.0, 14.0) in got.keep
    assert SourceSpan("f-stage", 9.0, 14.0) in got.keep, "more crowd keeps the crowd moments"
    assert reading.not_understood == ["make it purple"]
    assert len(reading.understood) == 5 and reading.understood[0].startswith("'Too slow'")
    assert read_notes("shorter", timeline=None, moments=(), duration=50.0
                      ).adjustments.duration == 40.0
    assert read_notes("make it 30 seconds", timeline=None, moments=(),
                      duration=None).adjustments.duration == 30.0
    ambiguous = read_notes("keep the crowd moment", timeline=None, moments=MOMENTS)
    assert ambiguous.not_understood == ["keep the crowd moment"], "two match: ask, not guess"


def test_adjustments_merge_and_round_trip() -> None:
    first = Adjustments(pace=1.25, style="energetic", drop=(SourceSpan("a", 1.0, 2.0),))
    second = Adjustments(pace=1.25, style="cinematic", comments=(
        Comment(3.0, "too dark", SourceSpan("b", 4.0, 6.0, "sha")),))
    both = first.merge(second)
    assert both.pace == 1.5625 and both.style == "cinematic"
    assert both.drop == first.drop and both.comments == second.comments
    assert Adjustments.from_dict(both.to_dict()) == both
    assert Adjustments().is_empty() and not both.is_empty()
    with pytest.raises(ValueError, match="newer"):
        Adjustments.from_dict({"schema_version": 99})


def _review(deliverable: str, adjustments: Adjustments, n: int = 1) -> Review:
    return Review(deliverable, "changes", adjustments, n, f"2026-11-2{n}T10:00:00Z")


def test_memory_reads_the_whole_history() -> None:
    faster = Adjustments(pace=1.25)
    history = [_review("recap", Adjustments(pace=0.8)), _review("recap", faster, 2),
               _review("recap", faster, 3), _review("recap", faster, 4),
               _review("recap", faster, 5)]
    prefs = derive_preferences(history, "recap")
    assert prefs.adjustments.pace == pytest.approx(1.953, abs=1e-3)
    cited = {c.key: c.because for c in prefs.citations}
    assert cited["pace"] == "4 of the last 4 recap reviews said it was too slow"
    mixed = derive_preferences(history[:3], "recap")
    assert mixed.adjustments.pace == 1.25, "one slower cancels one faster"
    assert derive_preferences(history, "social").adjustments.pace is None, "pace is per kind"

    span = SourceSpan("f1", 10.0, 14.0, "sha-1")
    dropped = [_review("social", Adjustments(drop=(span,), music=False), 1),
               _review("recap", Adjustments(captions=False), 2)]
    recap = derive_preferences(dropped, "recap").adjustments
    assert recap.drop == (span,), "a dropped moment stays dropped in every deliverable"
    assert recap.captions is False and recap.music is None, "scalars are per deliverable"
    won_back = derive_preferences([*dropped, _review("recap", Adjustments(
        keep=(SourceSpan("other-batch-file", 11.0, 12.0, "sha-1"),)), 3)], "recap")
    assert won_back.adjustments.drop == () and len(won_back.adjustments.keep) == 1, \
        "a later keep of the same footage (by checksum) wins it back"
    commented = derive_preferences([_review("recap", Adjustments(comments=(
        Comment(3.0, "too dark", span),)))], "highlight")
    assert commented.adjustments.drop == (span,), "a comment asks for the moment's replacement"


def test_brief_then_request_then_memory_then_defaults() -> None:
    memory = Preferences(Adjustments(pace=1.5625, style="cinematic", captions=False,
                                     duration=40.0),
                         ())
    brief = Brief.from_dict({"deliverable_targets": [{"deliverable": "recap",
                                                      "duration": 50}]})
    made = choose(deliverable="recap", brief=brief,
                  request=Adjustments(style="energetic", duration=30.0), memory=memory)
    assert made.duration == 50.0, "the brief's length comes first"
    assert made.style.name == "energetic", "the request beats the memory"
    assert made.captions is False and made.pace == 1.5625, "memory fills what was not asked"
    assert made.style.max_shot_seconds == pytest.approx(3.0 / 1.5625, abs=1e-3)
    cited = {(a.key, a.because) for a in made.applied}
    assert ("duration", "the brief asks for it") in cited
    assert ("duration", "asked for, but the brief's length comes first") in cited
    assert ("style", "asked for in this request") in cited
    assert ("captions", "project memory") in cited
    plain = choose(deliverable="social", brief=Brief.from_dict({}), request=Adjustments(),
                   memory=Preferences())
    assert plain.applied == () and plain.captions and plain.music and plain.pace == 1.0
