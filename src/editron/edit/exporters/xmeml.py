"""Premiere Pro / DaVinci Resolve XML (Final Cut Pro 7 ``xmeml`` version 4), written directly.

OpenTimelineIO's ``fcp_xml`` writer leaves the sequence ``<format>`` empty, writes no motion
and cannot express 12, 15 or 20 fps, so this module writes the document itself:

- the sequence ``<format>`` with the ratio's frame size and square pixels, its record timecode
  (``Timeline.start_timecode``, drop-frame at 29.97/59.94);
- V1: one clip item per cut with a Basic Motion filter that places the picture where the
  render does (``motion.clip_motion``): ``scale`` in percent of the source's own pixels
  (Premiere does not fit clips to the frame by itself), ``center`` as the offset of the
  source's centre from the frame's centre in fractions of the frame's width and height
  (x right, y down), keyframed at the clip's media frames when the window pans;
- V2 and up, for a multi-camera cut: the other synced cameras' pictures of each cut's event
  time stacked above it as disabled clip items (``Clip.angles``; enabling one switches the
  angle, the way a flattened Premiere multicam sequence stacks its cameras), each filling the
  frame;
- A1: the same cuts' sound, linked to the picture (``<link>`` both ways, as Premiere writes
  linked clips), each from the clip's sound source (``Clip.sound_file`` from ``sound_start``:
  in a multicam moment one microphone while the picture switches angle), each file declaring
  its channel count; A2: the music bed with its ducking as
  Audio Levels keyframes;
- clip items follow Premiere's convention: ``<duration>`` is the media's length, ``<in>`` and
  ``<out>`` are frames from the media's first frame, the file's ``<timecode>`` its own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar

from editron.domain.timecode import frames_to_timecode, is_drop_frame
from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.edit.conform import (
    clip_label,
    file_stem,
    media_rate,
    record_start,
    source_offset,
    title,
)
from editron.edit.exporters.base import Exporter, PathMode, media_url, path_url, register
from editron.edit.exporters.motion import clip_motion

__all__ = ["XmemlExporter"]

AUDIO_RATE = 48000


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _rate(parent: ET.Element, rate: FrameRate) -> None:
    element = ET.SubElement(parent, "rate")
    _text(element, "timebase", rate.timebase)
    _text(element, "ntsc", "TRUE" if rate.is_ntsc else "FALSE")


def _timecode(parent: ET.Element, frames: int, rate: FrameRate) -> None:
    element = ET.SubElement(parent, "timecode")
    _rate(element, rate)
    _text(element, "string", frames_to_timecode(frames, rate))
    _text(element, "frame", frames)
    _text(element, "displayformat", "DF" if is_drop_frame(rate) else "NDF")


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _url(info: MediaInfo, tl: Timeline, path_mode: PathMode, relative_to: str | None) -> str:
    url = media_url(info, path_mode=path_mode, relative_to=relative_to, timeline=tl)
    # FCP 7 and Premiere write local files as file://localhost/...
    return url.replace("file:///", "file://localhost/", 1)


class _Files:
    """Each file is described in full at its first clip item and referenced after."""

    def __init__(self, tl: Timeline, path_mode: PathMode, relative_to: str | None) -> None:
        self._tl, self._mode, self._rel = tl, path_mode, relative_to
        self._ids: dict[str, str] = {}

    def add(self, parent: ET.Element, info: MediaInfo) -> None:
        if info.file_id in self._ids:
            ET.SubElement(parent, "file", {"id": self._ids[info.file_id]})
            return
        fid = f"file-{len(self._ids) + 1}"
        self._ids[info.file_id] = fid
        tl = self._tl
        own = media_rate(info, tl.rate)
        element = ET.SubElement(parent, "file", {"id": fid})
        _text(element, "name", Path(info.path).name)
        _text(element, "pathurl", _url(info, tl, self._mode, self._rel))
        _rate(element, own)
        _text(element, "duration", own.frames_floor(info.duration))
        _timecode(element, source_offset(info, own), own)
        media = ET.SubElement(element, "media")
        video = ET.SubElement(ET.SubElement(media, "video"), "samplecharacteristics")
        _rate(video, own)
        for tag, value in (("width", info.width), ("height", info.height),
                           ("anamorphic", "FALSE"), ("pixelaspectratio", "square"),
                           ("fielddominance", "none")):
            _text(video, tag, value)
        if info.has_audio:
            audio = ET.SubElement(media, "audio")
            chars = ET.SubElement(audio, "samplecharacteristics")
            _text(chars, "depth", 16)
            _text(chars, "samplerate", AUDIO_RATE)
            _text(audio, "channelcount", max(1, info.audio_channels))


def _timing(item: ET.Element, clip: Clip, tl: Timeline, name: str, *,
            enabled: bool = True) -> None:
    info = tl.media[clip.file_id]
    _text(item, "name", name)
    _text(item, "enabled", "TRUE" if enabled else "FALSE")
    _text(item, "duration", tl.rate.frames_floor(info.duration))  # Premiere: the media's
    _rate(item, tl.rate)
    _text(item, "start", clip.record_start)
    _text(item, "end", clip.record_end)
    _text(item, "in", clip.source_start)
    _text(item, "out", clip.source_end)


def _parameter(effect: ET.Element, pid: str, name: str) -> ET.Element:
    param = ET.SubElement(effect, "parameter", {"authoringApp": "PremierePro"})
    _text(param, "parameterid", pid)
    _text(param, "name", name)
    return param


def _effect(parent: ET.Element, name: str, effect_id: str, kind: str, media: str) -> ET.Element:
    effect = ET.SubElement(ET.SubElement(parent, "filter"), "effect")
    _text(effect, "name", name)
    _text(effect, "effectid", effect_id)
    _text(effect, "effectcategory", kind)
    _text(effect, "effecttype", kind)
    _text(effect, "mediatype", media)
    return effect


def _point(parent: ET.Element, dx: float, dy: float, tl: Timeline) -> None:
    value = ET.SubElement(parent, "value")
    _text(value, "horiz", _number(dx / tl.width))
    _text(value, "vert", _number(dy / tl.height))


def _basic_motion(item: ET.Element, clip: Clip, tl: Timeline) -> None:
    motion = clip_motion(clip, tl.media[clip.file_id], tl.width, tl.height)
    effect = _effect(item, "Basic Motion", "basic", "motion", "video")
    scale = _parameter(effect, "scale", "Scale")
    _text(scale, "valuemin", 0)
    _text(scale, "valuemax", 1000)
    _text(scale, "value", _number(100 * motion.scale))
    center = _parameter(effect, "center", "Center")
    first = motion.path[0]
    _point(center, first.dx, first.dy, tl)
    if motion.moves:
        for p in motion.path:  # keyframes sit on the media's frames, like in and out
            key = ET.SubElement(center, "keyframe")
            _text(key, "when", clip.source_start + p.frame)
            _point(key, p.dx, p.dy, tl)


def _link(item: ET.Element, refs: list[tuple[str, str, int, int]]) -> None:
    for ref, kind, track, index in refs:
        link = ET.SubElement(item, "link")
        _text(link, "linkclipref", ref)
        _text(link, "mediatype", kind)
        _text(link, "trackindex", track)
        _text(link, "clipindex", index)
        if kind == "audio":
            _text(link, "groupindex", 1)


def _music_track(audio: ET.Element, tl: Timeline, path_mode: PathMode,
                 relative_to: str | None, next_id: int) -> None:
    music = tl.music
    if music is None or tl.duration_frames <= 0:
        return
    track = ET.SubElement(audio, "track", {"premiereTrackType": "Stereo"})
    item = ET.SubElement(track, "clipitem", {"id": f"clipitem-{next_id}"})
    total = tl.duration_frames
    for tag, value in (("name", "music bed"), ("enabled", "TRUE"), ("duration", total)):
        _text(item, tag, value)
    _rate(item, tl.rate)
    for tag, value in (("start", 0), ("end", total), ("in", 0), ("out", total)):
        _text(item, tag, value)
    element = ET.SubElement(item, "file", {"id": "file-music"})
    path = Path(music.path)
    _text(element, "name", path.name)
    _text(element, "pathurl", path_url(music.path, path_mode=path_mode, relative_to=relative_to,
                                       timeline=tl).replace("file:///", "file://localhost/", 1))
    _rate(element, tl.rate)
    _text(element, "duration", total)
    chars = ET.SubElement(ET.SubElement(ET.SubElement(element, "media"), "audio"),
                          "samplecharacteristics")
    _text(chars, "depth", 16)
    _text(chars, "samplerate", AUDIO_RATE)
    source = ET.SubElement(item, "sourcetrack")
    _text(source, "mediatype", "audio")
    _text(source, "trackindex", 1)
    effect = _effect(item, "Audio Levels", "audiolevels", "audiolevels", "audio")
    level = _parameter(effect, "level", "Level")
    _text(level, "valuemin", 0)
    _text(level, "valuemax", "3.98109")
    _text(level, "value", _number(10 ** (music.gain_db / 20)))
    for key in music.ducking:  # the render adds the ducking to the bed's gain, in dB
        element = ET.SubElement(level, "keyframe")
        _text(element, "when", key.frame)
        _text(element, "value", _number(10 ** ((music.gain_db + key.gain_db) / 20)))


def _angle_tracks(video: ET.Element, tl: Timeline, files: _Files, next_id: int) -> None:
    """V2 and up: under each cut, another synced camera's picture of the same event time, as
    a disabled clip item (enable it to switch to that angle; the sound stays on A1)."""
    for k in range(max((len(c.angles) for c in tl.clips), default=0)):
        track = ET.SubElement(video, "track")
        for clip in tl.clips:
            if len(clip.angles) <= k:
                continue
            file_id, start = clip.angles[k]
            info = tl.media[file_id]
            angle = Clip(file_id, start, start + clip.duration, clip.record_start, audio=False)
            item = ET.SubElement(track, "clipitem", {"id": f"clipitem-{next_id}",
                                                     "frameBlend": "FALSE"})
            next_id += 1
            ET.SubElement(item, "masterclipid").text = f"masterclip-{file_stem(info)}"
            _timing(item, angle, tl, f"{clip_label(tl, angle)} angle", enabled=False)
            files.add(item, info)
            _basic_motion(item, angle, tl)


def _audio_item(atrack: ET.Element, tl: Timeline, clip: Clip, name: str, files: _Files,
                refs: list[tuple[str, str, int, int]]) -> None:
    """A1's clip item for ``clip``: its sound source (``sound_file`` from ``sound_start``,
    the one microphone of a multicam moment whatever angle the picture shows)."""
    info = tl.media[clip.sound_file]
    sound = Clip(clip.sound_file, clip.sound_start, clip.sound_start + clip.duration,
                 clip.record_start)
    aitem = ET.SubElement(atrack, "clipitem", {"id": refs[-1][0]})
    ET.SubElement(aitem, "masterclipid").text = f"masterclip-{file_stem(info)}"
    _timing(aitem, sound, tl, name)
    files.add(aitem, info)
    source = ET.SubElement(aitem, "sourcetrack")
    _text(source, "mediatype", "audio")
    _text(source, "trackindex", 1)
    _link(aitem, refs)


def _sequence(root: ET.Element, tl: Timeline, path_mode: PathMode,
              relative_to: str | None) -> None:
    seq = ET.SubElement(root, "sequence", {"id": "sequence-1"})
    _text(seq, "name", title(tl))
    _text(seq, "duration", tl.duration_frames)
    _rate(seq, tl.rate)
    _timecode(seq, record_start(tl), tl.rate)
    media = ET.SubElement(seq, "media")
    video = ET.SubElement(media, "video")
    chars = ET.SubElement(ET.SubElement(video, "format"), "samplecharacteristics")
    _rate(chars, tl.rate)
    for tag, value in (("width", tl.width), ("height", tl.height), ("anamorphic", "FALSE"),
                       ("pixelaspectratio", "square"), ("fielddominance", "none"),
                       ("colordepth", 24)):
        _text(chars, tag, value)
    vtrack = ET.SubElement(video, "track")
    audio = ET.SubElement(media, "audio")
    _text(audio, "numOutputChannels", 2)
    achars = ET.SubElement(ET.SubElement(audio, "format"), "samplecharacteristics")
    _text(achars, "depth", 16)
    _text(achars, "samplerate", AUDIO_RATE)
    atrack = ET.SubElement(audio, "track", {"premiereTrackType": "Stereo"})
    files = _Files(tl, path_mode, relative_to)
    count = len(tl.clips)
    audio_index = 0
    heard: list[tuple[Clip, str, list[tuple[str, str, int, int]]]] = []
    for i, clip in enumerate(tl.clips, start=1):
        info = tl.media[clip.file_id]
        name = clip_label(tl, clip)
        vid, aid = f"clipitem-{i}", f"clipitem-{count + i}"
        item = ET.SubElement(vtrack, "clipitem", {"id": vid, "frameBlend": "FALSE"})
        ET.SubElement(item, "masterclipid").text = f"masterclip-{file_stem(info)}"
        _timing(item, clip, tl, name)
        files.add(item, info)
        _basic_motion(item, clip, tl)
        sound = clip.audio and tl.media[clip.sound_file].has_audio
        refs = [(vid, "video", 1, i)]
        if sound:
            audio_index += 1
            refs.append((aid, "audio", 1, audio_index))
        _link(item, refs)
        if sound:
            heard.append((clip, name, refs))
    _music_track(audio, tl, path_mode, relative_to, 2 * count + 1)
    _angle_tracks(video, tl, files, 2 * count + 2)
    # after every video track, so a file is described in full at its first item in the
    # document's order (a sound file may be a later cut's or an angle's picture)
    for clip, name, refs in heard:
        _audio_item(atrack, tl, clip, name, files, refs)


@register
class XmemlExporter(Exporter):
    NAME: ClassVar[str] = "xmeml"
    EXTENSION: ClassVar[str] = "xml"
    MEDIA_TYPE: ClassVar[str] = "application/xml"
    LABEL: ClassVar[str] = "the Premiere XML (xmeml: Premiere Pro, Resolve)"

    def unavailable(self, timeline: Timeline) -> str | None:
        rate = timeline.rate
        if rate.den in (1, 1001):
            return None
        return (f"Premiere XML counts frames at a whole-number timebase (with an NTSC flag); "
                f"{rate} fps is neither")

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        root = ET.Element("xmeml", {"version": "4"})
        _sequence(root, timeline, path_mode, relative_to)
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'
