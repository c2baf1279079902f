"""Captions: re-timed to the edit, line and reading-speed limits, safe area, SRT/VTT/ASS."""

from __future__ import annotations

import re

from editron.domain.analysis import TranscriptSegment, Word
from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.edit.captions import (
    MAX_CHARS_PER_LINE,
    READING_CPS,
    build_captions,
    safe_area,
    to_ass,
    to_srt,
    to_vtt,
)
from editron.story.styles import default_brand

RATE = FrameRate(25)
TEXT = ("So tonight we are celebrating the people who built this community from nothing "
        "and we could not be prouder. Thank you all!")


def _segment(start: float = 10.0) -> TranscriptSegment:
    words, t = [], start
    for token in TEXT.split():
        words.append(Word(token, round(t, 3), round(t + 0.25, 3)))
        t += 0.3
    return TranscriptSegment("a", start, t, TEXT, tuple(words))


def _timeline(style: str) -> Timeline:
    seg = _segment()
    clips = (Clip("a", 250, 320, 0), Clip("a", 330, 425, 70))
    box = safe_area("9:16", 1080, 1920)
    caps = build_captions(clips, [seg], rate=RATE, style=style, box=box)
    return Timeline("T", "recap", 1, "9:16", 1080, 1920, RATE, clips,
                    {"a": MediaInfo("a", "/m/a.mp4", 60.0, 25.0, 1920, 1080)}, caps)


def test_standard_captions_respect_lines_speed_and_clips() -> None:
    tl = _timeline("standard")
    assert len(tl.captions) >= 3
    for cap in tl.captions:
        assert 1 <= len(cap.lines) <= 2
        assert all(len(line) <= MAX_CHARS_PER_LINE for line in cap.lines)
        chars = sum(len(line) for line in cap.lines)
        seconds = RATE.seconds(cap.end - cap.start)
        clip = next(c for c in tl.clips if c.record_start <= cap.start < c.record_end)
        assert cap.end <= clip.record_end  # never across a cut
        assert chars / seconds <= READING_CPS + 1e-6 or cap.end in (clip.record_end,) or any(
            o.start == cap.end for o in tl.captions)
    texts = " ".join(" ".join(c.lines) for c in tl.captions).split()
    words = TEXT.split()
    assert all(w in words for w in texts)


def test_captions_are_retimed_to_the_record_position() -> None:
    tl = _timeline("standard")
    first = tl.captions[0]
    # "So" is at 10.0 s in the source = frame 250 = record 0
    assert first.start == 0
    second_clip = [c for c in tl.captions if c.start >= 70]
    assert second_clip and second_clip[0].words[0].start >= 70


def test_caption_box_is_inside_the_frame_and_above_the_platform_ui() -> None:
    for ratio, (w, h) in {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}.items():
        x, y, bw, bh = safe_area(ratio, w, h)
        assert x >= 0 and x + bw <= w and y >= 0 and y + bh <= h
    assert sum(safe_area("9:16", 1080, 1920)[1::2]) <= 0.8 * 1920


def test_srt_and_vtt_text() -> None:
    tl = _timeline("standard")
    srt, vtt = to_srt(tl), to_vtt(tl)
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert re.search(r"^\d+\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$", srt, re.M)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert "line:76% position:50% size:84% align:center" in vtt


def test_karaoke_ass_uses_k_tags_matching_word_timings() -> None:
    tl = _timeline("karaoke")
    ass = to_ass(tl, default_brand(font_path="/fonts/x.ttf"), font_name="Source Sans Pro")
    assert "PlayResX: 1080" in ass and "PlayResY: 1920" in ass
    assert "Style: Default,Source Sans Pro," in ass
    events = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == len(tl.captions)
    for line, cap in zip(events, tl.captions, strict=True):
        ks = [int(k) for k in re.findall(r"\\k(\d+)", line)]
        assert len(ks) >= len(cap.words)
        assert abs(sum(ks) - (cap.words[-1].end - cap.start) * 4) <= len(ks)  # 1 frame = 4 cs


def test_ass_colours_come_from_the_brand() -> None:
    tl = _timeline("standard")
    ass = to_ass(tl, default_brand(font_path="/f.ttf", primary_color="#FF8000"),
                 font_name="Source Sans Pro")
    assert ",&H000080FF," in ass  # ASS stores colours as &HAABBGGRR
