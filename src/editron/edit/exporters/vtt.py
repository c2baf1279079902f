"""VTT caption sidecar (captions already re-timed to the edit)."""

from __future__ import annotations

from typing import ClassVar

from editron.domain.timeline import Timeline
from editron.edit.captions import to_vtt
from editron.edit.exporters.base import Exporter, PathMode, register

__all__ = ["VTTExporter"]


@register
class VTTExporter(Exporter):
    NAME: ClassVar[str] = "vtt"
    EXTENSION: ClassVar[str] = "vtt"
    MEDIA_TYPE: ClassVar[str] = "text/vtt"
    LABEL: ClassVar[str] = "the WebVTT captions"
    CAPTIONS: ClassVar[bool] = True

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        return to_vtt(timeline)
