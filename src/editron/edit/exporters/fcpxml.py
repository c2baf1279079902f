"""Final Cut Pro XML, version 1.10, written directly.

The OTIO ``fcpx_xml`` adapter writes version 1.8 (``src`` on ``asset``, removed in 1.9) and
fails on NTSC rates, so this module writes the document itself: one ``format`` per rate and
size, one ``asset`` per file with a ``media-rep`` and its timecode as ``start``, and a project
whose spine holds ``asset-clip``s (video and audio linked in one element, as Final Cut
expects). Times are exact rationals (``frames*den/num s``), so every edit lands on its frame at
23.976 and 29.97 as well. The sequence starts at its record timecode (``tcStart``, drop-frame
at 29.97/59.94) and the spine's offsets count from there.

Each clip's reframe is an ``adjust-transform`` keyframed where the render's window moves
(``motion``): Final Cut first fits the asset inside the frame (its default spatial conform),
so ``scale`` is the render's scale over that fit, and ``position`` is the offset of the
source's centre in percent of the frame height (x right, y up). Captions, brand titles, the
logo and the music bed are connected to the spine clips (``fcpxml_story``). The cameras of a
synced group are one multicam ``media`` and their clips ``mc-clip``s of it, so the editor can
switch angles in Final Cut (``fcpxml_multicam``); there the reframe sits on the picture's
``mc-source``, and a clip whose sound is another camera's (a moment cut between angles over
one microphone) picks that camera's angle for its audio. A sound the multicam cannot give (a
file outside the group, or a clip without a group) is a connected audio ``asset-clip`` of the
sound file under the clip, lane -2.

Final Cut projects run at 23.98, 24, 25, 29.97, 30, 47.95, 48, 50, 59.94 and 60 fps (the
rates of the 1.10 DTD's ``conform-rate``). A 12, 15 or 20 fps timeline is written in a project
at 24, 30 or 60 fps, where each of its frames lasts exactly two (three) project frames, so every
cut stays on its frame; no project rate holds a 120 fps timeline's frames, so that one export
is unavailable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

from editron.domain.timecode import is_drop_frame
from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.edit.conform import (
    clip_label,
    file_stem,
    media_rate,
    record_start,
    source_offset,
    title,
)
from editron.edit.exporters.base import Exporter, PathMode, media_url, register
from editron.edit.exporters.fcpxml_multicam import (
    CameraGroup,
    camera_groups,
    mc_clip,
    multicam_media,
)
from editron.edit.exporters.fcpxml_story import Story, decimal, fcpx_time
from editron.edit.exporters.motion import clip_motion

__all__ = ["FCPXML_VERSION", "FcpxmlExporter", "fcpx_time", "project_rate"]

FCPXML_VERSION = "1.10"
PROJECT_RATES = ((24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (48000, 1001),
                 (48, 1), (50, 1), (60000, 1001), (60, 1))
_NAMED_RATES = {(24000, 1001): "2398", (24, 1): "24", (25, 1): "25", (30000, 1001): "2997",
                (30, 1): "30", (50, 1): "50", (60000, 1001): "5994", (60, 1): "60"}


def project_rate(rate: FrameRate) -> FrameRate | None:
    """The Final Cut project rate that holds every frame of ``rate``: itself, or the
    smallest whole multiple Final Cut offers; ``None`` when there is none."""
    for num, den in PROJECT_RATES:
        ratio = FrameRate(num, den)
        multiple = (ratio.num * rate.den) / (ratio.den * rate.num)
        if abs(multiple - round(multiple)) < 1e-9 and round(multiple) >= 1:
            return ratio
    return None


class _Formats:
    def __init__(self, resources: ET.Element) -> None:
        self._resources = resources
        self._ids: dict[tuple[int, int, int, int], str] = {}

    def get(self, rate: FrameRate, width: int, height: int, next_id: int) -> tuple[str, int]:
        key = (rate.num, rate.den, width, height)
        if key in self._ids:
            return self._ids[key], next_id
        fid = f"r{next_id}"
        attrs = {"id": fid, "frameDuration": f"{rate.den}/{rate.num}s", "width": str(width),
                 "height": str(height)}
        named = _NAMED_RATES.get((rate.num, rate.den))
        if named and (width, height) == (1920, 1080):
            attrs["name"] = f"FFVideoFormat1080p{named}"
        ET.SubElement(self._resources, "format", attrs)
        self._ids[key] = fid
        return fid, next_id + 1


def _asset(resources: ET.Element, info: MediaInfo, tl: Timeline, fmt: str, aid: str,
           url: str) -> None:
    own = media_rate(info, tl.rate)
    asset = ET.SubElement(resources, "asset", {
        "id": aid, "name": file_stem(info), "uid": info.file_id,
        "start": fcpx_time(source_offset(info, tl.rate), tl.rate),
        "duration": fcpx_time(own.frames_floor(info.duration), own),
        "hasVideo": "1", "format": fmt, "videoSources": "1",
        "hasAudio": "1" if info.has_audio else "0",
        **({"audioSources": "1", "audioChannels": str(max(1, info.audio_channels)),
            "audioRate": "48000"} if info.has_audio else {}),
    })
    ET.SubElement(asset, "media-rep", {"kind": "original-media", "src": url})


def _fit(width: int, height: int, into: tuple[int, int]) -> float:
    """Final Cut's default spatial conform: the picture fitted whole inside ``into``."""
    return min(into[0] / width, into[1] / height)


def _transform(element: ET.Element, clip: Clip, info: MediaInfo, tl: Timeline, *,
               fit: float, base: int) -> None:
    """The render's reframe; ``fit`` is how Final Cut already scaled the picture into the
    project frame, ``base`` the clip's first frame in its local time (the keyframes' clock)."""
    motion = clip_motion(clip, info, tl.width, tl.height)
    scale = decimal(motion.scale / fit)

    def position(dx: float, dy: float) -> str:
        return f"{decimal(100 * dx / tl.height)} {decimal(-100 * dy / tl.height)}"

    first = motion.path[0]
    attrs = {"scale": f"{scale} {scale}"}
    if not motion.moves:
        attrs["position"] = position(first.dx, first.dy)
    if not motion.moves and attrs["scale"] == "1.0000 1.0000" and \
            attrs["position"] == "0.0000 0.0000":
        return  # Final Cut's own fit already is the render's picture
    transform = ET.SubElement(element, "adjust-transform", attrs)
    if motion.moves:
        param = ET.SubElement(transform, "param", {"name": "position"})
        keys = ET.SubElement(param, "keyframeAnimation")
        for p in motion.path:
            ET.SubElement(keys, "keyframe", {"time": fcpx_time(base + p.frame, tl.rate),
                                             "value": position(p.dx, p.dy)})


_Multicams = dict[str, tuple[CameraGroup, str, tuple[int, int]]]


def _add_multicams(resources: ET.Element, tl: Timeline, formats: _Formats,
                   assets: dict[str, str], next_id: int) -> tuple[_Multicams, int]:
    """A multicam ``media`` per synced group; each grouped camera's group, media id and the
    multicam's frame size."""
    found: _Multicams = {}
    for group in camera_groups(tl):
        first = tl.media[group.cameras[0]]
        size = (first.width, first.height)
        fmt, next_id = formats.get(project_rate(tl.rate) or tl.rate, *size, next_id)
        media_id = f"r{next_id}"
        next_id += 1
        multicam_media(resources, tl, group, media_id, fmt, assets)
        found.update({f: (group, media_id, size) for f in group.cameras})
    return found, next_id


def _sound(clip: Clip, tl: Timeline) -> str | None:
    """The file whose sound plays under ``clip`` (``None``: the clip is silent)."""
    return clip.sound_file if clip.audio and tl.media[clip.sound_file].has_audio else None


def _angle_sound(clip: Clip, tl: Timeline, group: CameraGroup) -> str | None:
    """The multicam angle whose sound plays under ``clip``: its sound file when that is a
    camera of the group sitting on the group clock where the clip's sound starts (``None``:
    silent, or the sound is connected to the clip instead)."""
    sound = _sound(clip, tl)
    if sound is None or sound == clip.file_id:
        return sound
    in_step = sound in group.offsets and (
        group.offsets[sound] + clip.sound_start == group.start_of(clip))
    return sound if in_step else None


def _connect_sound(element: ET.Element, clip: Clip, tl: Timeline, assets: dict[str, str],
                   at: int) -> None:
    """Another file's sound under ``clip`` as a connected audio ``asset-clip`` (lane -2, under
    the music bed's -1) from ``sound_start``; ``at`` is the parent's own time at its first
    frame, where the connected clip's ``offset`` counts."""
    rate = tl.rate
    info = tl.media[clip.sound_file]
    ET.SubElement(element, "asset-clip", {
        "ref": assets[clip.sound_file], "lane": "-2", "offset": fcpx_time(at, rate),
        "name": f"{clip_label(tl, clip)} sound",
        "start": fcpx_time(source_offset(info, rate) + clip.sound_start, rate),
        "duration": fcpx_time(clip.duration, rate), "srcEnable": "audio",
        "audioRole": "dialogue"})


def _mc_spine_clip(spine: ET.Element, tl: Timeline, clip: Clip, multicams: _Multicams,
                   assets: dict[str, str], start: int) -> ET.Element:
    """``clip`` as an ``mc-clip`` of its group's multicam, with the reframe on its picture's
    ``mc-source`` and a sound the multicam cannot give connected to it."""
    info = tl.media[clip.file_id]
    group, media_id, size = multicams[clip.file_id]
    audio = _angle_sound(clip, tl, group)
    element, source = mc_clip(spine, tl, clip, group, media_id, start, audio=audio)
    # the angle is fitted into the multicam's frame, the multicam into the project's
    _transform(source, clip, info, tl, base=group.start_of(clip),
               fit=_fit(info.width, info.height, size) * _fit(*size, (tl.width, tl.height)))
    if audio is None and _sound(clip, tl) is not None:
        _connect_sound(element, clip, tl, assets, group.start_of(clip))
    return element


def _spine(sequence: ET.Element, tl: Timeline, assets: dict[str, str], start: int,
           multicams: _Multicams) -> list[tuple[Clip, ET.Element]]:
    spine = ET.SubElement(sequence, "spine")
    placed: list[tuple[Clip, ET.Element]] = []
    rate = tl.rate
    frame = (tl.width, tl.height)
    for clip in tl.clips:
        info = tl.media[clip.file_id]
        if clip.file_id in multicams:
            placed.append((clip, _mc_spine_clip(spine, tl, clip, multicams, assets, start)))
            continue
        attrs = {
            "ref": assets[clip.file_id], "offset": fcpx_time(start + clip.record_start, rate),
            "name": clip_label(tl, clip),
            "start": fcpx_time(source_offset(info, rate) + clip.source_start, rate),
            "duration": fcpx_time(clip.duration, rate),
            "tcFormat": "DF" if is_drop_frame(rate) else "NDF",
        }
        sound = _sound(clip, tl)
        if sound == clip.file_id:
            attrs["audioRole"] = "dialogue"
        else:
            attrs["srcEnable"] = "video"
        element = ET.SubElement(spine, "asset-clip", attrs)
        _transform(element, clip, info, tl, fit=_fit(info.width, info.height, frame),
                   base=source_offset(info, rate) + clip.source_start)
        if sound is not None and sound != clip.file_id:
            _connect_sound(element, clip, tl, assets, source_offset(info, rate)
                           + clip.source_start)
        placed.append((clip, element))
    return placed


@register
class FcpxmlExporter(Exporter):
    NAME: ClassVar[str] = "fcpxml"
    EXTENSION: ClassVar[str] = "fcpxml"
    MEDIA_TYPE: ClassVar[str] = "application/xml"
    LABEL: ClassVar[str] = "the FCPXML (Final Cut Pro)"

    def unavailable(self, timeline: Timeline) -> str | None:
        if project_rate(timeline.rate) is not None:
            return None
        return (f"Final Cut Pro projects run at 23.98 to 60 fps and none holds every frame of "
                f"a {timeline.rate} fps timeline")

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        tl, rate = timeline, timeline.rate
        root = ET.Element("fcpxml", {"version": FCPXML_VERSION})
        resources = ET.SubElement(root, "resources")
        formats = _Formats(resources)
        seq_format, next_id = formats.get(project_rate(rate) or rate, tl.width, tl.height, 1)
        assets: dict[str, str] = {}
        for file_id in dict.fromkeys([c.file_id for c in tl.clips]
                                     + [f for c in tl.clips for f, _ in c.angles]
                                     + [c.sound_file for c in tl.clips if c.audio]):
            info = tl.media[file_id]
            fmt, next_id = formats.get(media_rate(info, rate), info.width, info.height,
                                       next_id)
            assets[file_id] = f"r{next_id}"
            _asset(resources, info, tl, fmt, f"r{next_id}",
                   media_url(info, path_mode=path_mode, relative_to=relative_to, timeline=tl))
            next_id += 1
        multicams, next_id = _add_multicams(resources, tl, formats, assets, next_id)
        story = Story(tl, resources, next_id, path_mode=path_mode, relative_to=relative_to)
        name = title(tl)
        library = ET.SubElement(root, "library")
        event = ET.SubElement(library, "event", {"name": name})
        project = ET.SubElement(event, "project", {"name": name})
        start = record_start(tl)
        sequence = ET.SubElement(project, "sequence", {
            "format": seq_format, "duration": fcpx_time(tl.duration_frames, rate),
            "tcStart": fcpx_time(start, rate), "tcFormat": "DF" if is_drop_frame(rate) else
            "NDF", "audioLayout": "stereo", "audioRate": "48k"})
        story.connect(_spine(sequence, tl, assets, start, multicams))
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n{body}\n'
