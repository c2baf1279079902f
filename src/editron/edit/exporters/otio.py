"""OpenTimelineIO: the timeline as an ``otio.schema.Timeline`` (also the base of the xmeml and
EDL exports), written as ``.otio`` JSON.

Video on V1, the same cuts' sound on A1 (linked by a shared ``link_id`` in the metadata):
each from the clip's sound source (``sound_file`` at ``sound_start``: its own file, or in a
multicam moment the one microphone the sound stays on while the picture switches angle), the
music bed on A2. A multi-camera cut adds, after them,
one disabled video track per other camera angle ("V2 angle 2", ...): under each clip the same
event time from another synced camera (or a gap), so an editor can switch angles in place.
Every time is a ``RationalTime`` at the timeline rate (24000/1001 for 23.976), so no editor
has to guess. The timeline starts at its record timecode (``global_start_time``); each media
reference's available range starts at its file's timecode, and each clip's source range is
in that timecode (``conform``).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import ClassVar

import opentimelineio as otio

from editron.domain.timeline import Clip, FrameRate, Timeline
from editron.edit.conform import clip_label, record_start, source_offset, title
from editron.edit.exporters.base import Exporter, PathMode, media_url, path_url, register

__all__ = ["OtioExporter", "to_otio"]


def _rt(frames: int, rate: FrameRate) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate.num / rate.den)


def _range(start: int, duration: int, rate: FrameRate) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def to_otio(timeline: Timeline, *, path_mode: PathMode = "absolute",
            relative_to: str | None = None, audio: bool = True,
            music: bool = True) -> otio.schema.Timeline:
    rate = timeline.rate
    out = otio.schema.Timeline(name=title(timeline))
    out.global_start_time = _rt(record_start(timeline), rate)
    out.metadata["editron"] = {
        "project": timeline.name, "deliverable": timeline.deliverable,
        "variant": timeline.variant, "revision": timeline.revision,
        "aspect_ratio": timeline.aspect_ratio, "width": timeline.width,
        "height": timeline.height, "rate": f"{rate.num}/{rate.den}", "style": timeline.style,
        "start_timecode": timeline.start_timecode,
    }
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    sound = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for i, clip in enumerate(timeline.clips):
        info = timeline.media[clip.file_id]

        url = media_url(info, path_mode=path_mode, relative_to=relative_to, timeline=timeline)
        tc = source_offset(info, rate)
        available = _range(tc, rate.frames_floor(info.duration), rate)

        meta = {"file_id": clip.file_id, "link_id": f"link{i + 1}",
                "transition_in": asdict(clip.transition_in), "pad_blur": clip.pad_blur,
                "max_crop_step": clip.max_crop_step,
                "crop": [asdict(k) for k in clip.crop]}
        source = _range(tc + clip.source_start, clip.duration, rate)
        name = clip_label(timeline, clip)
        video.append(otio.schema.Clip(name=name, media_reference=otio.schema.ExternalReference(
                target_url=url, available_range=available),
                                      source_range=source, metadata={"editron": meta}))
        if clip.audio:
            sound.append(_sound_clip(timeline, clip, name, f"link{i + 1}", path_mode,
                                     relative_to))
        else:
            sound.append(otio.schema.Gap(source_range=_range(0, clip.duration, rate)))
    out.tracks.append(video)
    if audio:
        out.tracks.append(sound)
    out.tracks.extend(_angle_tracks(timeline, path_mode, relative_to))
    if music and timeline.music is not None and timeline.duration_frames > 0:
        bed = otio.schema.Track(name="A2", kind=otio.schema.TrackKind.Audio)
        bed.append(otio.schema.Clip(
            name="music bed",
            media_reference=otio.schema.ExternalReference(target_url=path_url(
                timeline.music.path, path_mode=path_mode, relative_to=relative_to,
                timeline=timeline)),
            source_range=_range(0, timeline.duration_frames, rate),
            metadata={"editron": {"gain_db": timeline.music.gain_db,
                                  "ducking": [asdict(k) for k in timeline.music.ducking],
                                  "beats": list(timeline.music.beats)}}))
        out.tracks.append(bed)
    return out


def _sound_clip(timeline: Timeline, clip: Clip, name: str, link: str, path_mode: PathMode,
                relative_to: str | None) -> otio.schema.Clip:
    """A1's clip for ``clip``: its sound source (``sound_file`` at ``sound_start``), which in
    a multicam moment is one microphone whatever angle the picture shows."""
    rate = timeline.rate
    info = timeline.media[clip.sound_file]
    tc = source_offset(info, rate)
    return otio.schema.Clip(
        name=name, media_reference=otio.schema.ExternalReference(
            target_url=media_url(info, path_mode=path_mode, relative_to=relative_to,
                                 timeline=timeline),
            available_range=_range(tc, rate.frames_floor(info.duration), rate)),
        source_range=_range(tc + clip.sound_start, clip.duration, rate),
        metadata={"editron": {"file_id": clip.sound_file, "link_id": link}})


def _angle_tracks(timeline: Timeline, path_mode: PathMode, relative_to: str | None
                  ) -> list[otio.schema.Track]:
    rate = timeline.rate
    tracks = []
    for k in range(max((len(c.angles) for c in timeline.clips), default=0)):
        track = otio.schema.Track(name=f"V{k + 2} angle {k + 2}",
                                  kind=otio.schema.TrackKind.Video)
        track.enabled = False  # stacked for switching, not composited over V1
        for clip in timeline.clips:
            if len(clip.angles) <= k:
                track.append(otio.schema.Gap(source_range=_range(0, clip.duration, rate)))
                continue
            file_id, start = clip.angles[k]
            info = timeline.media[file_id]
            tc = source_offset(info, rate)
            track.append(otio.schema.Clip(
                name=f"{Path(info.path).stem} angle", source_range=_range(
                    tc + start, clip.duration, rate),
                media_reference=otio.schema.ExternalReference(
                    target_url=media_url(info, path_mode=path_mode, relative_to=relative_to,
                                         timeline=timeline),
                    available_range=_range(tc, rate.frames_floor(info.duration), rate)),
                metadata={"editron": {"file_id": file_id, "angle_of": clip.file_id}}))
        tracks.append(track)
    return tracks


@register
class OtioExporter(Exporter):
    NAME: ClassVar[str] = "otio"
    EXTENSION: ClassVar[str] = "otio"
    MEDIA_TYPE: ClassVar[str] = "application/json"
    LABEL: ClassVar[str] = "the OTIO timeline (OpenTimelineIO)"

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        tl = to_otio(timeline, path_mode=path_mode, relative_to=relative_to)
        text: str = otio.adapters.write_to_string(tl, "otio_json")
        return text
