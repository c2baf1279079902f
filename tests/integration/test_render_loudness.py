"""Loudness planning on a peaky program (a quiet room, then a roaring crowd): the single-pass
loudnorm misses it, the measured gain plus limiter lands within ±1 LU with the peaks under
the ceiling."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.errors import ProcessTimeoutError
from editron.media.ffmpeg import run_ffmpeg
from editron.render.graph import build_render_args
from editron.render.graph_audio import loudness_chain
from editron.render.loudness import measure_program, measure_summary, next_gain, plan_gain
from editron.render.profiles import profile_for
from editron.render.qc import run_qc
from editron.render.qc_parse import QcSpec
from editron.render.segments import RenderSource
from tests import media_factory as mf


@pytest.fixture(scope="module")
def peaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[Timeline, dict[str, RenderSource]]:
    root = tmp_path_factory.mktemp("peaky")
    path = root / "crowd.mp4"
    # a quiet room with a sharp full-scale clap every two seconds: the peaks leave no room
    # for the gain the quiet bed needs
    mf.run_ffmpeg([
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=18",
        "-f", "lavfi", "-i", "anoisesrc=color=white:amplitude=1:seed=1:duration=18",
        "-filter_complex",
        "[1:a]volume='if(lt(mod(t,2),0.03),1,0.01)':eval=frame[a]",
        "-map", "0:v", "-map", "[a]",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k",
        "-shortest", str(path)])
    info = MediaInfo("crowd", str(path), 18.0, 25.0, 320, 180)
    rate = FrameRate(25)
    tl = Timeline(name="peaky", deliverable="social", variant=1, aspect_ratio="16:9",
                  width=320, height=180, rate=rate,
                  clips=(Clip("crowd", 0, 18 * 25, 0),), media={"crowd": info})
    return tl, {"crowd": RenderSource(path, 320, 180)}


def test_next_gain_is_pure_and_bounded() -> None:
    assert next_gain(0.0, -20.0, -14.0) == 6.0
    assert next_gain(6.0, -15.0, -14.0) == 7.0
    assert next_gain(3.0, None, -14.0) == 3.0 and next_gain(3.0, -80.0, -14.0) == 3.0
    assert next_gain(0.0, -90.0 + 31, -14.0) == 30.0  # capped


def test_planned_gain_lands_on_target_where_single_pass_misses(
        peaky: tuple[Timeline, dict[str, RenderSource]], tmp_path: Path) -> None:
    tl, sources = peaky
    profile = replace(profile_for("16:9", "mp4"), width=320, height=180, preset="ultrafast")
    spec = QcSpec(expected_frames=tl.duration_frames, rate_num=25, rate_den=1, width=320,
                  height=180, video_codec="h264", audio_codec="aac", loudness_target=-14.0,
                  max_silence_seconds=60.0)
    single = tmp_path / "single.mp4"
    run_ffmpeg(build_render_args(tl, profile, sources=sources, output=single))
    planned = tmp_path / "planned.mp4"
    gain = plan_gain(tl, profile, sources=sources)
    run_ffmpeg(build_render_args(tl, profile, sources=sources, output=planned, gain_db=gain))
    before, after = run_qc(single, spec), run_qc(planned, spec)
    assert before.integrated_lufs is not None and after.integrated_lufs is not None
    print(f"single-pass {before.integrated_lufs:.1f} LUFS, planned {after.integrated_lufs:.1f}"
          f" LUFS (gain {gain:+.1f} dB)")
    assert "loudness" in before.flags, "the peaky program defeats single-pass loudnorm"
    assert after.passed, after.flags
    assert abs(after.integrated_lufs + 14.0) <= 1.0
    assert after.true_peak is not None and after.true_peak <= -0.5
    measured = measure_program(tl, profile, sources=sources, gain_db=gain)
    assert measured is not None and abs(measured - after.integrated_lufs) <= 0.5


def test_a_near_silent_program_is_lifted_only_so_far(tmp_path: Path) -> None:
    """Room tone at about -55 LUFS needs more than MAX_GAIN_DB: the plan stops there and says
    what QC should expect instead of raising hiss to broadcast level."""
    from editron.render.loudness import MAX_GAIN_DB, plan_loudness

    path = tmp_path / "room.mp4"
    mf.run_ffmpeg([
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=6",
        "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.01:seed=3:duration=6",
        "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
        "-c:a", "aac", "-shortest", str(path)])
    info = MediaInfo("room", str(path), 6.0, 25.0, 160, 90)
    tl = Timeline(name="room", deliverable="highlight", variant=2, aspect_ratio="16:9",
                  width=160, height=90, rate=FrameRate(25),
                  clips=(Clip("room", 0, 150, 0),), media={"room": info})
    profile = replace(profile_for("16:9", "mp4"), width=160, height=90, preset="ultrafast")
    plan = plan_loudness(tl, profile, sources={"room": RenderSource(path, 160, 90)})
    assert plan.gain_db == MAX_GAIN_DB
    assert plan.expected_lufs is not None and plan.expected_lufs < -15.0, plan
    assert "most lift allowed" in plan.note
    out = tmp_path / "room_out.mp4"
    run_ffmpeg(build_render_args(tl, profile, sources={"room": RenderSource(path, 160, 90)},
                                 output=out, gain_db=plan.gain_db))
    spec = QcSpec(expected_frames=150, rate_num=25, rate_den=1, width=160, height=90,
                  video_codec="h264", audio_codec="aac", loudness_target=plan.expected_lufs)
    report = run_qc(out, spec)
    assert "loudness" not in report.flags, report.checks


def test_a_plan_is_measured_once_per_audio_program(
        peaky: tuple[Timeline, dict[str, RenderSource]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 16:9, 9:16 and 1:1 cuts of a deliverable share their sound: the second and third
    reuse the first one's plan; a different cut, target or changed source measures again."""
    import editron.render.loudness as loudness

    tl, sources = peaky
    calls: list[float | None] = []
    real = loudness.measure_program

    def counting(*args: object, **kw: object) -> float | None:
        calls.append(kw.get("gain_db"))  # type: ignore[arg-type]
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(loudness, "measure_program", counting)
    cache = tmp_path / "plans"
    wide = profile_for("16:9", "mp4")
    first = loudness.plan_loudness_cached(tl, wide, sources=sources, cache_dir=cache)
    measured = len(calls)
    assert measured >= 2  # the raw mix, then after gain and limiter
    tall = replace(tl, aspect_ratio="9:16", width=180, height=320)
    again = loudness.plan_loudness_cached(tall, profile_for("9:16", "mp4"), sources=sources,
                                          cache_dir=cache)
    assert again == first and len(calls) == measured
    shorter = replace(tl, clips=(Clip("crowd", 0, 12 * 25, 0),))
    loudness.plan_loudness_cached(shorter, wide, sources=sources, cache_dir=cache)
    assert len(calls) > measured
    measured = len(calls)
    loudness.plan_loudness_cached(tl, profile_for("16:9", "mp4", loudness=-16.0),
                                  sources=sources, cache_dir=cache)
    assert len(calls) > measured
    assert len(list(cache.glob("*.json"))) == 3 and not list(cache.glob("*.part"))


def test_a_program_whose_peaks_stay_under_the_ceiling_is_measured_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A steady quiet tone: after the gain its peaks are still well under the limiter's
    ceiling, so the limiter never acts and one measuring pass gives the exact gain."""
    import editron.render.loudness as loudness

    path = tmp_path / "tone.mp4"
    mf.run_ffmpeg([
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=6",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
        "-filter_complex", "[1:a]volume=0.3[a]", "-map", "0:v", "-map", "[a]",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(path)])
    info = MediaInfo("tone", str(path), 6.0, 25.0, 160, 90)
    tl = Timeline(name="tone", deliverable="social", variant=1, aspect_ratio="16:9",
                  width=160, height=90, rate=FrameRate(25),
                  clips=(Clip("tone", 0, 150, 0),), media={"tone": info})
    profile = replace(profile_for("16:9", "mp4"), width=160, height=90, preset="ultrafast")
    sources = {"tone": RenderSource(path, 160, 90)}
    calls: list[object] = []
    real = loudness.measure_summary

    def counting(*args: object, **kw: object) -> object:
        calls.append(kw.get("gain_db"))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(loudness, "measure_summary", counting)
    plan = loudness.plan_loudness(tl, profile, sources=sources)
    assert calls == [None] and plan.expected_lufs == profile.loudness_target_lufs
    assert plan.gain_db > 10  # a tone peaking near -30 dBFS needs a lot of lift
    out = tmp_path / "tone_out.mp4"
    run_ffmpeg(build_render_args(tl, profile, sources=sources, output=out,
                                 gain_db=plan.gain_db))
    spec = QcSpec(expected_frames=150, rate_num=25, rate_den=1, width=160, height=90,
                  video_codec="h264", audio_codec="aac",
                  loudness_target=profile.loudness_target_lufs)
    report = run_qc(out, spec)
    assert "loudness" not in report.flags, report.checks
    assert report.integrated_lufs is not None
    assert abs(report.integrated_lufs - profile.loudness_target_lufs) <= 0.5


def test_a_measurement_past_its_time_limit_is_a_timeout(
        peaky: tuple[Timeline, dict[str, RenderSource]]) -> None:
    """A render job's time limit covers its loudness measurement: running out of it there is
    the job's timeout (not retried), whichever step the slow machine was on."""
    tl, sources = peaky
    with pytest.raises(ProcessTimeoutError, match=r"timed out after 0\.001 s"):
        measure_summary(tl, profile_for("16:9", "mp4"), sources=sources, timeout=0.001)


def test_the_limited_program_stays_on_the_picture(tmp_path: Path) -> None:
    """The limiter's lookahead would delay the sound 5 ms behind the picture: an impulse goes
    in and comes out at the same sample, and the length is unchanged."""
    profile = profile_for("16:9", "mp4")
    rate = profile.audio_rate
    total = rate // 2
    at = rate // 10
    pulse = tmp_path / "pulse.wav"
    mf.run_ffmpeg(["-f", "lavfi", "-i",
                   f"aevalsrc='if(eq(n\\,{at})\\,0.5\\,0)':s={rate}:d=0.5", "-ac", "1",
                   str(pulse)])
    out = tmp_path / "out.f32"
    chain = ",".join(loudness_chain(profile, total, gain_db=0.0))
    mf.run_ffmpeg(["-i", str(pulse), "-af", chain, "-f", "f32le", str(out)])
    sound = np.fromfile(out, dtype=np.float32)
    assert sound.size == total
    assert abs(int(np.argmax(np.abs(sound))) - at) <= 1
