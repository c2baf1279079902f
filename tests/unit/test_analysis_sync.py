"""Sync by sound on arrays: three cameras and a B-roll file, a 20-minute pair whose clocks
drift 80 ppm apart, timecode as the first guess, and the files that must stay off the clock.

Truth comes from ``tests.multicam_fixtures``: each camera's first sample is taken at a known
event time (never on a frame or a sample boundary). A result is right when the event time it
gives any moment of a file equals the true one, whatever file it chose as the reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editron.analysis.sync import SyncSettings, SyncSource, place_files, sync_files
from editron.analysis.sync_signal import fast_length, timecode_seconds
from editron.domain.sync import FileSync, SyncMethod, SyncPair, SyncResult, UnsyncedReason
from tests.multicam_fixtures import Camera, Recording, record, sound_field

RATE = 16_000
FRAME_30 = 1 / 30

CAMERAS = (
    Camera("wide", 2.013_731, 110, gain=0.8, noise_db=-50, colour="dull", seed=1),
    Camera("stage", 7.512_349, 100, gain=0.25, noise_db=-42, seed=2),  # quiet and noisy
    Camera("phone", 41.333_317, 60, gain=1.6, noise_db=-40, colour="phone", seed=3),
    # starts long after the first camera and shares only its last 25 s with it
    Camera("late", 87.051_113, 70, gain=0.5, noise_db=-48, seed=4),
)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("multicam")


@pytest.fixture(scope="module")
def takes(work: Path) -> list[Recording]:
    field = sound_field(work, seconds=160, rate=RATE, seed=11)
    return [record(field, RATE, c) for c in CAMERAS]


@pytest.fixture(scope="module")
def broll(work: Path) -> Recording:
    other = sound_field(work, seconds=70, rate=RATE, seed=23, broll=True)
    return record(other, RATE, Camera("broll", 1.5, 60, gain=0.7, noise_db=-50, seed=5))


def _error_ms(result: SyncResult, cameras: tuple[Camera, ...], moments: int = 5) -> float:
    """Worst disagreement, in ms, between where the result puts moments of each file on the
    event clock and where they truly are, measured against the first camera."""
    first = cameras[0]
    base = result.for_file(first.name)
    assert base is not None and base.synced
    worst = 0.0
    for cam in cameras[1:]:
        placed = result.for_file(cam.name)
        assert placed is not None and placed.synced, placed
        for t in np.linspace(0, cam.seconds, moments):
            true_event = cam.start + t / (1 + cam.drift_ppm * 1e-6)
            true_in_first = (true_event - first.start) * (1 + first.drift_ppm * 1e-6)
            worst = max(worst, abs(base.to_file(placed.to_event(float(t))) - true_in_first))
    return worst * 1000


def _sources(recs: list[Recording]) -> list[SyncSource]:
    return [SyncSource(r.camera.name, r.samples, RATE) for r in recs]


def test_three_cameras_and_a_late_one_sync_and_broll_does_not(takes: list[Recording],
                                                              broll: Recording) -> None:
    result = sync_files(_sources([*takes, broll]))
    assert _error_ms(result, CAMERAS) < 1.0  # one frame is 33 ms; sample-accurate is the aim
    groups = result.groups()
    assert list(groups) == [0]
    assert {f.file_id for f in groups[0]} == {c.name for c in CAMERAS}
    assert groups[0][0].event_offset == 0.0 and groups[0][0].file_id == "wide"
    assert all(f.method is SyncMethod.SOUND and f.confidence > 0.5 for f in groups[0])
    b = result.for_file("broll")
    assert b is not None and not b.synced and b.event_offset is None
    assert b.reason is UnsyncedReason.NO_SHARED_SOUND and "no other file" in b.detail
    assert not any(p.accepted for p in result.pairs if "broll" in (p.a, p.b))


def test_late_camera_is_placed_through_the_camera_it_overlaps(takes: list[Recording]) -> None:
    # "late" (87-157 s) shares 14 to 25 s with each of the others: whatever pairs stand,
    # every file lands in one group on one consistent clock.
    result = sync_files(_sources(takes))
    used = [p for p in result.pairs if p.used]
    assert len(used) >= len(CAMERAS) - 1
    late = [p for p in result.pairs if "late" in (p.a, p.b) and p.accepted]
    assert late, "the late camera matched nobody"
    assert _error_ms(result, CAMERAS) < 1.0


def test_gain_noise_and_phone_band_do_not_move_the_offset(work: Path) -> None:
    field = sound_field(work, seconds=70, rate=RATE, seed=31)
    cams = (Camera("a", 0.731_9, 60, gain=1.0, noise_db=-60, seed=6),
            Camera("b", 5.218_77, 55, gain=0.05, noise_db=-38, colour="phone", seed=7))
    result = sync_files(_sources([record(field, RATE, c) for c in cams]))
    assert _error_ms(result, cams) < 1.0


def test_twenty_minute_pair_with_80_ppm_drift_is_corrected_at_its_end(work: Path) -> None:
    field = sound_field(work, seconds=1215, rate=RATE, seed=41)
    cams = (Camera("main", 1.234_567, 1200, gain=0.8, noise_db=-50, seed=8),
            Camera("drifting", 4.567_891, 1200, gain=0.5, noise_db=-45, colour="dull",
                   drift_ppm=80.0, seed=9))
    result = sync_files(_sources([record(field, RATE, c) for c in cams]))
    main, drifting = result.for_file("main"), result.for_file("drifting")
    assert main is not None and drifting is not None
    relative = (1 + drifting.drift_ppm * 1e-6) / (1 + main.drift_ppm * 1e-6) - 1
    assert relative * 1e6 == pytest.approx(80.0, abs=2.0)
    # The end of the recording, where 80 ppm has grown to 96 ms (three frames) uncorrected.
    assert _error_ms(result, cams, moments=11) < FRAME_30 * 1000
    assert _error_ms(result, cams, moments=11) < 1.0
    pair = result.pairs[0]
    assert pair.drift_measured and pair.agreeing >= 30


def test_drift_is_not_fitted_on_a_short_overlap(takes: list[Recording]) -> None:
    result = sync_files(_sources(takes[:2]))
    assert all(not p.drift_measured and p.drift_ppm == 0.0 for p in result.pairs)
    assert all(f.drift_ppm == 0.0 for f in result.files)


def test_timecode_is_the_first_guess_and_sound_confirms_it(takes: list[Recording]) -> None:
    recs = takes[:3]

    def tc(seconds: float) -> str:  # the camera's start as 25 fps timecode, frame-rounded
        frames = round((3600 + seconds) * 25)
        return f"{frames // 90000:02d}:{frames // 1500 % 60:02d}:{frames // 25 % 60:02d}:" \
               f"{frames % 25:02d}"

    sources = [SyncSource(r.camera.name, r.samples, RATE, timecode=tc(r.camera.start), fps=25)
               for r in recs]
    result = sync_files(sources)
    assert all(f.method is SyncMethod.TIMECODE for f in result.files)
    assert all(p.via_timecode for p in result.pairs if p.used)
    assert _error_ms(result, CAMERAS[:3]) < 1.0  # the sound refines the frame-rounded guess
    # A camera whose timecode is 30 s wrong: its sound still puts it in the right place.
    wrong = [*sources[:2], SyncSource(recs[2].camera.name, recs[2].samples, RATE,
                                      timecode=tc(recs[2].camera.start + 30), fps=25)]
    result = sync_files(wrong)
    phone = result.for_file("phone")
    assert phone is not None and phone.method is SyncMethod.SOUND
    assert _error_ms(result, CAMERAS[:3]) < 1.0


def test_unrelated_files_are_never_synced_to_each_other(work: Path, broll: Recording) -> None:
    # Two B-roll takes of other places (same synthetic voice family, other words and bursts),
    # and steady noise: nothing matches, so nothing is synced, and each says why.
    other = record(sound_field(work, seconds=80, rate=RATE, seed=57, broll=True), RATE,
                   Camera("broll2", 3.0, 70, seed=10))
    hiss = np.random.default_rng(3).normal(0, 0.05, 60 * RATE).astype(np.float32)
    result = sync_files([SyncSource("broll", broll.samples), SyncSource("broll2", other.samples),
                         SyncSource("hiss", hiss)])
    assert not any(f.synced for f in result.files)
    assert all(f.reason is UnsyncedReason.NO_SHARED_SOUND for f in result.files)
    assert not any(p.accepted for p in result.pairs)


def test_the_same_words_at_another_event_are_not_a_match(work: Path,
                                                         takes: list[Recording]) -> None:
    # Another evening of the same festival: the same announcements (the same phrases, at
    # other speeds and levels and times), other crowd bursts, other room tone.
    others = [record(sound_field(work, seconds=130, rate=RATE, seed=seed), RATE,
                     Camera(f"other{seed}", 2.0, 120, noise_db=-50, seed=seed))
              for seed in (61, 62, 63)]
    result = sync_files(_sources([*takes[:2], *others]))
    assert [f.file_id for f in result.groups()[0]] == ["wide", "stage"]
    assert all(not f.synced and f.reason is UnsyncedReason.NO_SHARED_SOUND
               for f in result.files[2:])
    assert not any(p.accepted for p in result.pairs if "other" in p.a + p.b)


def test_silent_short_and_lone_files(takes: list[Recording]) -> None:
    silent = np.zeros(30 * RATE, dtype=np.float32)
    whisper = np.random.default_rng(1).normal(0, 1e-5, 30 * RATE).astype(np.float32)
    short = takes[0].samples[: RATE * 2]
    wide, stage = SyncSource("wide", takes[0].samples), SyncSource("stage", takes[1].samples)
    result = sync_files([wide, stage, SyncSource("silent", silent), SyncSource("whisper", whisper),
                         SyncSource("short", short), SyncSource("none", silent[:0])])
    reasons = {f.file_id: f.reason for f in result.files}
    assert reasons == {"wide": None, "stage": None, "silent": UnsyncedReason.SILENT,
                       "whisper": UnsyncedReason.SILENT, "short": UnsyncedReason.TOO_SHORT,
                       "none": UnsyncedReason.SILENT}
    lone = sync_files([wide, SyncSource("silent", silent)])
    only = lone.for_file("wide")
    assert only is not None and only.event_offset == 0.0 and only.method is SyncMethod.ONLY_FILE
    two = sync_files([wide, stage], SyncSettings(min_seconds=200))
    assert all(f.reason is UnsyncedReason.TOO_SHORT for f in two.files)


def test_file_sync_maps_both_ways_and_result_round_trips() -> None:
    f = FileSync("cam", 12.5, 0.9, drift_ppm=80.0, group=0, reference="main",
                 method=SyncMethod.SOUND)
    assert f.to_file(12.5) == 0.0
    assert f.to_file(12.5 + 1200) == pytest.approx(1200 * (1 + 80e-6))
    assert f.to_event(f.to_file(700.0)) == pytest.approx(700.0)
    unsynced = FileSync("b", None, 0.0, reason=UnsyncedReason.NO_SHARED_SOUND)
    with pytest.raises(ValueError, match="no_shared_sound"):
        unsynced.to_event(1.0)
    result = SyncResult(files=[f, unsynced])
    again = SyncResult.from_dict(result.to_dict())
    assert again == result and again.files[1].reason is UnsyncedReason.NO_SHARED_SOUND


def test_timecode_seconds() -> None:
    # domain.timecode reads the label; sync turns it into seconds and ignores a bad one.
    assert timecode_seconds("01:00:00:00", 25) == 3600
    assert timecode_seconds("00:00:01:12", 24) == pytest.approx(1.5)
    # Drop-frame (as a timecode track writes it, with ";"): 00:01:00;02 is frame 1800.
    assert timecode_seconds("00:01:00;02", 30000 / 1001) == pytest.approx(1800 * 1001 / 30000)
    # Non-drop at 29.97 counts every label: an hour of labels is 3603.6 s of wall clock.
    assert timecode_seconds("01:00:00:00", 29.97) == pytest.approx(108000 * 1001 / 30000)
    assert timecode_seconds("00:00:00:30", 30) is None
    assert timecode_seconds("garbage", 30) is None
    assert timecode_seconds("01:00:00:00", 0) is None


def test_fast_length() -> None:
    for n in (1, 7, 1000, 140_001, 262_145):
        m = fast_length(n)
        assert m >= n
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        assert k == 1
    assert fast_length(140_001) < 2 ** 18


def _pair(a: str, b: str, offset: float, confidence: float, drift: float = 0.0,
          anchor: float = 40.0) -> SyncPair:
    return SyncPair(a, b, offset, drift, confidence, 30.0, 12, 12, 0.01, True,
                    drift_measured=drift != 0.0, anchor=anchor)


def test_placement_drops_a_pair_the_group_cannot_agree_with() -> None:
    durations = {"a": 100.0, "b": 90.0, "c": 80.0, "d": 50.0, "e": 60.0}
    pairs = [_pair("a", "b", 10.0, 0.9), _pair("b", "c", 5.0, 0.9),
             _pair("a", "c", 20.0, 0.5),  # a false match: the other two put c at 15 s
             _pair("d", "e", -3.25, 0.8)]  # another group: e starts 3.25 s before d
    placed, used = place_files(durations, pairs)
    assert [p.used for p in used] == [True, True, False, True]
    assert placed["a"].group == placed["c"].group == 0 and placed["a"].reference == "a"
    assert {k: placed[k].event_offset for k in "abc"} == {"a": 0.0, "b": 10.0, "c": 15.0}
    assert placed["d"].group == placed["e"].group == 1
    assert placed["e"].event_offset == 0.0 and placed["d"].event_offset == 3.25
    assert placed["e"].reference == "e"  # the longer of the two


def test_placement_composes_drift_along_a_chain() -> None:
    # b runs 50 ppm fast against a, c 30 ppm against b: c is 80.0015 ppm against a.
    durations = {"a": 3600.0, "b": 3500.0, "c": 3400.0}
    pairs = [_pair("a", "b", 20.0, 0.9, 50.0, anchor=1800.0),
             _pair("b", "c", 30.0, 0.9, 30.0, anchor=1750.0)]
    placed, _ = place_files(durations, pairs)
    c = placed["c"]
    assert c.drift_ppm == pytest.approx((1 + 50e-6) * (1 + 30e-6) * 1e6 - 1e6, abs=1e-3)
    # b's file time 30 s (c's first sample) is a's 20 + 30 / (1 + 50e-6).
    assert c.event_offset == pytest.approx(20.0 + 30.0 / (1 + 50e-6), abs=1e-6)
