"""The person speaking, framed (issue 22.3), on generated footage with two faces where one
speaks (``tests.speaker_fixtures``): tracked in pass 1, the speaker chosen by mouth movement
against the words, the 9:16 and 1:1 windows on them in at least 90 % of spoken frames, no
more than one switch per 3 s, no letterbox, and the largest per-frame move bounded and
reported."""

from __future__ import annotations

import itertools

import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.engine import analyze_files
from editron.domain.analysis import AnalysisResult, TranscriptSegment, Word
from editron.domain.timeline import CropKeyframe, FrameRate, MediaInfo
from editron.edit.reframe import MAX_SPEED, Reframe, plan_reframe
from editron.edit.speaker import SWITCH_SECONDS, speech_of
from editron.media.probe import probe
from tests.speaker_fixtures import FACES, SECONDS, SpeakerClip, make_speaker_clip, speaker_at

RATE = FrameRate(25)
W, H = 640, 360


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> tuple[SpeakerClip, AnalysisResult]:
    root = tmp_path_factory.mktemp("speaker")
    clip = make_speaker_clip(root / "two.mp4")
    ctx = FileContext("two", clip.path, probe(clip.path), parse_brief(None), root / "w")
    result, _ = analyze_files([ctx], max_iterations=1)
    return clip, result


def transcript(clip: SpeakerClip) -> list[TranscriptSegment]:
    """The words as speech recognition gives them: one segment per line, sentence-final
    punctuation on the last word."""
    out = []
    spoken = clip.spoken()
    for n, (at, _, text) in enumerate(clip.lines):
        until = clip.lines[n + 1][0] if n + 1 < len(clip.lines) else SECONDS
        words = [w for w, _ in spoken if at <= w.start < until]
        tokens = text.split()
        out.append(TranscriptSegment("two", words[0].start, words[-1].end, text, tuple(
            Word(tok, w.start, w.end) for tok, w in zip(tokens, words, strict=True))))
    return out


def window(keys: tuple[CropKeyframe, ...], frame: int) -> tuple[float, float, float, float]:
    ks = sorted(keys, key=lambda k: k.frame)
    for a, b in itertools.pairwise(ks):
        if a.frame <= frame <= b.frame:
            f = (frame - a.frame) / max(1, b.frame - a.frame)
            return (a.x + f * (b.x - a.x), a.y + f * (b.y - a.y), a.w, a.h)
    k = ks[0] if frame <= ks[0].frame else ks[-1]
    return k.x, k.y, k.w, k.h


def holds(win: tuple[float, float, float, float], who: int) -> bool:
    """The speaker's eyes and mouth (the middle of the face) inside the window."""
    fx, fy, fw, fh = FACES[who]
    x, y, w, h = win
    return x <= fx + 0.2 * fw and fx + 0.8 * fw <= x + w and y <= fy + 0.3 * fh \
        and fy + 0.85 * fh <= y + h


def plan(clip: SpeakerClip, result: AnalysisResult, out: tuple[int, int]) -> Reframe:
    media = MediaInfo("two", str(clip.path), SECONDS, 25.0, W, H)
    return plan_reframe(media=media, rate=RATE, source_start=0,
                        source_end=RATE.frames(SECONDS), signals=result.shot_signals,
                        out_w=out[0], out_h=out[1], speech=speech_of("two", transcript(clip)))


@pytest.mark.parametrize("out", [(1080, 1920), (1080, 1080)], ids=["9x16", "1x1"])
def test_the_speaker_is_in_the_crop_in_nine_spoken_frames_of_ten(
        footage: tuple[SpeakerClip, AnalysisResult], out: tuple[int, int]) -> None:
    clip, result = footage
    framed = plan(clip, result, out)
    assert not framed.pad_blur and framed.framing == "speaker"
    spoken = inside = 0
    for f in range(RATE.frames(SECONDS)):
        who = speaker_at(clip, RATE.seconds(f))
        if who is None:
            continue
        spoken += 1
        inside += holds(window(framed.keyframes, f), who)
    assert spoken > 100
    assert inside / spoken >= 0.9, f"speaker in the crop in {inside}/{spoken} spoken frames"


@pytest.mark.parametrize("out", [(1080, 1920), (1080, 1080)], ids=["9x16", "1x1"])
def test_switches_only_at_sentence_ends_at_most_one_per_three_seconds(
        footage: tuple[SpeakerClip, AnalysisResult], out: tuple[int, int]) -> None:
    clip, result = footage
    framed = plan(clip, result, out)
    assert framed.switches == 2 and len(framed.cuts) == 2  # left, right, left again
    ends = [seg.end for seg in transcript(clip)]
    for cut in framed.cuts:
        t = RATE.seconds(cut)
        assert any(0 <= t - e < 2 / RATE.fps for e in ends), f"switch at {t} s, not a sentence end"
    for a, b in itertools.pairwise([0, *framed.cuts]):
        assert b - a >= SWITCH_SECONDS * RATE.fps
    # Independently of what the plan says: whose face the window is on, frame by frame.
    on = [min((0, 1), key=lambda k: abs(window(framed.keyframes, f)[0] + window(
        framed.keyframes, f)[2] / 2 - FACES[k][0] - FACES[k][2] / 2))
        for f in range(RATE.frames(SECONDS))]
    changes = [f for f in range(1, len(on)) if on[f] != on[f - 1]]
    assert len(changes) <= SECONDS / SWITCH_SECONDS
    assert all(b - a >= SWITCH_SECONDS * RATE.fps for a, b in itertools.pairwise(changes))


def test_the_largest_move_is_bounded_and_reported(
        footage: tuple[SpeakerClip, AnalysisResult]) -> None:
    clip, result = footage
    framed = plan(clip, result, (1080, 1920))
    cuts = set(framed.cuts)
    moves = [abs(window(framed.keyframes, f)[0] - window(framed.keyframes, f - 1)[0])
             for f in range(1, RATE.frames(SECONDS)) if f not in cuts]
    assert framed.max_step <= MAX_SPEED * W + 1e-6
    assert max(moves) == pytest.approx(framed.max_step, abs=0.05)
