"""The FCPXML items connected to the spine: captions, brand titles, the logo and the music bed.

Each is anchored to the spine clip under its first frame, its ``offset`` in that clip's local
time (the clip's ``start`` plus the frames since the clip's record start), the way Final Cut
writes connected clips; it may run past its parent.

- Captions: ``caption`` elements on the iTT English caption role (FCPXML has had captions
  since 1.8), lane 1, one text style per caption.
- Title card, lower third and outro card: ``title`` elements on Final Cut's Basic Title and
  Basic Lower Third, over exactly the frames the render draws them (``render.graph._cards``).
- Logo: the image as a connected ``video`` over the whole timeline, scaled and placed in its
  corner as the render overlays it, at the brand's opacity.
- Music bed: a connected audio ``asset-clip`` under the spine (lane -1) on the music role,
  its gain and ducking as ``adjust-volume`` keyframes (bed gain plus ducking, in dB).
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

from editron.domain.timeline import LOGO_WIDTH_SHARE, LOWER_THIRD_SECONDS, Clip, FrameRate, Timeline
from editron.edit.exporters.base import PathMode, path_url

__all__ = ["Story", "decimal", "fcpx_time",
           "image_size"]

CAPTION_ROLE = "iTT?captionFormat=ITT.en"
_TITLES = ".../Titles.localized"
BASIC_TITLE = f"{_TITLES}/Bumper:Opener.localized/Basic Title.localized/Basic Title.moti"
LOWER_THIRD = (f"{_TITLES}/Lower Thirds.localized/Basic Lower Third.localized/"
               "Basic Lower Third.moti")


def fcpx_time(frames: int, rate: FrameRate) -> str:
    """A frame count as FCPXML rational seconds at ``rate`` (``0s`` for zero)."""
    if frames == 0:
        return "0s"
    if rate.den == 1:
        return f"{frames}/{rate.num}s" if frames % rate.num else f"{frames // rate.num}s"
    return f"{frames * rate.den}/{rate.num}s"


def decimal(value: float) -> str:
    """Four decimals, and never ``-0.0000``."""
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def _time(frames: int, tl: Timeline) -> str:
    return fcpx_time(frames, tl.rate)


def _rgba(hex_colour: str, alpha: float = 1.0) -> str:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return f"{r:.4g} {g:.4g} {b:.4g} {alpha:.4g}"


def image_size(path: str) -> tuple[int, int] | None:
    """The pixel size of a PNG or JPEG from its header, or ``None``."""
    try:
        data = Path(path).read_bytes()[:65536]
    except OSError:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    i = 2
    while data[:2] == b"\xff\xd8" and i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return int(w), int(h)
        i += 2 + length
    return None


class Story:
    """Adds the connected items' resources now and the items once the spine exists."""

    def __init__(self, tl: Timeline, resources: ET.Element, next_id: int, *,
                 path_mode: PathMode, relative_to: str | None) -> None:
        self.tl = tl
        self._resources = resources
        self._next = next_id
        self._mode, self._rel = path_mode, relative_to
        self._styles = 0
        brand = tl.brand
        self._title = self._effect("Basic Title", BASIC_TITLE) if brand and (
            brand.title_card or brand.outro_card) else None
        self._lower = self._effect("Basic Lower Third", LOWER_THIRD) if brand and \
            brand.lower_third else None
        self._logo = self._image_asset(brand.logo_path) if brand and brand.logo_path else None
        self._music = self._audio_asset(tl.music.path) if tl.music is not None else None

    def _id(self) -> str:
        rid = f"r{self._next}"
        self._next += 1
        return rid

    def _effect(self, name: str, uid: str) -> str:
        rid = self._id()
        ET.SubElement(self._resources, "effect", {"id": rid, "name": name, "uid": uid})
        return rid

    def _url(self, path: str) -> str:
        return path_url(path, path_mode=self._mode, relative_to=self._rel, timeline=self.tl)

    def _image_asset(self, path: str) -> tuple[str, tuple[int, int] | None]:
        size = image_size(path)
        fmt = self._id()
        attrs = {"id": fmt, "name": "FFVideoFormatRateUndefined"}
        if size is not None:
            attrs.update(width=str(size[0]), height=str(size[1]))
        ET.SubElement(self._resources, "format", attrs)
        rid = self._id()
        asset = ET.SubElement(self._resources, "asset", {
            "id": rid, "name": Path(path).stem, "start": "0s", "duration": "0s",
            "hasVideo": "1", "format": fmt, "videoSources": "1"})
        ET.SubElement(asset, "media-rep", {"kind": "original-media", "src": self._url(path)})
        return rid, size

    def _audio_asset(self, path: str) -> str:
        rid = self._id()
        asset = ET.SubElement(self._resources, "asset", {
            "id": rid, "name": Path(path).stem, "start": "0s", "hasVideo": "0",
            "hasAudio": "1", "audioSources": "1", "audioChannels": "2", "audioRate": "48000"})
        ET.SubElement(asset, "media-rep", {"kind": "original-media", "src": self._url(path)})
        return rid

    def connect(self, placed: list[tuple[Clip, ET.Element]]) -> None:
        if not placed:
            return
        self._placed = placed
        for i, cap in enumerate(self.tl.captions, start=1):
            parent, offset = self._anchor(cap.start)
            element = ET.SubElement(parent, "caption", {
                "lane": "1", "offset": offset, "name": f"caption {i}",
                "duration": _time(cap.end - cap.start, self.tl), "role": CAPTION_ROLE})
            self._text(element, cap.text, {"font": "Helvetica", "fontSize": "13",
                                           "fontFace": "Regular", "fontColor": "1 1 1 1",
                                           "backgroundColor": "0 0 0 1"},
                       text_attrs={"placement": "bottom"})
        self._cards()
        self._add_logo()
        self._add_music()

    def _anchor(self, frame: int) -> tuple[ET.Element, str]:
        """The spine clip under record frame ``frame`` and the offset there."""
        clip, element = self._placed[0]
        for c, e in self._placed:
            if c.record_start <= frame:
                clip, element = c, e
        base = _frames_of(element.get("start", "0s"), self.tl)
        return element, _time(base + frame - clip.record_start, self.tl)

    def _text(self, element: ET.Element, text: str, style: dict[str, str], *,
              text_attrs: dict[str, str] | None = None) -> None:
        self._styles += 1
        sid = f"ts{self._styles}"
        holder = ET.SubElement(element, "text", text_attrs or {})
        ET.SubElement(holder, "text-style", {"ref": sid}).text = text
        ET.SubElement(ET.SubElement(element, "text-style-def", {"id": sid}), "text-style",
                      style)

    def _cards(self) -> None:
        tl, brand = self.tl, self.tl.brand
        if brand is None:
            return
        total = tl.duration_frames
        card = min(tl.rate.frames(brand.card_seconds), total)
        short = min(tl.width, tl.height)
        spans: list[tuple[str | None, str, str, int, int, int, str]] = []
        if brand.title_card:
            spans.append((self._title, "title card", brand.title_card, 0, card,
                          round(short * 0.09), brand.primary_color))
        if brand.lower_third:
            start = card if brand.title_card else 0
            end = min(total, start + tl.rate.frames(LOWER_THIRD_SECONDS))
            spans.append((self._lower, "lower third", brand.lower_third, start, end,
                          round(short * 0.05), brand.accent_color))
        if brand.outro_card:
            spans.append((self._title, "outro card", brand.outro_card, total - card, total,
                          round(short * 0.08), brand.primary_color))
        for ref, name, text, first, end, size, colour in spans:
            if ref is None or end <= first:
                continue
            parent, offset = self._anchor(first)
            element = ET.SubElement(parent, "title", {
                "ref": ref, "lane": "2", "offset": offset, "name": name,
                "duration": _time(end - first, tl), "role": "titles"})
            self._text(element, text, {"font": brand.font_name, "fontSize": str(max(8, size)),
                                       "fontColor": _rgba(colour),
                                       "strokeColor": _rgba(brand.outline_color),
                                       # the render centres the cards, sets the third left
                                       "alignment": "left" if ref == self._lower
                                       else "center"})

    def _add_logo(self) -> None:
        tl, brand = self.tl, self.tl.brand
        if self._logo is None or brand is None:
            return
        rid, size = self._logo
        parent, offset = self._anchor(0)
        element = ET.SubElement(parent, "video", {
            "ref": rid, "lane": "3", "offset": offset, "name": "logo",
            "duration": _time(tl.duration_frames, tl)})
        if size is not None:
            self._place_logo(element, size)
        opacity = min(1.0, max(0.0, brand.logo_opacity))
        ET.SubElement(element, "adjust-blend", {"amount": f"{opacity:.4g}"})

    def _place_logo(self, element: ET.Element, size: tuple[int, int]) -> None:
        """The render's overlay: 12 % of the frame width, a margin of 4 % of the short side."""
        tl, brand = self.tl, self.tl.brand
        assert brand is not None
        iw, ih = size
        width = max(2, round(tl.width * LOGO_WIDTH_SHARE / 2) * 2)
        height = width * ih / iw
        margin = round(min(tl.width, tl.height) * 0.04)
        left = margin if brand.logo_position.endswith("left") else tl.width - width - margin
        top = margin if brand.logo_position.startswith("top") else tl.height - height - margin
        fit = min(tl.width / iw, tl.height / ih)
        scale = width / (iw * fit)
        dx = left + width / 2 - tl.width / 2
        dy = top + height / 2 - tl.height / 2
        ET.SubElement(element, "adjust-transform", {
            "position": f"{decimal(100 * dx / tl.height)} {decimal(-100 * dy / tl.height)}",
            "scale": f"{decimal(scale)} {decimal(scale)}"})

    def _add_music(self) -> None:
        tl, music = self.tl, self.tl.music
        if self._music is None or music is None:
            return
        parent, offset = self._anchor(0)
        element = ET.SubElement(parent, "asset-clip", {
            "ref": self._music, "lane": "-1", "offset": offset, "name": "music bed",
            "start": "0s", "duration": _time(tl.duration_frames, tl), "audioRole": "music"})
        volume = ET.SubElement(element, "adjust-volume", {"amount": f"{music.gain_db:.2f}dB"})
        if music.ducking:
            keys = ET.SubElement(ET.SubElement(volume, "param", {"name": "amount"}),
                                 "keyframeAnimation")
            for key in music.ducking:
                ET.SubElement(keys, "keyframe", {
                    "time": _time(key.frame, tl),
                    "value": f"{music.gain_db + key.gain_db:.2f}dB", "curve": "linear"})


def _frames_of(value: str, tl: Timeline) -> int:
    seconds = Fraction(0) if value == "0s" else Fraction(value.rstrip("s"))
    return round(seconds * tl.rate.num / tl.rate.den)
