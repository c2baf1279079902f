"""Captions in other scripts: the script of each caption, the font that covers it, lines
that break between characters where words have no spaces (kinsoku kept), the burn-in's
styles, and Latin captions exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from editron.domain.analysis import TranscriptSegment, Word
from editron.domain.timeline import Caption, Clip, FrameRate, MediaInfo, Timeline
from editron.edit.captions import (
    MAX_CHARS_PER_LINE,
    build_captions,
    burn_in_fonts,
    caption_fonts,
    joined,
    safe_area,
    to_ass,
    to_srt,
)
from editron.edit.scripts import NO_LINE_END, NO_LINE_START, caption_script, columns
from editron.errors import ConfigError
from editron.story import fonts
from editron.story.fonts import caption_font
from editron.story.styles import default_brand

RATE = FrameRate(25)
BOX = safe_area("16:9", 1920, 1080)
# Whisper's words for Japanese: pieces of text with no spaces, punctuation as its own word.
JAPANESE = ["今日", "は", "皆", "さん", "、", "本当", "に", "ありがとう", "ございます", "。",
            "新しい", "製品", "「", "オーロラ", "」", "を", "紹介", "します", "。"]


def _timeline(words: list[str], style: str = "standard", step: float = 0.2) -> Timeline:
    ws = tuple(Word(w, round(1 + n * step, 3), round(1 + n * step + step * 0.9, 3))
               for n, w in enumerate(words))
    seg = TranscriptSegment("a", ws[0].start, ws[-1].end, "".join(words), ws)
    clips = (Clip("a", 0, 500, 0),)
    caps = build_captions(clips, [seg], rate=RATE, style=style, box=BOX)
    return Timeline("T", "recap", 1, "16:9", 1920, 1080, RATE, clips,
                    {"a": MediaInfo("a", "/m/a.mp4", 60.0, 25.0, 1920, 1080)}, caps)


def test_each_caption_s_script_is_found() -> None:
    assert caption_script(["Thank you all!"]) == "latin"
    assert caption_script(["مرحبا بكم في الحفل"]) == "arabic"
    assert caption_script(["שלום לכולם"]) == "hebrew"
    assert caption_script(["今日は皆さん、ありがとう。"]) == "cjk"
    assert caption_script(["欢迎大家"]) == "cjk"
    assert caption_script(["안녕하세요"]) == "hangul"
    assert caption_script(["Добро пожаловать"]) == "cyrillic"
    assert caption_script(["2026!"]) == "latin"  # no letters: the brand font


def test_the_font_covers_the_script() -> None:
    brand = default_brand()
    assert caption_font("latin", brand).files == (brand.font_path,)
    assert caption_font("cyrillic", brand).family == "Source Sans Pro"
    for script, family in (("arabic", "Noto Sans Arabic"), ("hebrew", "Noto Sans Hebrew"),
                           ("cjk", "Noto Sans CJK SC"), ("hangul", "Noto Sans CJK KR")):
        font = caption_font(script, brand)
        assert font.family == family and Path(font.files[0]).is_file(), font
    assert caption_font("cjk", brand, japanese=True).family == "Noto Sans CJK JP"


def test_a_missing_script_font_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "FONT_ROOTS", ())
    monkeypatch.delenv("EDITRON_FONT_ROOTS", raising=False)
    with pytest.raises(ConfigError, match="fonts-noto-core"):
        caption_font("hebrew", default_brand())
    with pytest.raises(ConfigError, match="fonts-noto-cjk"):
        caption_font("cjk", default_brand())


def test_cjk_lines_break_between_characters_without_spaces_and_keep_kinsoku() -> None:
    tl = _timeline(JAPANESE)
    text = "".join(JAPANESE)
    assert "".join("".join(c.lines) for c in tl.captions) == text  # nothing added or lost
    assert any(len(c.lines) == 2 for c in tl.captions)
    for c in tl.captions:
        assert all(" " not in line for line in c.lines)
        assert all(columns(line) <= MAX_CHARS_PER_LINE for line in c.lines)
        assert all(line[0] not in NO_LINE_START and line[-1] not in NO_LINE_END
                   for line in c.lines[1:]), c.lines
        assert c.lines[0][-1] not in NO_LINE_END
    # one run of ideographs with no word boundary at all still fits in two lines
    long_word = "新製品発表会" * 6  # 36 characters, 72 columns
    (cap,) = _timeline([long_word]).captions
    assert len(cap.lines) == 2 and "".join(cap.lines) == long_word
    assert all(columns(line) <= MAX_CHARS_PER_LINE for line in cap.lines)


def test_kinsoku_moves_the_break_off_a_closing_mark() -> None:
    # the balanced break would start the second line with "。": it moves by one character
    words = ["あ" * 20, "。", "い" * 19]
    (cap,) = _timeline(words, step=0.05).captions
    assert cap.lines[1][0] != "。" and "".join(cap.lines) == "".join(words)


def test_mixed_words_keep_their_spaces() -> None:
    assert joined(["Aurora", "の", "発売", "。", "Thank", "you"])[0] == "Auroraの発売。Thank you"


def test_karaoke_breaks_cjk_where_the_lines_do() -> None:
    tl = _timeline(JAPANESE[:10] + JAPANESE[:10], style="karaoke")
    ass = to_ass(tl, default_brand(), font_name="Source Sans Pro")
    two = [c for c in tl.captions if len(c.lines) == 2]
    assert two
    dialogue = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    for cap, line in zip(tl.captions, dialogue, strict=True):
        shown = line.split(",", 9)[9]
        plain = "".join(part.split("}")[-1] for part in shown.split("{"))
        assert plain.replace("\\N", "\n") == "\n".join(cap.lines)
        assert ",Japanese," in line  # the Japanese style (Noto Sans CJK JP)


def _one(text: str) -> Timeline:
    cap = Caption(0, 50, (text,), (), "standard", BOX)
    return Timeline("T", "recap", 1, "16:9", 1920, 1080, RATE, (), {}, (cap,))


def test_right_to_left_captions_get_their_font_and_base_direction(tmp_path: Path) -> None:
    brand = default_brand()
    tl = Timeline("T", "recap", 1, "16:9", 1920, 1080, RATE, (), {},
                  (Caption(0, 50, ("مرحبا بكم",), (), "standard", BOX),
                   Caption(50, 100, ("Welcome",), (), "standard", BOX),
                   Caption(100, 150, ("שלום לכולם",), (), "standard", BOX)))
    ass = to_ass(tl, brand, font_name=brand.font_name)
    styles = [line for line in ass.splitlines() if line.startswith("Style:")]
    assert [s.split(",")[:2] for s in styles] == [["Style: Default", "Source Sans Pro"],
                                                  ["Style: Arabic", "Noto Sans Arabic"],
                                                  ["Style: Hebrew", "Noto Sans Hebrew"]]
    assert [s.rsplit(",", 1)[1] for s in styles] == ["1", "-1", "-1"]
    events = [line.split(",")[3] for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert events == ["Arabic", "Default", "Hebrew"]
    folder = burn_in_fonts(tl, tmp_path / "fonts")
    names = {p.name for p in folder.iterdir()}
    assert {Path(brand.font_path).name, "NotoSansArabic-Regular.ttf",
            "NotoSansHebrew-Regular.ttf"} <= names
    assert all(p.resolve().is_file() for p in folder.iterdir())
    assert set(caption_fonts(tl, brand)) == {"Default", "Arabic", "Hebrew"}


def _old_wrap(words: list[str]) -> list[str] | None:
    """The line breaking before scripts were known, for Latin captions."""
    text = " ".join(words)
    if len(text) <= MAX_CHARS_PER_LINE:
        return [text]
    best: tuple[int, list[str]] | None = None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        if len(a) <= MAX_CHARS_PER_LINE and len(b) <= MAX_CHARS_PER_LINE:
            cost = abs(len(a) - len(b))
            if best is None or cost < best[0]:
                best = (cost, [a, b])
    return best[1] if best else None


def test_latin_captions_are_unchanged() -> None:
    text = ("So tonight we are celebrating the people who built this community from nothing "
            "and we could not be prouder. Thank you all! Señoras y señores, bienvenidos.")
    tl = _timeline(text.split(), step=0.3)
    for cap in tl.captions:
        words = [w.text for w in cap.words]
        assert list(cap.lines) == _old_wrap(words)
    ass = to_ass(tl, default_brand(), font_name="Source Sans Pro")
    assert sum(line.startswith("Style:") for line in ass.splitlines()) == 1
    assert all(",Default," in line for line in ass.splitlines() if line.startswith("Dialogue"))
    assert "bienvenidos." in to_srt(tl)
