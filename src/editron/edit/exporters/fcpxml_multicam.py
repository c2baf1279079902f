"""Final Cut multicam clips for the synced cameras of a timeline, so an editor can re-switch
angles in Final Cut.

A timeline clip's ``angles`` name the other cameras that saw its event time and the frame each
shows at the clip's first frame. Cameras joined by any clip's angles form one synced group, and
those relations put every camera of the group on one clock (``camera_groups``): a camera's
``offset`` is where its first frame sits, in timeline frames, the earliest camera at 0.

Each group is one ``media`` resource holding a ``multicam`` (the timeline's project rate, the
first camera's frame size, ``tcStart`` 0: Final Cut counts angle offsets from 0 and an
``mc-clip``'s ``start`` from ``tcStart``, so both read on the group clock directly) with
one ``mc-angle`` per camera: a ``gap`` as long as the camera's offset, then the whole file as
an ``asset-clip``. Every spine clip of a grouped camera becomes
an ``mc-clip`` whose ``start`` is the group-clock frame of its first frame and whose
``mc-source`` elements pick the angle: the clip's camera for the picture (with the render's
reframe as its ``adjust-transform``) and, when the clip has sound, for the audio too
(``srcEnable="all"``; a different audio camera gets its own ``srcEnable="audio"`` source).

A camera whose clock drifts is corrected per clip by the edit, which a multicam's fixed offsets
cannot express: the offsets are the least-squares fit of what all the clips say, so the cut's
own angle is always exact and another angle may sit a frame or so off near the ends of a long,
drifting recording.
"""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from editron.domain.timecode import is_drop_frame
from editron.domain.timeline import Clip, MediaInfo, Timeline
from editron.edit.conform import clip_label, file_stem, media_rate, source_offset
from editron.edit.exporters.fcpxml_story import fcpx_time

__all__ = ["CameraGroup", "camera_groups", "mc_clip", "multicam_media"]


@dataclass(frozen=True, slots=True)
class CameraGroup:
    """Cameras on one clock: ``offsets`` is each one's first frame there, in timeline frames."""

    cameras: tuple[str, ...]  # file ids in angle order (the event's chronology, then id)
    offsets: Mapping[str, int]

    def start_of(self, clip: Clip) -> int:
        """The group-clock frame of ``clip``'s first frame."""
        return self.offsets[clip.file_id] + clip.source_start


def _observations(tl: Timeline) -> dict[str, list[tuple[str, int]]]:
    """Per camera, each ``(other camera, other's offset minus its own)`` a clip records."""
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for clip in tl.clips:
        for file_id, start in clip.angles:
            if file_id != clip.file_id:
                delta = clip.source_start - start  # offset[file_id] - offset[clip.file_id]
                seen[clip.file_id].append((file_id, delta))
                seen[file_id].append((clip.file_id, -delta))
    return seen


def _connected(root: str, seen: Mapping[str, list[tuple[str, int]]]) -> dict[str, float]:
    """The cameras reachable from ``root``, placed along the first relation that reaches
    each."""
    offsets = {root: 0.0}
    queue = deque([root])
    while queue:
        here = queue.popleft()
        for there, delta in seen[here]:
            if there not in offsets:
                offsets[there] = offsets[here] + delta
                queue.append(there)
    return offsets


def _settle(offsets: dict[str, float], seen: Mapping[str, list[tuple[str, int]]]) -> None:
    """Least squares over every relation (Gauss-Seidel, the first camera held): clips that
    disagree, as a drifting camera's do, share the error instead of one pair taking it all.
    Relations that agree are already a fixed point."""
    cameras = list(offsets)[1:]
    for _ in range(_SETTLE_ROUNDS):
        for camera in cameras:
            offsets[camera] = statistics.fmean(offsets[o] - d for o, d in seen[camera])


_SETTLE_ROUNDS = 200


def camera_groups(tl: Timeline) -> list[CameraGroup]:
    """The synced groups of two or more cameras the timeline's clips relate."""
    seen = _observations(tl)
    groups: list[CameraGroup] = []
    placed: set[str] = set()
    for root in sorted(seen):
        if root in placed:
            continue
        offsets = _connected(root, seen)
        _settle(offsets, seen)
        placed |= set(offsets)
        low = min(offsets.values())
        cameras = sorted(offsets, key=lambda f: (tl.media[f].order, f))
        groups.append(CameraGroup(tuple(cameras),
                                  {f: round(offsets[f] - low) for f in cameras}))
    return groups


def angle_frames(info: MediaInfo, tl: Timeline) -> int:
    """The file's length in timeline frames, never past the asset's own last frame."""
    own = media_rate(info, tl.rate)
    seconds = own.exact(own.frames_floor(info.duration))
    return int(seconds * Fraction(tl.rate.num, tl.rate.den))


def group_name(group: CameraGroup, tl: Timeline) -> str:
    return "multicam " + " + ".join(file_stem(tl.media[f]) for f in group.cameras)


def multicam_media(resources: ET.Element, tl: Timeline, group: CameraGroup, media_id: str,
                   fmt: str, assets: Mapping[str, str]) -> None:
    """The group's ``media`` resource: a ``multicam`` with one synced ``mc-angle`` a camera."""
    rate = tl.rate
    end = max(group.offsets[f] + angle_frames(tl.media[f], tl) for f in group.cameras)
    media = ET.SubElement(resources, "media", {"id": media_id, "name": group_name(group, tl)})
    multicam = ET.SubElement(media, "multicam", {
        "format": fmt, "duration": fcpx_time(end, rate), "tcStart": "0s",
        "tcFormat": "DF" if is_drop_frame(rate) else "NDF"})
    for file_id in group.cameras:
        info = tl.media[file_id]
        angle = ET.SubElement(multicam, "mc-angle", {"name": file_stem(info),
                                                     "angleID": file_id})
        offset = group.offsets[file_id]
        if offset > 0:
            ET.SubElement(angle, "gap", {"name": "Gap", "offset": "0s",
                                         "duration": fcpx_time(offset, rate)})
        attrs = {"ref": assets[file_id], "offset": fcpx_time(offset, rate),
                 "name": file_stem(info), "start": fcpx_time(source_offset(info, rate), rate),
                 "duration": fcpx_time(angle_frames(info, tl), rate)}
        if info.has_audio:
            attrs["audioRole"] = "dialogue"
        ET.SubElement(angle, "asset-clip", attrs)


def mc_clip(spine: ET.Element, tl: Timeline, clip: Clip, group: CameraGroup, media_id: str,
            record_offset: int, *, audio: str | None) -> tuple[ET.Element, ET.Element]:
    """The spine's ``mc-clip`` for ``clip`` and its picture's ``mc-source`` (where the
    reframe goes); ``audio`` is the camera whose sound plays (``None``: silent)."""
    rate = tl.rate
    element = ET.SubElement(spine, "mc-clip", {
        "ref": media_id, "offset": fcpx_time(record_offset + clip.record_start, rate),
        "name": clip_label(tl, clip), "start": fcpx_time(group.start_of(clip), rate),
        "duration": fcpx_time(clip.duration, rate)})
    video = ET.SubElement(element, "mc-source", {
        "angleID": clip.file_id, "srcEnable": "all" if audio == clip.file_id else "video"})
    if audio is not None and audio != clip.file_id:
        ET.SubElement(element, "mc-source", {"angleID": audio, "srcEnable": "audio"})
    return element, video
