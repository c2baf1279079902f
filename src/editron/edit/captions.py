"""Captions from word timings, re-timed to the edit, and their SRT, VTT and ASS forms.

Standard captions hold at most two lines of 42 characters and never ask for more than
17 characters a second of reading; karaoke captions keep each word's timing so the burn-in
can highlight it. A caption never crosses a cut: it lies inside the clip its words came from.

Lines are measured in columns (an ideograph is two) and broken where the script allows
(``edit.scripts``): between words for spaced scripts, between characters for Chinese and
Japanese (never before a closing mark, never after an opening one), whose words join without
a space. The burn-in gives each caption a font that covers its script (``story.fonts``) and
lets libass find the base direction of right-to-left ones.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from editron.domain.analysis import TranscriptSegment
from editron.domain.timeline import BrandPod, Caption, CaptionWord, Clip, FrameRate, Timeline
from editron.edit.scripts import (
    NO_LINE_END,
    NO_LINE_START,
    RIGHT_TO_LEFT,
    UNSPACED,
    caption_script,
    char_script,
    columns,
    joins_without_space,
)
from editron.story.fonts import CaptionFont, caption_font, fonts_folder
from editron.story.styles import default_brand

__all__ = [
    "MAX_CHARS_PER_LINE",
    "MAX_LINES",
    "READING_CPS",
    "build_captions",
    "burn_in_fonts",
    "caption_fonts",
    "joined",
    "plain_line",
    "safe_area",
    "to_ass",
    "to_srt",
    "to_vtt",
]

MAX_CHARS_PER_LINE = 42
MAX_LINES = 2
READING_CPS = 17.0
MIN_SECONDS = 0.8
MAX_SECONDS = 7.0
GAP_SPLIT_SECONDS = 0.7  # a pause this long starts a new caption
_SENTENCE_END = re.compile(r"[.!?…]['\")\]]*$")

# Caption-safe boxes as shares of the frame (x, y, w, h). 9:16 sits higher because the
# platforms' own buttons and descriptions cover the bottom fifth.
_SAFE = {
    "16:9": (0.10, 0.76, 0.80, 0.16),
    "1:1": (0.10, 0.72, 0.80, 0.18),
    "9:16": (0.08, 0.60, 0.84, 0.16),
}


def safe_area(aspect_ratio: str, width: int, height: int) -> tuple[int, int, int, int]:
    x, y, w, h = _SAFE.get(aspect_ratio, _SAFE["16:9"])
    return round(x * width), round(y * height), round(w * width), round(h * height)


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int
    sentence_end: bool


def build_captions(clips: Sequence[Clip], transcript: Iterable[TranscriptSegment], *,
                   rate: FrameRate, style: str, box: tuple[int, int, int, int]
                   ) -> tuple[Caption, ...]:
    by_file: dict[str, list[tuple[str, float, float]]] = {}
    for seg in transcript:
        for w in seg.words:
            if w.word.strip():
                by_file.setdefault(seg.file_id, []).append((w.word.strip(), w.start, w.end))
    out: list[Caption] = []
    for clip in clips:
        words: list[_Word] = []
        for text, s, e in sorted(by_file.get(clip.file_id, ()), key=lambda x: x[1]):
            fs, fe = rate.frames(s), max(rate.frames(e), rate.frames(s) + 1)
            if fs < clip.source_start or fe > clip.source_end:
                continue  # only words wholly inside the clip are heard in the edit
            shift = clip.record_start - clip.source_start
            words.append(_Word(text, fs + shift, fe + shift, bool(_SENTENCE_END.search(text))))
        out.extend(_group(words, clip, rate, style, box))
    return tuple(out)


def _group(words: Sequence[_Word], clip: Clip, rate: FrameRate, style: str,
           box: tuple[int, int, int, int]) -> list[Caption]:
    groups: list[list[_Word]] = []
    current: list[_Word] = []
    for w in words:
        if current:
            gap = rate.seconds(w.start - current[-1].end)
            span = rate.seconds(w.end - current[0].start)
            if (gap > GAP_SPLIT_SECONDS or span > MAX_SECONDS or current[-1].sentence_end
                    or _wrap([*(x.text for x in current), w.text]) is None):
                groups.append(current)
                current = []
        current.append(w)
    if current:
        groups.append(current)
    out: list[Caption] = []
    limit_end = clip.record_end
    for i, g in enumerate(groups):
        lines = _wrap([w.text for w in g])
        assert lines is not None
        start = g[0].start
        next_start = groups[i + 1][0].start if i + 1 < len(groups) else limit_end
        chars = sum(len(line) for line in lines)
        need = max(rate.frames(MIN_SECONDS), rate.frames(chars / READING_CPS), g[-1].end - start)
        end = min(start + max(need, 1), next_start, limit_end)
        end = min(max(end, g[-1].end), limit_end)
        cwords = tuple(CaptionWord(w.text, w.start, min(w.end, end)) for w in g)
        out.append(Caption(start, end, tuple(lines), cwords, style, box))
    return out


def joined(words: Sequence[str]) -> tuple[str, list[int]]:
    """The words as one line of text, a space between them unless their script is written
    without (``edit.scripts.joins_without_space``), and where each word starts in it."""
    text, starts = "", []
    for w in words:
        if text and not joins_without_space(text, w):
            text += " "
        starts.append(len(text))
        text += w
    return text, starts


def _breaks(text: str, starts: Sequence[int]) -> list[tuple[int, int]]:
    """Where ``text`` may break, as (end of the first line, start of the second): at the space
    between two words, or between two characters of an unspaced script (kinsoku kept)."""
    out = [(k - 1, k) for k in starts[1:] if text[k - 1] == " "]
    for k in range(1, len(text)):
        a, b = text[k - 1], text[k]
        if a == " " or b == " " or b in NO_LINE_START or a in NO_LINE_END:
            continue
        if char_script(a) in UNSPACED or char_script(b) in UNSPACED:
            out.append((k, k))
    return sorted(set(out))


def _wrap(words: Sequence[str]) -> list[str] | None:
    """Balanced lines of at most ``MAX_CHARS_PER_LINE`` columns, or None if more than two
    lines."""
    text, starts = joined(words)
    if columns(text) <= MAX_CHARS_PER_LINE:
        return [text]
    best: tuple[int, list[str]] | None = None
    for end, start in _breaks(text, starts):
        a, b = text[:end], text[start:]
        if columns(a) <= MAX_CHARS_PER_LINE and columns(b) <= MAX_CHARS_PER_LINE:
            cost = abs(columns(a) - columns(b))
            if best is None or cost < best[0]:
                best = (cost, [a, b])
    return best[1] if best else None


def _clock(rate: FrameRate, frame: int, sep: str) -> str:
    ms = round(rate.exact(frame) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def plain_line(text: str) -> str:
    """One caption line as every caption format can carry it: control characters (NUL,
    escapes, lone surrogates) dropped, every run of whitespace, line breaks included, made one
    space, the ends trimmed. A raw line break or blank line inside a cue would end it early in
    SRT and VTT and break an ASS event line (found by tests/fuzz/test_fuzz_captions.py);
    format characters (right-to-left marks, joiners in emoji) are kept."""
    kept = "".join(ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))
    return " ".join(kept.split())


def _cue_lines(c: Caption) -> list[str]:
    return [line for line in (plain_line(raw) for raw in c.lines) if line]


def to_srt(timeline: Timeline) -> str:
    """SubRip; a caption with no printable text is left out (an empty cue ends the file for
    some readers)."""
    cues = [(c, lines) for c in timeline.captions if (lines := _cue_lines(c))]
    blocks = [f"{i}\n{_clock(timeline.rate, c.start, ',')} --> "
              f"{_clock(timeline.rate, c.end, ',')}\n" + "\n".join(lines) + "\n"
              for i, (c, lines) in enumerate(cues, start=1)]
    return "\n".join(blocks)


def to_vtt(timeline: Timeline) -> str:
    """WebVTT; cue text is markup there, so ``&``, ``<`` and ``>`` are written as character
    references (which also keeps ``-->`` out of a cue)."""
    out = ["WEBVTT", ""]
    cues = [(c, lines) for c in timeline.captions if (lines := _cue_lines(c))]
    for i, (c, lines) in enumerate(cues, start=1):
        x, _, w, _ = c.box
        line = round(100 * (c.box[1] + c.box[3]) / max(timeline.height, 1))
        pos = round(100 * (x + w / 2) / max(timeline.width, 1))
        size = round(100 * w / max(timeline.width, 1))
        out += [str(i), f"{_clock(timeline.rate, c.start, '.')} --> "
                f"{_clock(timeline.rate, c.end, '.')} line:{line}% position:{pos}% "
                f"size:{size}% align:center",
                *(html.escape(text, quote=False) for text in lines), ""]
    return "\n".join(out)


def _ass_colour(hex_colour: str, alpha: int = 0) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = h[0:2], h[2:4], h[4:6]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_time(rate: FrameRate, frame: int) -> str:
    cs = round(rate.exact(frame) * 100)
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, cs = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def caption_fonts(timeline: Timeline, brand: BrandPod) -> dict[str, CaptionFont]:
    """The ASS style of each caption's script and its font: ``Default`` for what the brand's
    font covers, one more style per other script found (Arabic, Hebrew, CJK...)."""
    out: dict[str, CaptionFont] = {}
    for c in timeline.captions:
        name, font = _style_of(c, brand)
        out.setdefault(name, font)
    return out


def burn_in_fonts(timeline: Timeline, folder: Path) -> Path:
    """``folder`` holding the brand font and every font the timeline's captions need, for
    the burn-in's ``fontsdir``."""
    brand = timeline.brand or default_brand()
    brand_font = CaptionFont(brand.font_name, (brand.font_path,), "the brand")
    return fonts_folder([brand_font, *caption_fonts(timeline, brand).values()], folder)


def _style_of(c: Caption, brand: BrandPod) -> tuple[str, CaptionFont]:
    script = caption_script(c.lines)
    japanese = any(0x3040 <= ord(ch) <= 0x30FF for line in c.lines for ch in line)
    font = caption_font(script, brand, japanese=japanese)
    if font.family == brand.font_name and font.files == (brand.font_path,):
        return "Default", font
    return ("Japanese" if japanese and script == "cjk" else script.capitalize()), font


def to_ass(timeline: Timeline, brand: BrandPod, *, font_name: str) -> str:
    """Advanced SubStation for burn-in with libass; ``fontsdir`` must hold the files of
    ``caption_fonts`` (``story.fonts.fonts_folder``) so exactly those fonts are used. A
    right-to-left script's style has Encoding -1, so libass finds each line's base direction
    (its letters are joined by the complex shaper either way)."""
    wid, hei = timeline.width, timeline.height
    x, y, w, h = timeline.captions[0].box if timeline.captions else safe_area(
        timeline.aspect_ratio, wid, hei)
    size = round(min(wid, hei) * 0.055)
    margin_v = hei - (y + h)
    # Karaoke fills from SecondaryColour to PrimaryColour as each word is sung.
    primary = _ass_colour(brand.accent_color if _karaoke(timeline) else brand.primary_color)
    secondary = _ass_colour(brand.primary_color)
    fonts = caption_fonts(timeline, brand)
    styles = [(n, f.family, -1 if n.lower() in RIGHT_TO_LEFT else 1)
              for n, f in fonts.items() if n != "Default"]
    styles.insert(0, ("Default", font_name, 1))
    lines = [
        "[Script Info]", f"; font file: {brand.font_path}", "ScriptType: v4.00+",
        f"PlayResX: {wid}", f"PlayResY: {hei}", "WrapStyle: 2", "ScaledBorderAndShadow: yes",
        "", "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        *(f"Style: {name},{family},{size},{primary},{secondary},"
          f"{_ass_colour(brand.outline_color)},{_ass_colour(brand.outline_color, 0x80)},"
          f"-1,0,0,0,100,100,0,0,1,{max(2, size // 14)},1,2,{x},{wid - (x + w)},{margin_v},"
          f"{encoding}" for name, family, encoding in styles),
        "", "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    rate = timeline.rate
    for c in timeline.captions:
        text = _karaoke_text(c, rate) if c.style == "karaoke" and c.words else \
            "\\N".join(_escape(line) for line in _cue_lines(c))
        if not text:
            continue
        style = _style_of(c, brand)[0] if len(styles) > 1 else "Default"
        lines.append(f"Dialogue: 0,{_ass_time(rate, c.start)},{_ass_time(rate, c.end)},"
                     f"{style},,0,0,0,,{text}")
    return "\n".join(lines) + "\n"


def _karaoke(timeline: Timeline) -> bool:
    return any(c.style == "karaoke" for c in timeline.captions)


def _karaoke_text(c: Caption, rate: FrameRate) -> str:
    """``{\\kNN}`` per word in centiseconds; pauses before a word go into a silent ``\\k``.
    The line break falls where the caption's first line ends: at a space, between two words
    written together, or inside a word of an unspaced script."""
    parts: list[str] = []
    cursor = c.start
    text, starts = joined([w.text for w in c.words])
    brk = len(c.lines[0]) if len(c.lines) > 1 else -1
    for i, w in enumerate(c.words):
        if i > 0:
            if (brk == starts[i] - 1 and text[brk] == " ") or (
                    brk == starts[i] and text[brk - 1] != " "):
                parts.append("\\N")
            elif starts[i] - starts[i - 1] > len(c.words[i - 1].text):
                parts.append(" ")
        if w.start > cursor:
            parts.append(f"{{\\k{_cs(rate, w.start - cursor)}}}")
        inside = brk - starts[i]
        shown = (_escape(w.text[:inside]) + "\\N" + _escape(w.text[inside:])
                 if 0 < inside < len(w.text) else _escape(w.text))
        parts.append(f"{{\\k{_cs(rate, max(w.end - w.start, 1))}}}{shown}")
        cursor = max(cursor, w.end)
    return "".join(parts)


def _cs(rate: FrameRate, frames: int) -> int:
    return max(1, round(rate.exact(frames) * 100))


# After a backslash: libass reads \\N, \\n and \\h as breaks and spaces, and has no escape
# for the backslash itself ("\\\\N" is a backslash and a line break), so a word joiner
# (zero-width, invisible) keeps every backslash literal.
_WORD_JOINER = "\u2060"


def _escape(text: str) -> str:
    """Text for an ASS event: one plain line, braces (override blocks) made parentheses."""
    return (plain_line(text).replace("\\", "\\" + _WORD_JOINER)
            .replace("{", "(").replace("}", ")"))

