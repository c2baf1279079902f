"""Fuzzed filtergraph text: arbitrary option values go through ``escape_value`` and are read
back by ffmpeg's own parsers (the ``metadata`` filter stores a value and prints it, so what
ffmpeg parsed is compared byte for byte with what was meant); and every tricky kind of text
is really rendered, by drawtext (brand cards) and by libass (burned captions, from a folder
whose name needs escaping too)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editron.domain.timeline import Caption, FrameRate
from editron.edit.captions import safe_area, to_ass
from editron.media.ffmpeg import run_ffmpeg
from editron.render.filters import filter_spec, statement
from editron.render.graph_overlays import brand_cards, burned_captions, card_text
from editron.render.profiles import profile_for, sized_for
from editron.story.styles import default_brand
from tests.fuzz.budget import BUDGETS, fuzz_settings
from tests.fuzz.test_fuzz_captions import TRICKY, _timeline

W, H = 320, 180
RATE = FrameRate(25)
FFMPEG_TIMEOUT = 60.0

_VALUE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=" \n\t\r\\':,;[]%{}=\"", max_size=20),
    st.sampled_from(list(TRICKY.values())),
)


def _read_back(values: list[str], folder: Path) -> str:
    printed = folder / "printed.txt"
    chain = [filter_spec("metadata", {"mode": "add", "key": f"k{i}", "value": v})
             for i, v in enumerate(values)]
    chain.append(filter_spec("metadata", {"mode": "print", "file": str(printed)}))
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:size=16x16:rate=1:duration=1",
                "-filter_complex", statement(["0:v"], chain, "v"), "-map", "[v]",
                "-frames:v", "1", "-f", "null", "-"], timeout=FFMPEG_TIMEOUT,
               label="metadata read-back")
    return printed.read_bytes().decode("utf-8")  # no newline translation: "\r" is data


@pytest.mark.timeout(600)
@BUDGETS
def test_ffmpeg_parses_every_escaped_value_back_to_itself(tmp_path: Path,
                                                          examples: int) -> None:
    @fuzz_settings(examples)
    @given(st.lists(_VALUE, min_size=1, max_size=8))
    def check(values: list[str]) -> None:
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        printed = _read_back(values, folder)
        # A NUL cannot be passed to a program at all: escape_value drops it.
        body = "".join(f"k{i}={v.replace(chr(0), '')}\n" for i, v in enumerate(values))
        assert printed.split("\n", 1)[1] == body

    check()


def _frame(args: list[str], out: Path) -> bytes:
    run_ffmpeg([*args, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", str(out)],
               timeout=FFMPEG_TIMEOUT, label="tricky text render")
    data = out.read_bytes()
    assert len(data) == W * H
    return data


def _lit(frame: bytes) -> int:
    """Pixels clearly brighter than the black background."""
    return sum(1 for b in frame if b > 60)


def _background() -> list[str]:
    return ["-f", "lavfi", "-i", f"color=c=black:size={W}x{H}:rate=25:duration=1"]


@pytest.mark.parametrize("kind", sorted(TRICKY))
def test_drawtext_renders_each_tricky_kind(kind: str, tmp_path: Path) -> None:
    text = TRICKY[kind]
    brand = default_brand(title_card=text, card_seconds=1.0)
    profile = sized_for(profile_for("16:9", "mp4", name="preview"), "16:9")
    cards = brand_cards(brand, RATE, 25, profile)
    assert len(cards) == 1
    frame = _frame([*_background(), "-vf", ",".join(cards)], tmp_path / "card.gray")
    assert _lit(frame) > 50, "the title card drew nothing"


def test_a_card_with_nothing_printable_is_not_drawn(tmp_path: Path) -> None:
    # drawtext refuses empty text, which would fail the whole render.
    assert card_text("\x00\x07\r\n") == ""
    brand = default_brand(title_card="\x00\x07", lower_third=" \t", card_seconds=1.0)
    profile = sized_for(profile_for("16:9", "mp4", name="preview"), "16:9")
    assert brand_cards(brand, RATE, 25, profile) == []


@pytest.mark.parametrize("kind", sorted(TRICKY))
def test_libass_burns_each_tricky_kind_from_an_awkward_folder(kind: str,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "caps 'q' a:b,[c];d\\e %f"
    folder.mkdir()
    tl = _timeline([[TRICKY[kind]]])
    box = safe_area("16:9", W, H)
    caption = Caption(0, 25, tl.captions[0].lines, (), "standard", box)
    tl_small = type(tl)(tl.name, tl.deliverable, tl.variant, tl.aspect_ratio, W, H, RATE,
                        tl.clips, tl.media, (caption,), brand=tl.brand)
    ass = folder / "captions.ass"
    ass.write_text(to_ass(tl_small, default_brand(), font_name="Source Sans Pro"),
                   encoding="utf-8")
    burn = burned_captions(ass, default_brand())
    frame = _frame([*_background(), "-vf", burn], tmp_path / "burn.gray")
    assert _lit(frame) > 50, "libass drew nothing"
