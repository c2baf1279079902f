"""Which writing system a caption is in, and how its lines may break (pure).

A caption's script picks its font (``story.fonts``) and says whether it runs right to left
(Arabic, Hebrew: the burn-in's style lets libass find the base direction) and whether its
words are written without spaces between them (Chinese, Japanese, Thai...: lines break between
characters, by the basic kinsoku rules, and words join without a space).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Literal

__all__ = ["NO_LINE_END", "NO_LINE_START", "RIGHT_TO_LEFT", "UNSPACED", "Script",
           "caption_script", "char_script", "columns", "joins_without_space"]

Script = Literal["latin", "greek", "cyrillic", "arabic", "hebrew", "cjk", "hangul", "thai",
                 "devanagari", "other"]

RIGHT_TO_LEFT: frozenset[Script] = frozenset({"arabic", "hebrew"})
UNSPACED: frozenset[Script] = frozenset({"cjk", "thai"})

# Basic kinsoku (JIS X 4051): closing marks and small kana never start a line, opening marks
# never end one.
NO_LINE_START = frozenset("、。，．,.!?！？：；:;）)]｝}〕〉》」』】〙〗〟’”»"
                          "ヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ"
                          "・…‥々〻ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ")
NO_LINE_END = frozenset("（([｛{〔〈《「『【〘〖〝‘“«")

# Code point blocks (first, last, script), in order.
_BLOCKS: tuple[tuple[int, int, Script], ...] = (
    (0x0041, 0x024F, "latin"), (0x0370, 0x03FF, "greek"), (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"), (0x0900, 0x097F, "devanagari"), (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "hangul"), (0x1E00, 0x1EFF, "latin"), (0x1F00, 0x1FFF, "greek"),
    (0x2E80, 0x2FDF, "cjk"), (0x3000, 0x30FF, "cjk"), (0x3100, 0x312F, "cjk"),
    (0x3130, 0x318F, "hangul"), (0x31A0, 0x31FF, "cjk"), (0x3400, 0x4DBF, "cjk"),
    (0x4E00, 0x9FFF, "cjk"), (0xAC00, 0xD7AF, "hangul"), (0xF900, 0xFAFF, "cjk"),
    (0xFB1D, 0xFB4F, "hebrew"), (0xFB50, 0xFDFF, "arabic"), (0xFE30, 0xFE4F, "cjk"),
    (0xFE70, 0xFEFF, "arabic"), (0xFF00, 0xFFEF, "cjk"), (0x20000, 0x3134F, "cjk"),
)


def char_script(ch: str) -> Script | None:
    """The script of one letter or ideograph; None for digits, punctuation and spaces (they
    belong to whatever surrounds them), "other" for a letter of any other script."""
    cp = ord(ch)
    for first, last, script in _BLOCKS:
        if first <= cp <= last:
            # punctuation and symbols inside a block (the ideographic full stop, fullwidth
            # forms) are still that block's, so a CJK line keeps its kinsoku marks
            return script if ch.isalpha() or script == "cjk" else None
    return "other" if ch.isalpha() else None


def caption_script(texts: Iterable[str]) -> Script:
    """The script most of the letters are in (Latin when there are none)."""
    counts = Counter(s for text in texts for ch in text if (s := char_script(ch)) is not None)
    if not counts:
        return "latin"
    return counts.most_common(1)[0][0]


def joins_without_space(left: str, right: str) -> bool:
    """Whether two neighbouring words are written together: either side of the join is in a
    script written without spaces (Japanese sets "Auroraの発売" and "。Thank" solid; Whisper
    gives "。" as a word of its own)."""
    if not left or not right:
        return False
    a = char_script(left[-1]) or _last_script(left)
    b = char_script(right[0]) or _first_script(right)
    return a in UNSPACED or b in UNSPACED


def _last_script(text: str) -> Script | None:
    return next((s for ch in reversed(text) if (s := char_script(ch)) is not None), None)


def _first_script(text: str) -> Script | None:
    return next((s for ch in text if (s := char_script(ch)) is not None), None)


def columns(text: str) -> int:
    """How wide a line reads: a wide (East Asian) character counts as two columns, so 42
    columns hold 21 ideographs."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
