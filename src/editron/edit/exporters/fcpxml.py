"""Final Cut Pro XML, version 1.10, written directly.

The OTIO ``fcpx_xml`` adapter writes version 1.8 (``src`` on ``asset``, removed in 1.9) and
fails on NTSC rates, so this module writes the document itself: one ``format`` per rate, one
``asset`` per file with a ``media-rep``, and a project whose spine holds ``asset-clip``s (video
and audio linked in one element, as Final Cut expects). Times are exact rationals
(``frames*den/num s``), so every edit lands on its frame at 23.976 and 29.97 as well.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

from editron.domain.timeline import FrameRate, MediaInfo, Timeline
from editron.edit.exporters.base import Exporter, PathMode, media_url, register

__all__ = ["FCPXML_VERSION", "FcpxmlExporter", "fcpx_time"]

FCPXML_VERSION = "1.10"
_NAMED_RATES = {(24000, 1001): "2398", (24, 1): "24", (25, 1): "25", (30000, 1001): "2997",
                (30, 1): "30", (50, 1): "50", (60000, 1001): "5994", (60, 1): "60"}


def fcpx_time(frames: int, rate: FrameRate) -> str:
    """A frame count as FCPXML rational seconds at ``rate`` (``0s`` for zero)."""
    if frames == 0:
        return "0s"
    if rate.den == 1:
        return f"{frames}/{rate.num}s" if frames % rate.num else f"{frames // rate.num}s"
    return f"{frames * rate.den}/{rate.num}s"


def _frame_duration(rate: FrameRate) -> str:
    return f"{rate.den}/{rate.num}s"


class _Formats:
    def __init__(self, resources: ET.Element) -> None:
        self._resources = resources
        self._ids: dict[tuple[int, int, int, int], str] = {}

    def get(self, rate: FrameRate, width: int, height: int, next_id: int) -> tuple[str, int]:
        key = (rate.num, rate.den, width, height)
        if key in self._ids:
            return self._ids[key], next_id
        fid = f"r{next_id}"
        attrs = {"id": fid, "frameDuration": _frame_duration(rate), "width": str(width),
                 "height": str(height)}
        named = _NAMED_RATES.get((rate.num, rate.den))
        if named and (width, height) == (1920, 1080):
            attrs["name"] = f"FFVideoFormat1080p{named}"
        ET.SubElement(self._resources, "format", attrs)
        self._ids[key] = fid
        return fid, next_id + 1


def _asset_rate(info: MediaInfo, timeline_rate: FrameRate) -> FrameRate:
    # A variable-rate file has no frame grid of its own: address it on the timeline's.
    return timeline_rate if info.is_vfr or info.fps <= 0 else FrameRate.from_fps(info.fps)


@register
class FcpxmlExporter(Exporter):
    NAME: ClassVar[str] = "fcpxml"
    EXTENSION: ClassVar[str] = "fcpxml"

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        rate = timeline.rate
        root = ET.Element("fcpxml", {"version": FCPXML_VERSION})
        resources = ET.SubElement(root, "resources")
        formats = _Formats(resources)
        seq_format, next_id = formats.get(rate, timeline.width, timeline.height, 1)
        assets: dict[str, str] = {}
        for file_id in dict.fromkeys(c.file_id for c in timeline.clips):
            info = timeline.media[file_id]
            arate = _asset_rate(info, rate)
            fmt, next_id = formats.get(arate, info.width, info.height, next_id)
            aid = f"r{next_id}"
            next_id += 1
            asset = ET.SubElement(resources, "asset", {
                "id": aid, "name": _stem(info.path), "uid": file_id, "start": "0s",
                "duration": fcpx_time(arate.frames_floor(info.duration), arate),
                "hasVideo": "1", "format": fmt,
                "hasAudio": "1" if info.has_audio else "0",
                **({"audioSources": "1", "audioChannels": "2", "audioRate": "48000"}
                   if info.has_audio else {}),
            })
            ET.SubElement(asset, "media-rep", {
                "kind": "original-media",
                "src": media_url(info, path_mode=path_mode, relative_to=relative_to,
                                 timeline=timeline)})
            assets[file_id] = aid
        library = ET.SubElement(root, "library")
        event = ET.SubElement(library, "event", {"name": timeline.name})
        project = ET.SubElement(event, "project", {"name": timeline.name})
        sequence = ET.SubElement(project, "sequence", {
            "format": seq_format, "duration": fcpx_time(timeline.duration_frames, rate),
            "tcStart": "0s", "tcFormat": "NDF", "audioLayout": "stereo", "audioRate": "48k"})
        spine = ET.SubElement(sequence, "spine")
        for clip in timeline.clips:
            info = timeline.media[clip.file_id]
            attrs = {
                "ref": assets[clip.file_id], "offset": fcpx_time(clip.record_start, rate),
                "name": clip.name or _stem(info.path),
                "start": fcpx_time(clip.source_start, rate),
                "duration": fcpx_time(clip.duration, rate), "tcFormat": "NDF",
            }
            if info.has_audio and clip.audio:
                attrs["audioRole"] = "dialogue"
            else:
                attrs["srcEnable"] = "video"
            element = ET.SubElement(spine, "asset-clip", attrs)
            if clip.crop and not clip.pad_blur and clip.crop[0].w < info.width - 0.5:
                _transform(element, clip.crop[0].x, clip.crop[0].w, clip.crop[0].h, info,
                           timeline)
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n{body}\n'


def _transform(element: ET.Element, x: float, w: float, h: float, info: MediaInfo,
               timeline: Timeline) -> None:
    """A static reframe: scale the source so the crop window fills the frame, shift it to the
    window's centre (FCP positions are in percent of the frame height from its centre)."""
    fit = min(timeline.width / info.width, timeline.height / info.height)
    scale = (timeline.height / h) / fit
    shift_px = (info.width / 2 - (x + w / 2)) * (timeline.height / h)
    pos = 100.0 * shift_px / timeline.height
    ET.SubElement(element, "adjust-transform",
                  {"position": f"{pos:.4f} 0", "scale": f"{scale:.4f} {scale:.4f}"})


def _stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name
