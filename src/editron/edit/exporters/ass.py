"""ASS subtitles for burn-in: the bundled font, brand colours, karaoke via ``\\k`` tags."""

from __future__ import annotations

from typing import ClassVar

from editron.domain.timeline import Timeline
from editron.edit.captions import to_ass
from editron.edit.exporters.base import Exporter, PathMode, register
from editron.story.styles import default_brand

__all__ = ["AssExporter"]


@register
class AssExporter(Exporter):
    NAME: ClassVar[str] = "ass"
    EXTENSION: ClassVar[str] = "ass"
    MEDIA_TYPE: ClassVar[str] = "text/x-ssa"
    LABEL: ClassVar[str] = "the ASS captions (styled, as burned in)"
    CAPTIONS: ClassVar[bool] = True

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        brand = timeline.brand or default_brand()
        return to_ass(timeline, brand, font_name=brand.font_name)
