"""What the render graph draws over the picture: the logo, the title, lower-third and outro
cards, and the burned captions (pure)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from editron.domain.timeline import LOGO_WIDTH_SHARE, LOWER_THIRD_SECONDS, BrandPod, FrameRate
from editron.errors import InputError
from editron.render.filters import (
    filter_spec,
    number,
    statement,
)
from editron.render.profiles import RenderProfile
from editron.story.styles import bundled_font_path

__all__ = [
    "brand_cards",
    "burned_captions",
    "card_text",
    "ffmpeg_colour",
    "logo_overlay",
    "overlay_format",
    "text_card",
]



def logo_overlay(brand: BrandPod, profile: RenderProfile, video: str, logo_in: str,
          out: str) -> list[str]:
    margin = round(min(profile.width, profile.height) * 0.04)
    width = max(2, round(profile.width * LOGO_WIDTH_SHARE / 2) * 2)
    left, top = str(margin), str(margin)
    right, bottom = f"main_w-overlay_w-{margin}", f"main_h-overlay_h-{margin}"
    corners = {"top-left": (left, top), "top-right": (right, top),
               "bottom-left": (left, bottom), "bottom-right": (right, bottom)}
    if brand.logo_position not in corners:
        raise InputError(f"unknown logo position {brand.logo_position!r}; use "
                         + ", ".join(corners))
    x, y = corners[brand.logo_position]
    opacity = min(1.0, max(0.0, brand.logo_opacity))
    return [statement([logo_in], ["format=rgba", filter_spec("scale", {"w": width, "h": -2}),
                                  filter_spec("colorchannelmixer", {"aa": number(opacity)})],
                      "logo"),
            statement([video, "logo"], [filter_spec("overlay", {
                "x": x, "y": y, "eof_action": "repeat",
                "format": overlay_format(profile.pix_fmt)})], out)]


def overlay_format(pix_fmt: str) -> str:
    """overlay's working format for the profile's pixel format. ``auto`` costs a tenth of a
    1080p render (measured in benchmarks/render.py); naming the format keeps a 4:2:2 10-bit
    master at 4:2:2 10-bit without it."""
    chroma = "yuv444" if pix_fmt.startswith("yuv444") else \
        "yuv422" if pix_fmt.startswith("yuv422") else "yuv420"
    return chroma + ("p10" if "10" in pix_fmt else "")


def brand_cards(brand: BrandPod, rate: FrameRate, total: int, profile: RenderProfile) -> list[str]:
    """Title card over the first ``card_seconds``, the lower third after it, the outro card
    over the last ``card_seconds``; ``n`` is the program's frame, so cards never move a cut."""
    card = min(rate.frames(brand.card_seconds), total)
    short = min(profile.width, profile.height)
    title, lower, outro = (card_text(t) for t in (brand.title_card, brand.lower_third,
                                                  brand.outro_card))
    out: list[str] = []
    if title:
        out.append(text_card(brand, title, round(short * 0.09), brand.primary_color,
                         "(w-text_w)/2", "(h-text_h)/2", 0, card - 1))
    if lower:
        start = card if title else 0
        end = min(total, start + rate.frames(LOWER_THIRD_SECONDS)) - 1
        out.append(text_card(brand, lower, round(short * 0.05), brand.accent_color,
                         "w*0.06", "h*0.64", start, end))
    if outro:
        out.append(text_card(brand, outro, round(short * 0.08), brand.primary_color,
                         "(w-text_w)/2", "(h-text_h)/2", total - card, total - 1))
    return out


def card_text(text: str | None) -> str:
    """A card's text as drawtext can draw it: line breaks kept (drawtext breaks lines there,
    a title may want two), tabs made spaces, other control characters dropped (NUL cannot be
    passed to ffmpeg at all); empty when nothing printable is left, and then no card is
    drawn (drawtext refuses empty text). Found by tests/fuzz/test_fuzz_filtergraph.py."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    kept = "".join(ch for ch in lines
                   if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept if kept.strip() else ""


def text_card(brand: BrandPod, text: str, size: int, colour: str, x: str, y: str,
          first: int, last: int) -> str:
    return filter_spec("drawtext", {
        "fontfile": brand.font_path, "text": text, "expansion": "none",
        "fontsize": max(8, size), "fontcolor": ffmpeg_colour(colour),
        "borderw": max(1, size // 16), "bordercolor": ffmpeg_colour(brand.outline_color),
        "box": 1, "boxcolor": f"{ffmpeg_colour(brand.outline_color)}@0.45",
        "boxborderw": max(2, size // 3), "x": x, "y": y,
        "enable": f"between(n,{max(0, first)},{max(0, last)})"})


def burned_captions(path: Path, brand: BrandPod | None, fonts: Path | None = None) -> str:
    """libass over the picture with the fonts in ``fonts`` (default: the brand font's
    folder); its complex shaper (HarfBuzz, the default when built in) joins Arabic letters."""
    if fonts is None:
        fonts = Path(brand.font_path).parent if brand is not None else bundled_font_path().parent
    return filter_spec("ass", {"filename": str(path), "fontsdir": str(fonts)})


def ffmpeg_colour(hex_colour: str) -> str:
    return "0x" + hex_colour.lstrip("#").upper()
