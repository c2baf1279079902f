"""Multicam cutting (issue 21.4, second half): a long moment cut between the synced angles on
their shot boundaries, each angle held long enough, and one microphone's sound running on
across the picture cuts, in the timeline and in the render graph."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pytest

from editron.domain.analysis import (
    AnalysisResult,
    EnergyPoint,
    Shot,
    ShotSignals,
    TranscriptSegment,
    Word,
)
from editron.domain.sync import FileSync, SyncMethod, SyncResult
from editron.domain.timeline import (
    Blueprint,
    BlueprintMoment,
    Clip,
    FrameRate,
    MediaInfo,
    Timeline,
    Transition,
)
from editron.edit.angles import sound_runs
from editron.edit.timeline import build_timelines
from editron.errors import InputError
from editron.render.graph import build_render_args
from editron.render.graph_audio import build_loudness_probe_args
from editron.render.profiles import profile_for
from editron.render.segments import RenderSource, audio_runs, segments_of
from editron.story.multicam import event_span_of
from editron.story.styles import get_style
from editron.story.switching import best_microphone, plan_switches, sound_levels

FPS = 25.0
RATE = FrameRate(25)
OFFSETS = {"f1": 0.0, "f2": 1.0, "f3": 2.0}  # event seconds of each file's first sample
FILES = {f: (FPS, 60.0) for f in OFFSETS}
BRIGHT, DARK = 118.0, 20.0
# Event times of each file's shots and how each is exposed: the well-exposed angle moves
# from f1 to f2 at event 14 s and to f3 at 18 s; f2 also cuts at 10.5 s, too near the
# moment's start (10 s) to cut on.
SHOTS = {
    "f1": [(0.0, 14.0, BRIGHT), (14.0, 60.0, DARK)],
    "f2": [(1.0, 10.5, DARK), (10.5, 14.0, DARK), (14.0, 18.0, BRIGHT), (18.0, 61.0, DARK)],
    "f3": [(2.0, 18.0, DARK), (18.0, 62.0, BRIGHT)],
}
HOLD, LONGEST = 38, 150  # frames: 1.5 s and the standard style's 6 s


def _sync() -> SyncResult:
    return SyncResult(
        files=[
            FileSync(f, o, 0.9, group=0, reference="f1", method=SyncMethod.SOUND)
            for f, o in OFFSETS.items()
        ]
    )


def _analysis(shots: dict[str, list[tuple[float, float, float]]] = SHOTS) -> AnalysisResult:
    out_shots, signals = [], []
    for fid, rows in shots.items():
        for ev0, ev1, luma in rows:
            s, e = ev0 - OFFSETS[fid], ev1 - OFFSETS[fid]
            out_shots.append(Shot(fid, s, e, round(s * FPS), round(e * FPS)))
            signals.append(ShotSignals(fid, s, e, motion=0.0, sharpness=200.0, brightness=luma))
    return AnalysisResult(passes_completed=1, shots=out_shots, shot_signals=signals, sync=_sync())


def _placed(fid: str, event_start: float, event_end: float) -> tuple[object, str, int, int]:
    clock = event_span_of(_sync(), fid, FPS)
    assert clock is not None
    return (clock, fid, clock.frame(event_start), clock.frame(event_end))


def _event_of(fid: str, frame: int) -> float:
    clock = event_span_of(_sync(), fid, FPS)
    assert clock is not None
    return clock.seconds(frame)


def test_a_long_moment_cuts_to_the_best_angle_only_on_shot_boundaries() -> None:
    analysis = _analysis()
    clip = _placed("f1", 10.0, 22.0)
    cuts = plan_switches(
        clip,
        300,
        analysis,
        FILES,
        "16:9",
        min_hold=HOLD,  # type: ignore[arg-type]
        max_hold=LONGEST,
    )
    assert cuts is not None
    assert [(c.offset, c.file_id) for c in cuts] == [(0, "f1"), (100, "f2"), (200, "f3")]
    boundaries = {ev0 for rows in SHOTS.values() for ev0, _, _ in rows}
    for cut in cuts:
        # each piece starts where its angle's clock says the moment is: the event time of its
        # first frame is the moment's, and every cut but the first is on a shot boundary
        assert _event_of(cut.file_id, cut.source_start) == pytest.approx(
            10.0 + cut.offset / FPS, abs=0.5 / FPS
        )
        if cut.offset:
            assert min(abs(10.0 + cut.offset / FPS - b) for b in boundaries) <= 1 / FPS
        assert "16:9: best picture" in cut.reason and "exposure" in cut.reason
    ends = [c.offset for c in cuts[1:]] + [300]
    assert all(end - c.offset >= HOLD for c, end in zip(cuts, ends, strict=True))
    assert all(a.file_id != b.file_id for a, b in itertools.pairwise(cuts))


def test_no_cut_nearer_than_the_hold_and_a_short_moment_stays_on_one_angle() -> None:
    analysis = _analysis()
    # f2's boundary at 10.5 s is 0.5 s into a moment from 10 s: with a 1.5 s hold the first
    # piece cannot end there, so the cut waits for the next boundary
    cuts = plan_switches(
        _placed("f1", 10.0, 22.0),
        300,
        analysis,
        FILES,
        "16:9",  # type: ignore[arg-type]
        min_hold=HOLD,
        max_hold=LONGEST,
    )
    assert cuts is not None and all(c.offset == 0 or c.offset >= HOLD for c in cuts)
    # a hold longer than the gaps between boundaries leaves fewer cuts, never a short piece
    wide = plan_switches(
        _placed("f1", 10.0, 22.0),
        300,
        analysis,
        FILES,
        "16:9",  # type: ignore[arg-type]
        min_hold=125,
        max_hold=LONGEST,
    )
    assert wide is not None
    ends = [c.offset for c in wide[1:]] + [300]
    assert all(end - c.offset >= 125 for c, end in zip(wide, ends, strict=True))
    assert len(wide) < len(cuts)
    short = plan_switches(
        _placed("f1", 12.5, 15.0),
        62,
        analysis,
        FILES,
        "16:9",  # type: ignore[arg-type]
        min_hold=HOLD,
        max_hold=LONGEST,
    )
    assert short is not None and len(short) == 1


def test_an_angle_held_past_the_longest_shot_moves_on_at_a_boundary() -> None:
    level = {f: [(a, b, BRIGHT) for a, b, _ in rows] for f, rows in SHOTS.items()}
    analysis = _analysis(level)
    moment = _placed("f1", 10.0, 22.0)
    held = plan_switches(
        moment,
        300,
        analysis,
        FILES,
        "16:9",
        min_hold=HOLD,  # type: ignore[arg-type]
        max_hold=1000,
    )
    assert held is not None and [c.file_id for c in held] == ["f1"]  # no cut for nothing
    moved = plan_switches(
        moment,
        300,
        analysis,
        FILES,
        "16:9",
        min_hold=HOLD,  # type: ignore[arg-type]
        max_hold=100,
    )
    assert moved is not None and len(moved) >= 2
    boundaries = {ev0 for rows in SHOTS.values() for ev0, _, _ in rows}
    assert all(
        min(abs(10.0 + c.offset / FPS - b) for b in boundaries) <= 1 / FPS for c in moved[1:]
    )


def test_an_angle_that_stops_rolling_inside_the_moment_is_used_only_while_it_rolls() -> None:
    analysis = _analysis()
    short = {**FILES, "f2": (FPS, 16.0)}  # f2 stops at event 17 s, 175 frames in
    cuts = plan_switches(
        _placed("f1", 10.0, 22.0),
        300,
        analysis,
        short,
        "16:9",  # type: ignore[arg-type]
        min_hold=HOLD,
        max_hold=LONGEST,
    )
    assert cuts is not None
    assert [(c.offset, c.file_id) for c in cuts] == [(0, "f1"), (100, "f2"), (175, "f3")]
    f2 = cuts[1]
    assert f2.source_start + 75 <= 16 * FPS  # its piece ends before its last frame


def test_a_moment_no_other_camera_covers_is_not_switched() -> None:
    analysis = _analysis()
    unsynced = (None, "f1", 250, 550)
    assert (
        plan_switches(unsynced, 300, analysis, FILES, "16:9", min_hold=HOLD, max_hold=LONGEST)
        is None
    )
    alone = {"f1": FILES["f1"], "f3": (FPS, 5.0)}  # f3 ends before the moment
    assert (
        plan_switches(
            _placed("f1", 10.0, 22.0),
            300,
            analysis,
            alone,
            "16:9",  # type: ignore[arg-type]
            min_hold=HOLD,
            max_hold=LONGEST,
        )
        is None
    )


def _energy(
    levels: dict[str, tuple[float, float]],
    moment: tuple[float, float],
    gain_db: dict[str, float] | None = None,
) -> list[EnergyPoint]:
    """Ten points a second per file: ``floor`` dB, and ``signal`` dB inside the moment."""
    out = []
    for fid, (floor, signal) in levels.items():
        shift = (gain_db or {}).get(fid, 0.0)
        for k in range(600):
            t = k / 10
            inside = moment[0] <= t + OFFSETS[fid] < moment[1]
            out.append(EnergyPoint(fid, t, 0.5, (signal if inside else floor) + shift))
    return out


MICS = {"f1": (-40.0, -20.0), "f2": (-45.0, -10.0), "f3": (-15.0, -5.0)}  # SNR 20, 35, 10 dB


def test_the_sound_comes_from_the_microphone_furthest_above_its_noise_floor() -> None:
    moment = _placed("f1", 10.0, 22.0)
    analysis = replace(_analysis(), energy_curve=_energy(MICS, (10.0, 22.0)))
    mic = best_microphone(moment, 300, analysis, FILES, sound_levels(analysis))  # type: ignore[arg-type]
    assert mic is not None and mic.file_id == "f2"
    assert mic.snr_db == pytest.approx(35.0)
    assert _event_of("f2", mic.source_start) == pytest.approx(10.0, abs=0.5 / FPS)
    assert "f2: 35.0 dB over its noise floor" in mic.reason and "f1 20.0 dB" in mic.reason
    # the gain does not matter: f2 recorded 25 dB quieter is still the cleanest
    quiet = replace(analysis, energy_curve=_energy(MICS, (10.0, 22.0), {"f2": -25.0}))
    again = best_microphone(moment, 300, quiet, FILES, sound_levels(quiet))  # type: ignore[arg-type]
    assert again is not None and again.file_id == "f2"


def _event() -> tuple[Blueprint, AnalysisResult, dict[str, MediaInfo]]:
    # a word of f2's (the best microphone) spans the picture cut at event 14 s
    words = (
        Word("Welcome", 12.6, 12.9),
        Word("everyone", 12.8, 13.3),
        Word("tonight.", 13.4, 13.9),
    )
    speech = TranscriptSegment("f2", 12.6, 13.9, "Welcome everyone tonight.", words)
    analysis = replace(_analysis(), energy_curve=_energy(MICS, (10.0, 22.0)), transcript=[speech])
    media = {f: MediaInfo(f, f"/m/{f}.mp4", 60.0, FPS, 1920, 1080) for f in OFFSETS}
    bp = Blueprint("recap", 1, RATE, 300, (BlueprintMoment("f1", 250, 550, 0.9, key="m1"),))
    return bp, analysis, media


def test_the_timeline_cuts_the_picture_and_keeps_one_sound_across_the_cuts() -> None:
    bp, analysis, media = _event()
    wide, tall = build_timelines(
        bp, aspect_ratios=["16:9", "9:16"], analysis=analysis, media=media, style=get_style(None)
    )
    for tl in (wide, tall):
        assert [c.file_id for c in tl.clips] == ["f1", "f2", "f3"]
        assert [c.record_start for c in tl.clips] == [0, 100, 200]
        assert all(c.transition_in.kind == "cut" for c in tl.clips)
        assert {c.sound_file for c in tl.clips} == {"f2"}  # the moment's best microphone
        for a, b in itertools.pairwise(tl.clips):
            assert b.audio_start == a.audio_start + a.duration  # the sound runs on
        for c in tl.clips:  # picture and sound show the same event time, to the frame
            assert (
                abs(_event_of(c.file_id, c.source_start) - _event_of("f2", c.audio_start))
                <= 1 / FPS
            )
            assert any(w.startswith("sound from f2") for w in c.why)
            assert any(w.startswith("angle: ") for w in c.why)
            assert c.angles and c.file_id not in {f for f, _ in c.angles}
        assert len(sound_runs(tl.clips)) == 1
        # the caption of the word across the cut at frame 100 is not dropped
        assert any(cap.start < 100 < cap.end and "everyone" in cap.text for cap in tl.captions)
        assert set(tl.media) == {"f1", "f2", "f3"}
    assert [(c.sound_file, c.audio_start) for c in wide.clips] == [
        (c.sound_file, c.audio_start) for c in tall.clips
    ]


def test_schema_5_round_trips_and_a_v4_timeline_plays_each_clips_own_sound() -> None:
    bp, analysis, media = _event()
    tl = build_timelines(
        bp, aspect_ratios=["16:9"], analysis=analysis, media=media, style=get_style(None)
    )[0]
    doc = tl.to_dict()
    assert doc["schema_version"] == 5 and doc["clips"][1]["audio_file_id"] == "f2"
    assert Timeline.from_dict(doc) == tl
    v4 = {
        **doc,
        "schema_version": 4,
        "clips": [
            {k: v for k, v in c.items() if k not in ("audio_file_id", "audio_start")}
            for c in doc["clips"]
        ],
    }
    old = Timeline.from_dict(v4)
    assert [c.sound_file for c in old.clips] == [c.file_id for c in old.clips]
    assert [c.sound_start for c in old.clips] == [c.source_start for c in old.clips]


# -- the render graph -------------------------------------------------------------------

MEDIA = {f: MediaInfo(f, f"/m/{f}.mp4", 60.0, FPS, 1920, 1080) for f in OFFSETS}
SOURCES = {f: RenderSource(Path(m.path), m.width, m.height) for f, m in MEDIA.items()}
PROFILE = profile_for("16:9", "mp4")


def _switched_timeline(second: Transition = Transition("crossfade", 10)) -> Timeline:
    """A moment in three pieces over f2's sound (frames 225..525), then a moment of f1's own
    sound joined by ``second``."""
    clips = (
        Clip("f1", 250, 350, 0, audio_file_id="f2", audio_start=225),
        Clip("f2", 325, 425, 100, audio_file_id="f2", audio_start=325),
        Clip("f3", 400, 500, 200, audio_file_id="f2", audio_start=425),
        Clip("f1", 1000, 1100, 300, transition_in=second),
    )
    return Timeline("t", "recap", 1, "16:9", 1920, 1080, RATE, clips, MEDIA)


def _inputs(args: list[str]) -> list[tuple[str, str, str, str]]:
    """(stream flag, -ss, -t, path) of each input."""
    out = []
    for i, a in enumerate(args):
        if a == "-i":
            flag = next(x for x in reversed(args[:i]) if x in ("-an", "-vn"))
            at = max(0, i - 6)
            ss, t = args[args.index("-ss", at) + 1], args[args.index("-t", at) + 1]
            out.append((flag, ss, t, args[i + 1]))
    return out


def test_the_render_reads_a_moments_sound_as_one_trim_across_its_picture_cuts() -> None:
    args = build_render_args(
        _switched_timeline(), PROFILE, sources=SOURCES, output=Path("/out/x.mp4")
    )
    inputs = _inputs(args)
    pictures = [i for i in inputs if i[0] == "-an"]
    sounds = [i for i in inputs if i[0] == "-vn"]
    assert [(p[1], p[3]) for p in pictures] == [
        ("10", "/m/f1.mp4"),
        ("13", "/m/f2.mp4"),
        ("16", "/m/f3.mp4"),
        ("40", "/m/f1.mp4"),
    ]
    # one input for the whole moment's sound: f2 from frame 225 (9 s) for its 300 frames
    # (plus the seek slack), then the next moment's own
    assert [(s[1], s[3]) for s in sounds] == [("9", "/m/f2.mp4"), ("40", "/m/f1.mp4")]
    assert float(sounds[0][2]) == pytest.approx((300 + 2) / FPS)
    graph = args[args.index("-filter_complex") + 1]
    samples = PROFILE.audio_rate * 300 // 25
    chain = re.search(r"\[(\d+):a:0\]([^;]*)\[a0\]", graph)
    assert chain is not None and f"atrim=end_sample={samples}" in chain.group(2)
    assert "afade" not in chain.group(2) and "acrossfade" not in graph
    assert "concat=n=2:v=0:a=1[aprog]" in graph  # two sound runs, not four clips
    assert "concat=n=3:v=1:a=0" in graph  # the pictures still cut at each piece
    probe = build_loudness_probe_args(_switched_timeline(), PROFILE, sources=SOURCES)
    assert [(s[1], s[3]) for s in _inputs(probe)] == [("9", "/m/f2.mp4"), ("40", "/m/f1.mp4")]
    assert "concat=n=2:v=0:a=1[aprog]" in probe[probe.index("-filter_complex") + 1]


def test_sound_that_does_not_run_on_is_cut_per_clip() -> None:
    tl = _switched_timeline(Transition("cut"))
    # a gap in the chosen sound, a crossfade, or a clip playing its own sound each end a run
    gap = replace(
        tl,
        clips=(
            tl.clips[0],
            replace(tl.clips[1], audio_start=330),
            replace(tl.clips[2], audio_start=430),
            tl.clips[3],
        ),
    )
    assert [len(r.segments) for r in audio_runs(segments_of(gap))] == [1, 2, 1]
    faded = replace(
        tl,
        clips=(
            tl.clips[0],
            replace(tl.clips[1], transition_in=Transition("crossfade", 10)),
            *tl.clips[2:],
        ),
    )
    assert [len(r.segments) for r in audio_runs(segments_of(faded))] == [1, 2, 1]
    # the last clip follows f1's own sound at frame 1000, never joined to f2's run
    assert [len(r.segments) for r in audio_runs(segments_of(tl))] == [3, 1]


def test_a_sound_file_missing_from_the_media_is_refused() -> None:
    tl = _switched_timeline()
    bad = replace(tl, clips=(replace(tl.clips[0], audio_file_id="nope"), *tl.clips[1:]))
    with pytest.raises(InputError, match="unknown media 'nope'"):
        build_render_args(bad, PROFILE, sources=SOURCES, output=Path("/out/x.mp4"))
