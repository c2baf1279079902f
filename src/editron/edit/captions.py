"""Captions from word timings, re-timed to the edit, and their SRT, VTT and ASS forms.

Standard captions hold at most two lines of 42 characters and never ask for more than
17 characters a second of reading; karaoke captions keep each word's timing so the burn-in
can highlight it. A caption never crosses a cut: it lies inside the clip its words came from.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from editron.domain.analysis import TranscriptSegment
from editron.domain.timeline import BrandPod, Caption, CaptionWord, Clip, FrameRate, Timeline

__all__ = [
    "MAX_CHARS_PER_LINE",
    "MAX_LINES",
    "READING_CPS",
    "build_captions",
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


def _wrap(words: Sequence[str]) -> list[str] | None:
    """Balanced lines of at most ``MAX_CHARS_PER_LINE``, or None if more than two lines."""
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


def to_ass(timeline: Timeline, brand: BrandPod, *, font_name: str) -> str:
    """Advanced SubStation for burn-in with libass; ``fontsdir`` must point at the folder of
    ``brand.font_path`` so the bundled font is used."""
    wid, hei = timeline.width, timeline.height
    x, y, w, h = timeline.captions[0].box if timeline.captions else safe_area(
        timeline.aspect_ratio, wid, hei)
    size = round(min(wid, hei) * 0.055)
    margin_v = hei - (y + h)
    # Karaoke fills from SecondaryColour to PrimaryColour as each word is sung.
    primary = _ass_colour(brand.accent_color if _karaoke(timeline) else brand.primary_color)
    secondary = _ass_colour(brand.primary_color)
    style = (f"Style: Default,{font_name},{size},{primary},{secondary},"
             f"{_ass_colour(brand.outline_color)},{_ass_colour(brand.outline_color, 0x80)},"
             f"-1,0,0,0,100,100,0,0,1,{max(2, size // 14)},1,2,{x},{wid - (x + w)},{margin_v},1")
    lines = [
        "[Script Info]", f"; font file: {brand.font_path}", "ScriptType: v4.00+",
        f"PlayResX: {wid}", f"PlayResY: {hei}", "WrapStyle: 2", "ScaledBorderAndShadow: yes",
        "", "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        style, "", "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    rate = timeline.rate
    for c in timeline.captions:
        text = _karaoke_text(c, rate) if c.style == "karaoke" and c.words else \
            "\\N".join(_escape(line) for line in _cue_lines(c))
        if not text:
            continue
        lines.append(f"Dialogue: 0,{_ass_time(rate, c.start)},{_ass_time(rate, c.end)},"
                     f"Default,,0,0,0,,{text}")
    return "\n".join(lines) + "\n"


def _karaoke(timeline: Timeline) -> bool:
    return any(c.style == "karaoke" for c in timeline.captions)


def _karaoke_text(c: Caption, rate: FrameRate) -> str:
    """``{\\kNN}`` per word in centiseconds; pauses before a word go into a silent ``\\k``."""
    parts: list[str] = []
    cursor = c.start
    break_after = len(c.lines[0].split()) if len(c.lines) > 1 else -1
    for i, w in enumerate(c.words):
        if w.start > cursor:
            parts.append(f"{{\\k{_cs(rate, w.start - cursor)}}}")
        parts.append(f"{{\\k{_cs(rate, max(w.end - w.start, 1))}}}{_escape(w.text)}")
        cursor = max(cursor, w.end)
        if i + 1 < len(c.words):
            parts.append("\\N" if i + 1 == break_after else " ")
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

