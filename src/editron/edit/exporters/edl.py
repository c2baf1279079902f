"""CMX3600 EDL through OpenTimelineIO's ``cmx_3600`` adapter: one video track with its linked
audio, reel names from the file names, ``* FROM CLIP NAME`` / ``* SOURCE FILE`` comments so the
editor can relink."""

from __future__ import annotations

from typing import ClassVar

import opentimelineio as otio

from editron.domain.timeline import Timeline
from editron.edit.exporters.base import Exporter, PathMode, register
from editron.edit.exporters.otio import to_otio
from editron.errors import InputError

__all__ = ["EdlExporter"]


@register
class EdlExporter(Exporter):
    NAME: ClassVar[str] = "edl"
    EXTENSION: ClassVar[str] = "edl"

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        tl = to_otio(timeline, path_mode=path_mode, relative_to=relative_to, music=False)
        try:
            text: str = otio.adapters.write_to_string(
                tl, "cmx_3600", rate=timeline.rate.num / timeline.rate.den, style="avid")
        except otio.exceptions.OTIOError as exc:
            raise InputError(f"cannot write an EDL for {timeline.name!r}: {exc}") from exc
        return text
