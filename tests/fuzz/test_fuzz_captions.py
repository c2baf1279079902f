"""Fuzzed caption files: arbitrary caption text (quotes, colons, backslashes, percent signs,
emoji, right-to-left text, markup, line breaks, NUL) written as SRT, WebVTT and ASS and read
back by parsers nobody here wrote (``srt``, ``webvtt-py``, and ffmpeg's own ASS reader). Every
printable character comes back, in order, in the right cue at the right time; nothing is
lost, added or split into extra cues."""

from __future__ import annotations

import html
import subprocess
import tempfile
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt
from hypothesis import given
from hypothesis import strategies as st

from editron.domain.timeline import Caption, Clip, FrameRate, MediaInfo, Timeline
from editron.edit.captions import safe_area, to_ass, to_srt, to_vtt
from editron.story.styles import default_brand
from tests.fuzz.budget import BUDGETS, fuzz_settings
from tests.media_factory import FFMPEG

RATE = FrameRate(30000, 1001)
CUE_FRAMES = 40

# One sample of every kind of text that has broken a caption format somewhere.
TRICKY = {
    "quotes": "it's \"quoted\" ‘curly’ “double”",
    "colons": "time: 10:30 a:b::c",
    "backslashes": "C:\\New\\folder \\N \\h \\\\ end\\",
    "percent": "100% off %{pts} %% %d",
    "emoji": "🎬 👏🏽 👨‍👩‍👧 ❤️",
    "rtl": "שלום עולם مرحبا بكم \u202eabc\u202c",
    "newlines": "one\ntwo\r\nthree\n\nfour\u2028five",
    "nul": "before\x00after\x07bell",
    "markup": "<b>bold</b> & &amp; a --> b <i",
    "braces": "{\\b1}bold{\\b0} {}",
}
_TEXT = st.one_of(st.sampled_from(list(TRICKY.values())), st.text(max_size=60),
                  st.lists(st.sampled_from(list(TRICKY.values())), max_size=3).map(" ".join))


def printable(text: str) -> str:
    """The characters a reader must give back: everything but whitespace and control
    characters, in order (how whitespace is laid out may change; nothing else may)."""
    return "".join(ch for ch in text if not ch.isspace()
                   and unicodedata.category(ch) not in ("Cc", "Cs"))


def _timeline(texts: list[list[str]]) -> Timeline:
    box = safe_area("16:9", 640, 360)
    caps = tuple(Caption(i * CUE_FRAMES, i * CUE_FRAMES + CUE_FRAMES - 5, tuple(lines), (),
                         "standard", box) for i, lines in enumerate(texts))
    total = max(1, len(texts)) * CUE_FRAMES
    return Timeline("fuzz", "recap", 1, "16:9", 640, 360, RATE, (Clip("a", 0, total, 0),),
                    {"a": MediaInfo("a", "/m/a.mp4", 600.0, RATE.fps, 640, 360)}, caps,
                    brand=default_brand())


def _expected(tl: Timeline) -> list[tuple[Caption, str]]:
    """The cues a reader must find: captions with printable text, in order."""
    return [(c, printable("".join(c.lines))) for c in tl.captions if printable("".join(c.lines))]


def _ms(tl: Timeline, frame: int) -> timedelta:
    return timedelta(milliseconds=round(tl.rate.exact(frame) * 1000))


def _clock_ms(clock: str) -> timedelta:
    hours, minutes, seconds = clock.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))


_CAPTIONS = st.lists(st.lists(_TEXT, min_size=1, max_size=2), min_size=1, max_size=6)


@pytest.mark.timeout(300)
@BUDGETS
def test_srt_reads_back_with_the_srt_parser(examples: int) -> None:
    @fuzz_settings(examples * 5)
    @given(_CAPTIONS)
    def check(texts: list[list[str]]) -> None:
        tl = _timeline(texts)
        parsed = list(srt.parse(to_srt(tl)))
        expected = _expected(tl)
        assert len(parsed) == len(expected)
        for i, (sub, (cap, chars)) in enumerate(zip(parsed, expected, strict=True), start=1):
            assert sub.index == i
            assert (sub.start, sub.end) == (_ms(tl, cap.start), _ms(tl, cap.end))
            assert printable(sub.content) == chars
            assert 1 <= len(sub.content.split("\n")) <= len(cap.lines)

    check()


@pytest.mark.timeout(300)
@BUDGETS
def test_vtt_reads_back_with_webvtt_py(examples: int) -> None:
    @fuzz_settings(examples * 5)
    @given(_CAPTIONS)
    def check(texts: list[list[str]]) -> None:
        tl = _timeline(texts)
        parsed = list(webvtt.from_string(to_vtt(tl)))
        expected = _expected(tl)
        assert len(parsed) == len(expected)
        for i, (cue, (cap, chars)) in enumerate(zip(parsed, expected, strict=True), start=1):
            assert cue.identifier == str(i)
            assert (_clock_ms(cue.start), _clock_ms(cue.end)) == (
                _ms(tl, cap.start), _ms(tl, cap.end))
            # webvtt-py drops markup tags from .text; character references stay as written.
            assert printable(html.unescape(cue.text)) == chars
            assert 1 <= len(cue.lines) <= len(cap.lines)

    check()


def _ass_via_ffmpeg(tl: Timeline, folder: Path) -> list[srt.Subtitle]:
    """The ASS file as ffmpeg's own ASS reader understands it (converted to SubRip)."""
    ass = folder / "captions.ass"
    ass.write_text(to_ass(tl, default_brand(), font_name="Source Sans Pro"), encoding="utf-8")
    out = folder / "captions.srt"
    # The "text" encoder writes each event's text without the style's markup.
    proc = subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(ass),
                           "-c:s", "text", "-f", "srt", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return list(srt.parse(out.read_text(encoding="utf-8")))


@pytest.mark.timeout(300)
@BUDGETS
def test_ass_reads_back_with_ffmpeg(tmp_path: Path, examples: int) -> None:
    @fuzz_settings(examples)
    @given(_CAPTIONS)
    def check(texts: list[list[str]]) -> None:
        tl = _timeline(texts)
        parsed = _ass_via_ffmpeg(tl, Path(tempfile.mkdtemp(dir=tmp_path)))
        expected = _expected(tl)
        assert len(parsed) == len(expected)
        for sub, (cap, chars) in zip(parsed, expected, strict=True):
            # ASS counts centiseconds.
            assert abs(sub.start - _ms(tl, cap.start)) <= timedelta(milliseconds=10)
            # Braces would open an override block, so they are written as parentheses; the
            # word joiner that keeps a backslash literal is invisible.
            want = chars.replace("{", "(").replace("}", ")")
            assert printable(sub.content).replace("\u2060", "") == want

    check()


@pytest.mark.parametrize("kind", sorted(TRICKY))
def test_each_tricky_kind_survives_every_format(kind: str, tmp_path: Path) -> None:
    tl = _timeline([[TRICKY[kind]], ["plain words"]])
    chars = printable(TRICKY[kind])
    assert [printable(s.content) for s in srt.parse(to_srt(tl))] == [chars, "plainwords"]
    assert [printable(html.unescape(c.text)) for c in webvtt.from_string(to_vtt(tl))] == [
        chars, "plainwords"]
    ass = [printable(s.content).replace("\u2060", "") for s in _ass_via_ffmpeg(tl, tmp_path)]
    assert ass == [chars.replace("{", "(").replace("}", ")"), "plainwords"]


def test_a_caption_with_nothing_printable_is_left_out() -> None:
    tl = _timeline([["\x00\n "], ["kept"]])
    assert [s.content for s in srt.parse(to_srt(tl))] == ["kept"]
    assert [c.text for c in webvtt.from_string(to_vtt(tl))] == ["kept"]
    assert to_ass(tl, default_brand(), font_name="x").count("Dialogue:") == 1
