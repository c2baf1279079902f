"""Cut rules: shot boundaries or word gaps, never inside a word, whole sentences when speech
leads, lengths from the pace, ranges inside the media."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from editron.domain.analysis import AnalysisResult, Shot, TranscriptSegment, Word
from editron.domain.timeline import FrameRate, MediaInfo
from editron.story.cuts import file_cuts, sentence_texts, sentences

RATE = FrameRate(25)
WORDS = (Word("Hello", 1.0, 1.4), Word("there.", 1.5, 2.0), Word("Big", 2.4, 2.7),
         Word("news", 2.8, 3.2), Word("today!", 3.3, 3.9))
ANALYSIS = AnalysisResult(
    passes_completed=1,
    shots=[Shot("a", 0.0, 2.2, 0, 55), Shot("a", 2.2, 6.0, 55, 150),
           Shot("a", 6.0, 10.0, 150, 250)],
    transcript=[TranscriptSegment("a", 1.0, 3.9, "Hello there. Big news today!", WORDS)],
)
MEDIA = MediaInfo("a", "/m/a.mp4", 10.0, 25.0, 1920, 1080)


def test_sentences_split_on_end_punctuation() -> None:
    assert sentences(ANALYSIS.transcript) == [(1.0, 2.0), (2.4, 3.9)]
    assert [t for *_, t in sentence_texts(ANALYSIS.transcript)] == ["Hello there.",
                                                                   "Big news today!"]


def test_no_frame_inside_a_word_is_legal() -> None:
    fc = file_cuts(ANALYSIS, MEDIA, RATE)
    assert fc.media_frames == 250
    assert fc.boundaries == (55, 150)
    assert not fc.legal(30)  # 1.2 s: inside "Hello"
    assert fc.legal(25) and fc.legal(36)  # word start; the gap after "Hello"
    assert not fc.legal(251) and not fc.legal(-1)


def test_nearest_legal_prefers_shot_boundaries() -> None:
    fc = file_cuts(ANALYSIS, MEDIA, RATE)
    assert fc.nearest_legal(148, lo=0, hi=250, prefer=5) == 150
    assert fc.nearest_legal(148, lo=0, hi=250, prefer=0) == 148
    assert fc.nearest_legal(30, lo=0, hi=250, prefer=0) in (25, 35)


def test_speech_led_range_keeps_whole_sentences() -> None:
    fc = file_cuts(ANALYSIS, MEDIA, RATE)
    got = fc.fit(70, 80, min_frames=25, max_frames=75, speech_led=True, prefer=0)
    assert got is not None
    s, e = got
    assert s <= 60 and e >= 97  # "Big news today!" 2.4–3.9 s whole


def test_action_range_obeys_the_pace_and_the_media() -> None:
    fc = file_cuts(ANALYSIS, MEDIA, RATE)
    got = fc.fit(150, 250, min_frames=25, max_frames=50, speech_led=False, prefer=0)
    assert got is not None and got[1] - got[0] <= 50
    short = fc.fit(240, 245, min_frames=50, max_frames=100, speech_led=False, prefer=0)
    assert short is not None and short[1] <= 250 and short[1] - short[0] >= 50


@given(st.integers(-50, 300), st.integers(-50, 300), st.booleans(), st.integers(1, 60))
def test_fit_is_always_legal_and_inside_the_media(a: int, b: int, speech: bool, lo: int) -> None:
    fc = file_cuts(ANALYSIS, MEDIA, RATE)
    got = fc.fit(min(a, b), max(a, b) + 1, min_frames=lo, max_frames=lo + 50,
                 speech_led=speech, prefer=3)
    if got is None:
        return
    s, e = got
    assert 0 <= s < e <= fc.media_frames
    assert fc.legal(s) and fc.legal(e)
