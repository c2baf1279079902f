"""SRT caption sidecar (captions already re-timed to the edit)."""

from __future__ import annotations

from typing import ClassVar

from editron.domain.timeline import Timeline
from editron.edit.captions import to_srt
from editron.edit.exporters.base import Exporter, PathMode, register

__all__ = ["SRTExporter"]


@register
class SRTExporter(Exporter):
    NAME: ClassVar[str] = "srt"
    EXTENSION: ClassVar[str] = "srt"
    MEDIA_TYPE: ClassVar[str] = "application/x-subrip"
    LABEL: ClassVar[str] = "the SRT captions"
    CAPTIONS: ClassVar[bool] = True

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        return to_srt(timeline)
