"""Music bed: beat tracking on an onset envelope, cuts snapped to beats, ducking keyframes."""

from __future__ import annotations

import numpy as np
import pytest

from editron.domain.analysis import AnalysisResult, Shot
from editron.domain.timeline import Blueprint, BlueprintMoment, FrameRate, MediaInfo
from editron.edit.music import (
    ENVELOPE_OFFSET,
    HOP,
    SAMPLE_RATE,
    beats_from_envelope,
    onset_envelope,
    plan_ducking,
    snap_to_beats,
)
from editron.story.cuts import file_cuts

RATE = FrameRate(25)


def click_track(bpm: float, seconds: float, offset: float = 0.1) -> np.ndarray:
    samples = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
    rng = np.random.default_rng(3)
    samples += rng.normal(0, 0.002, samples.size).astype(np.float32)
    for t in np.arange(offset, seconds, 60.0 / bpm):
        i = int(t * SAMPLE_RATE)
        n = min(400, samples.size - i)
        samples[i:i + n] += np.hanning(800)[400:400 + n].astype(np.float32) * \
            rng.normal(0, 0.8, n).astype(np.float32)
    return samples


@pytest.mark.parametrize("bpm", [97.0, 120.0, 150.0])
def test_beats_of_a_click_track(bpm: float) -> None:
    env = onset_envelope(click_track(bpm, 12.0))
    beats = beats_from_envelope(env, frame_rate=SAMPLE_RATE / HOP, offset=ENVELOPE_OFFSET)
    period = 60.0 / bpm
    assert len(beats) >= int(11.5 / period) - 1
    assert abs(float(np.median(np.diff(beats))) - period) < 0.03
    # every beat on a click (0.1 s + n periods), within one hop and a half
    for b in beats:
        off = (b - 0.1) % period
        assert min(off, period - off) < 1.5 * HOP / SAMPLE_RATE


def test_silence_has_no_beats() -> None:
    assert beats_from_envelope(onset_envelope(np.zeros(SAMPLE_RATE * 3, np.float32)),
                               frame_rate=SAMPLE_RATE / HOP) == []


def test_snapping_moves_cuts_onto_beats_and_keeps_the_length() -> None:
    media = {k: MediaInfo(k, f"/m/{k}.mp4", 30.0, 25.0, 1920, 1080) for k in ("a", "b")}
    analysis = AnalysisResult(passes_completed=1,
                              shots=[Shot("a", 0, 30, 0, 750), Shot("b", 0, 30, 0, 750)])
    cuts = {k: file_cuts(analysis, m, RATE) for k, m in media.items()}
    bp = Blueprint("highlight", 1, RATE, 250, (
        BlueprintMoment("a", 100, 197, 1.0), BlueprintMoment("b", 200, 303, 0.9),
        BlueprintMoment("a", 400, 450, 0.8)))
    beats = [i * 0.5 for i in range(40)]  # every 12.5 frames
    snapped = snap_to_beats(bp, beats, cuts, tolerance_frames=4)
    assert snapped.frames == bp.frames
    record = 0
    beat_frames = {RATE.frames(b) for b in beats}
    for m in snapped.moments[:-1]:
        record += m.frames
        assert record in beat_frames
    assert snapped.moments[0].source_start == 100  # only the cut edges moved


def test_ducking_goes_down_under_speech_and_back_up() -> None:
    keys = plan_ducking([(100, 150), (160, 200), (400, 450)], rate=RATE, total_frames=600)
    frames = [k.frame for k in keys]
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    gain = {k.frame: k.gain_db for k in keys}
    assert gain[0] == 0.0
    assert gain[100] < -6 and gain[200] < -6 and gain[400] < -6
    assert 155 not in gain  # a short pause stays ducked: no keyframe inside it
    assert any(f > 200 and f < 400 and g == 0.0 for f, g in gain.items())
    assert keys[-1].gain_db == 0.0
