"""Burned captions in right-to-left and CJK scripts, as ffmpeg's libass draws them with the
ASS file and fonts folder the render gives it: Arabic letters joined (the same text with a
zero-width non-joiner between the letters, which stops joining, comes out wider), Hebrew
laid out right to left, Japanese drawn from the CJK font rather than empty boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from editron.domain.timeline import Caption, FrameRate, Timeline
from editron.edit.captions import burn_in_fonts, safe_area, to_ass
from editron.render.graph_overlays import burned_captions
from editron.story.styles import default_brand
from tests.media_factory import run_ffmpeg

RATE = FrameRate(25)
W, H = 1280, 720
ARABIC = "مرحبا بكم في الحفل"
HEBREW = "שלום לכולם"
ZWNJ = "\u200c"


def _burn(text: str, folder: Path, name: str) -> npt.NDArray[np.bool_]:
    """One frame of black with ``text`` burned in: the lit pixels."""
    cap = Caption(0, 25, (text,), (), "standard", safe_area("16:9", W, H))
    tl = Timeline("T", "recap", 1, "16:9", W, H, RATE, (), {}, (cap,))
    brand = default_brand()
    ass = folder / f"{name}.ass"
    ass.write_text(to_ass(tl, brand, font_name=brand.font_name), encoding="utf-8")
    fonts = burn_in_fonts(tl, folder / f"fonts-{name}")
    png = folder / f"{name}.png"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=black:s={W}x{H}:d=1:r=25",
                "-vf", burned_captions(ass, brand, fonts), "-frames:v", "1", str(png)])
    lit: npt.NDArray[np.bool_] = np.asarray(Image.open(png).convert("L")) > 128
    assert lit.any(), f"nothing drawn for {name}"
    return lit


def _width(lit: npt.NDArray[np.bool_]) -> int:
    cols = np.flatnonzero(lit.any(axis=0))
    return int(cols[-1] - cols[0] + 1)


def test_arabic_letters_are_joined(tmp_path: Path) -> None:
    shaped = _burn(ARABIC, tmp_path, "shaped")
    apart = _burn(ZWNJ.join(ARABIC), tmp_path, "apart")
    assert not np.array_equal(shaped, apart)
    # joined letters take their connected forms: the line is clearly narrower
    assert _width(shaped) < 0.9 * _width(apart), (_width(shaped), _width(apart))


def test_hebrew_runs_right_to_left(tmp_path: Path) -> None:
    drawn = _burn(HEBREW, tmp_path, "he")
    right_to_left = _burn("\u202e" + HEBREW + "\u202c", tmp_path, "rlo")  # forced RTL
    left_to_right = _burn("\u202d" + HEBREW + "\u202c", tmp_path, "lro")  # forced LTR
    assert np.array_equal(drawn, right_to_left)
    assert not np.array_equal(drawn, left_to_right)


def test_japanese_is_drawn_from_the_cjk_font(tmp_path: Path) -> None:
    # A font without the glyphs draws each as the same box (or nothing): two lines of
    # different ideographs, equally long, would come out the same.
    first = _burn("皆さんありがとう", tmp_path, "ja1")
    second = _burn("本当に新製品発表", tmp_path, "ja2")
    assert not np.array_equal(first, second)
    assert _width(first) > 8 * 20  # eight full-width characters of a 40 px font
