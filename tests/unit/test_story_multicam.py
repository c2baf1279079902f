"""One moment, many angles (issue 21.3/21.4): merged moments, the best angle per ratio, one
hero moment per event time, and deliverables that never show one event time twice."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import opentimelineio as otio
import pytest

from editron.domain.analysis import (
    ANALYSIS_SCHEMA_VERSION,
    AnalysisResult,
    Brief,
    FaceBox,
    HeroMoment,
    ShotSignals,
)
from editron.domain.sync import (
    FileSync,
    SyncMethod,
    SyncResult,
    UnsyncedReason,
    manual_offsets,
    with_manual_offsets,
)
from editron.domain.timeline import Blueprint, Clip, MediaInfo, Timeline
from editron.edit.angles import sound_runs
from editron.edit.exporters.otio import OtioExporter
from editron.edit.timeline import build_timelines
from editron.story.blueprints import build_blueprints
from editron.story.multicam import (
    Angle,
    angle_for_ratio,
    best_angle,
    distinct_hero_moments,
    event_span_of,
    merge_moments,
)
from editron.story.styles import get_style
from tests.timeline_fixtures import make_event

SYNC = SyncResult(files=[
    FileSync("f1", 0.0, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
    FileSync("f2", 0.7, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
    FileSync("f3", 1.4, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
])


def _synced_event() -> tuple[AnalysisResult, dict[str, MediaInfo]]:
    """The fixture's three files on one clock: its hero moments (0.7 s later in each next
    file) fall at the same event time in all three."""
    event = make_event(files=3, seconds=40.0)
    analysis = replace(event.analysis, sync=SyncResult(files=[
        FileSync("f1", 1.4, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
        FileSync("f2", 0.7, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
        FileSync("f3", 0.0, 0.9, group=0, reference="f1", method=SyncMethod.SOUND)]))
    return analysis, event.media


def test_old_documents_upgrade_without_sync_and_new_ones_round_trip() -> None:
    old = {"schema_version": 1, "passes_completed": 1, "hero_moments": []}
    upgraded = AnalysisResult.from_dict(old)
    assert upgraded.sync is None and upgraded.schema_version == ANALYSIS_SCHEMA_VERSION == 3
    analysis, _ = _synced_event()
    again = AnalysisResult.from_dict(analysis.to_dict())
    assert again.sync == analysis.sync


def test_a_hand_placement_is_manual_kept_and_checked() -> None:
    result = SyncResult(files=[*SYNC.files, FileSync(
        "broll", None, 0.0, reason=UnsyncedReason.NO_SHARED_SOUND, detail="no match")])
    placed = with_manual_offsets(result, {"broll": 12.5, "f2": 0.75})
    broll, f2 = placed.for_file("broll"), placed.for_file("f2")
    assert broll is not None and broll.event_offset == 12.5 and broll.group == 0
    assert broll.method is SyncMethod.MANUAL and broll.reason is None
    assert f2 is not None and f2.event_offset == 0.75 and f2.reference == "f1"
    assert manual_offsets(placed) == {"broll": 12.5, "f2": 0.75}
    with pytest.raises(ValueError, match="no file nope"):
        with_manual_offsets(result, {"nope": 1.0})


def test_moments_of_several_cameras_merge_into_one_with_angles() -> None:
    analysis, _ = _synced_event()
    heroes = [m for m in merge_moments(analysis) if m.kind == "hero"]
    assert len(heroes) == 3  # three moments, each seen by the three cameras
    for m in heroes:
        assert {a.file_id for a in m.angles} == {"f1", "f2", "f3"}
        assert m.event_start is not None and m.event_end is not None
        assert m.event_end - m.event_start == pytest.approx(4.0)
        assert all(0 <= a.quality <= 1 for a in m.angles) and m.reason
    starts = sorted(m.event_start or 0 for m in heroes)
    assert starts == pytest.approx([6.4, 18.4, 30.4])
    unsynced = replace(analysis, sync=None)
    assert len([m for m in merge_moments(unsynced) if m.kind == "hero"]) == 9


def test_top_moments_list_each_event_time_once() -> None:
    analysis, _ = _synced_event()
    distinct = distinct_hero_moments(analysis)
    assert len(distinct) == 3 and len(analysis.hero_moments) == 9
    assert all("seen by 3 cameras" in h.reasons[-1] for h in distinct)


def _signal(fid: str, x: float, sharp: float) -> ShotSignals:
    return ShotSignals(fid, 0.0, 10.0, motion=0.3, sharpness=sharp, brightness=118.0, faces=1,
                       face_boxes=(FaceBox(1.0, x, 0.3, 0.1, 0.2),), motion_center=(x, 0.5))


def test_the_tall_cut_may_pick_another_angle() -> None:
    signals = [_signal("wide", 0.02, 400.0), _signal("stage", 0.45, 150.0)]
    angles = [Angle("wide", 0, 10, 0), Angle("stage", 0, 10, 0)]
    assert best_angle(signals, angles, "16:9")[0].file_id == "wide"  # sharper
    tall, why = best_angle(signals, angles, "9:16")
    assert tall.file_id == "stage" and "9:16" in why  # the subject fits a tall crop


def _event_spans(bp: Blueprint, analysis: AnalysisResult) -> list[tuple[str, float, float]]:
    out = []
    for m in bp.moments:
        span = event_span_of(analysis.sync, m.file_id, bp.rate.fps)
        assert span is not None
        out.append((m.file_id, span.seconds(m.source_start), span.seconds(m.source_end)))
    return out


def _worst_overlap(bp: Blueprint, analysis: AnalysisResult) -> float:
    spans = _event_spans(bp, analysis)
    return max((min(a[2], b[2]) - max(a[1], b[1]) for a, b in combinations(spans, 2)),
               default=0.0)


@pytest.mark.parametrize("deliverable", ["recap", "highlight", "social"])
def test_a_deliverable_never_shows_one_event_time_twice(deliverable: str) -> None:
    analysis, media = _synced_event()
    style = get_style(None)
    blueprints = build_blueprints(analysis, media=media, brief=Brief(),
                                  deliverable=deliverable, style=style)
    frame = 1 / blueprints[0].rate.fps
    for bp in blueprints:
        assert _worst_overlap(bp, analysis) <= frame + 1e-9, bp.moments
    if deliverable == "recap":  # the same material without sync shows moments twice
        unsynced = build_blueprints(replace(analysis, sync=None), media=media,
                                    brief=Brief(), deliverable=deliverable,
                                    style=style)
        assert _worst_overlap(unsynced[0], analysis) > 1.0


def test_the_recap_follows_the_event_clock_across_cameras() -> None:
    analysis, media = _synced_event()
    bp = build_blueprints(analysis, media=media, brief=Brief(), deliverable="recap",
                          style=get_style(None))[0]
    starts = [s for _, s, _ in _event_spans(bp, analysis)]
    assert len({m.file_id for m in bp.moments}) > 1 and starts == sorted(starts)



def test_each_ratio_takes_its_best_angle_at_the_same_event_time() -> None:
    analysis, media = _synced_event()
    looks = {"f1": (0.02, 400.0), "f2": (0.45, 150.0), "f3": (0.02, 40.0)}
    analysis = replace(analysis, shot_signals=[
        replace(s, sharpness=looks[s.file_id][1], faces=1, face_boxes=(FaceBox(
            s.start, looks[s.file_id][0], 0.3, 0.1, 0.2),), motion_center=None)
        for s in analysis.shot_signals])
    bp = build_blueprints(analysis, media=media, brief=Brief(), deliverable="recap",
                          style=get_style(None))[0]
    wide, tall = build_timelines(bp, aspect_ratios=["16:9", "9:16"], analysis=analysis,
                                 media=media, style=get_style(None), include_captions=False)

    def event_starts(clips: tuple[Clip, ...]) -> list[float]:
        out = []
        for c in clips:
            span = event_span_of(analysis.sync, c.file_id, bp.rate.fps)
            assert span is not None
            out.append(span.seconds(c.source_start))
        return out

    # the same moments, to the frame (another camera's frame grid sits off this one's); a
    # long moment may be cut between angles differently per ratio (issue 21.4), but its
    # sound, and so its place on the event clock, is the same in both
    firsts = [tuple(c for c in tl.clips if not any(
        r.record_start < c.record_start < r.record_end for r in sound_runs(tl.clips)))
              for tl in (wide, tall)]
    assert event_starts(firsts[0]) == pytest.approx(event_starts(firsts[1]),
                                                    abs=1 / bp.rate.fps)
    assert {c.file_id for c in wide.clips} <= {"f1", "f2", "f3"}
    assert [(r.record_start, r.duration, r.file_id, r.source_start)
            for r in sound_runs(wide.clips)] == [
        (r.record_start, r.duration, r.file_id, r.source_start) for r in sound_runs(tall.clips)]
    assert sum(c.file_id == "f1" for c in wide.clips) > sum(c.file_id == "f1"
                                                             for c in tall.clips)
    assert sum(c.file_id == "f2" for c in tall.clips) > len(tall.clips) // 2


def test_otio_stacks_the_other_angles_on_disabled_synced_tracks() -> None:
    analysis, media = _synced_event()
    bp = build_blueprints(analysis, media=media, brief=Brief(), deliverable="recap",
                          style=get_style(None))[0]
    tl = build_timelines(bp, aspect_ratios=["16:9"], analysis=analysis, media=media,
                         style=get_style(None), include_captions=False)[0]
    assert any(c.angles for c in tl.clips)
    assert Timeline.from_dict(tl.to_dict()) == tl
    read = otio.adapters.read_from_string(OtioExporter().export(tl), "otio_json")
    main = read.video_tracks()[0]
    angles = [t for t in read.video_tracks()[1:] if t.name.startswith("V")]
    assert angles and all(not t.enabled for t in angles) and main.enabled
    fps = tl.rate.fps
    for track in angles:
        assert track.duration() == main.duration()  # stacked clip under clip
        for above, below in zip(main, track, strict=True):
            assert above.range_in_parent() == below.range_in_parent()
            if isinstance(below, otio.schema.Gap):
                continue
            a_id = above.metadata["editron"]["file_id"]
            b_id = below.metadata["editron"]["file_id"]
            a_span = event_span_of(analysis.sync, a_id, fps)
            b_span = event_span_of(analysis.sync, b_id, fps)
            assert a_span is not None and b_span is not None and a_id != b_id
            tc_a = above.media_reference.available_range.start_time.value
            tc_b = below.media_reference.available_range.start_time.value
            start_a = int(above.source_range.start_time.value - tc_a)
            start_b = int(below.source_range.start_time.value - tc_b)
            assert abs(a_span.seconds(start_a) - b_span.seconds(start_b)) <= 1 / fps


def test_one_cameras_own_overlapping_moments_are_not_merged() -> None:
    heroes = [HeroMoment("solo", 1.0, 5.0, 0.9, ("cheer",)),
              HeroMoment("solo", 4.0, 8.0, 0.8, ("speech",))]
    analysis = AnalysisResult(passes_completed=1, hero_moments=heroes, sync=SyncResult(
        files=[FileSync("solo", 0.0, 1.0, group=0, reference="solo",
                        method=SyncMethod.ONLY_FILE)]))
    assert distinct_hero_moments(analysis) == heroes


def test_the_edit_corrects_a_cameras_drift_when_it_takes_its_angle() -> None:
    # #21.1: f2's clock runs 80 ppm fast; near the end of a 20-minute recording that is
    # 95 ms (over two frames at 25 fps), so its angle must start on the drift-corrected frame.
    analysis = replace(make_event(files=2, seconds=40.0).analysis, sync=SyncResult(files=[
        FileSync("f1", 0.0, 0.9, group=0, reference="f1", method=SyncMethod.SOUND),
        FileSync("f2", 5.0, 0.9, drift_ppm=80.0, group=0, reference="f1",
                 method=SyncMethod.SOUND)]))
    clock = event_span_of(analysis.sync, "f1", 25.0)
    start = 1190 * 25
    pick = angle_for_ratio((clock, "f1", start, start + 100), 100, analysis,
                           {"f1": (25.0, 1300.0), "f2": (25.0, 1300.0)}, "16:9")
    assert pick is not None
    frames = {pick[0]: pick[1], **dict(pick[3])}
    f2 = analysis.sync.for_file("f2")
    assert f2 is not None
    assert frames["f2"] == round(f2.to_file(1190.0) * 25)
    assert frames["f2"] - (1190 - 5) * 25 == 2  # the uncorrected frame is two frames early
