"""Premiere Pro / DaVinci Resolve XML (xmeml v4) through OpenTimelineIO's ``fcp_xml`` adapter.

The adapter writes video and audio clip items but no ``<link>`` elements, so Premiere would
import the audio unlinked from its picture; this module adds the links (each video item and
its audio item reference each other) before returning the document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

import opentimelineio as otio

from editron.domain.timeline import Timeline
from editron.edit.exporters.base import Exporter, PathMode, register
from editron.edit.exporters.otio import to_otio
from editron.errors import InputError

__all__ = ["XmemlExporter", "link_av"]


def _items(track: ET.Element) -> list[ET.Element]:
    return [e for e in track if e.tag == "clipitem"]


def link_av(document: str) -> str:
    """Link the n-th video clip item of V1 with the audio item of A1 at the same record
    position, the way Premiere writes linked clips."""
    root = ET.fromstring(document)
    for sequence in root.iter("sequence"):
        vtrack = sequence.find("./media/video/track")
        atrack = sequence.find("./media/audio/track")
        if vtrack is None or atrack is None:
            continue
        audio_at = {(a.findtext("start"), a.findtext("in")): (i, a)
                    for i, a in enumerate(_items(atrack), start=1)}
        for vi, video in enumerate(_items(vtrack), start=1):
            hit = audio_at.get((video.findtext("start"), video.findtext("in")))
            if hit is None:
                continue
            ai, audio = hit
            refs = [(video.get("id", ""), "video", vi, None), (audio.get("id", ""), "audio", ai, 1)]
            for owner in (video, audio):
                for ref, kind, index, group in refs:
                    link = ET.SubElement(owner, "link")
                    ET.SubElement(link, "linkclipref").text = ref
                    ET.SubElement(link, "mediatype").text = kind
                    ET.SubElement(link, "trackindex").text = "1"
                    ET.SubElement(link, "clipindex").text = str(index)
                    if group is not None:
                        ET.SubElement(link, "groupindex").text = str(group)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'


@register
class XmemlExporter(Exporter):
    NAME: ClassVar[str] = "xmeml"
    EXTENSION: ClassVar[str] = "xml"

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        tl = to_otio(timeline, path_mode=path_mode, relative_to=relative_to)
        try:
            text: str = otio.adapters.write_to_string(tl, "fcp_xml")
        except otio.exceptions.OTIOError as exc:
            raise InputError(f"cannot write Premiere XML for {timeline.name!r}: {exc}") from exc
        return link_av(text)
