"""A structural check of FCPXML 1.10 documents, written here from the elements and attributes
Apple documents for that version (the FCPXML 1.10 DTD in Apple's "FCPXML Reference"), for the
elements Editron writes and their neighbours.

Each element has its content model as ordered groups of child elements (children must appear
group by group, in order; a group's members in any order and number, as the DTD's ``(a | b)*``
and ``a?, b?`` runs allow), the attributes it may carry, those it must carry, and the values of
enumerated attributes. ``check`` returns every violation it finds (empty when the document
conforms), and also that each ``id`` is unique and each ``ref``/``format`` points at one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

__all__ = ["ELEMENTS", "check"]

_ANCHOR = frozenset({"audio", "video", "clip", "title", "caption", "mc-clip", "ref-clip",
                     "sync-clip", "asset-clip", "audition", "spine"})
_CLIP_ITEM = frozenset({"audio", "video", "clip", "title", "mc-clip", "ref-clip", "sync-clip",
                        "asset-clip", "audition", "gap"})
_MARKERS = frozenset({"marker", "chapter-marker", "rating", "keyword", "analysis-marker"})
_VIDEO_ADJUST = ("object-tracker", "adjust-crop", "adjust-corners", "adjust-conform",
                 "adjust-transform", "adjust-blend", "adjust-stabilization",
                 "adjust-rollingShutter", "adjust-360-transform", "adjust-reorient",
                 "adjust-orientation", "adjust-cinematic")
_AUDIO_ADJUST = ("adjust-volume", "adjust-panner")
_AO = {"lane", "offset"}
_CLIP_ATTRS = _AO | {"name", "start", "duration", "enabled"}
_BOOL = ("0", "1")
_HZ = ("32k", "44.1k", "48k", "88.2k", "96k", "176.4k", "192k")


def _one(*tags: str) -> list[frozenset[str]]:
    return [frozenset({t}) for t in tags]


@dataclass(frozen=True)
class Element:
    groups: list[frozenset[str]] = field(default_factory=list)
    attributes: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: bool = False  # #PCDATA allowed


def _el(groups: list[frozenset[str]], attrs: set[str], required: set[str] = frozenset(),
        enums: dict[str, tuple[str, ...]] | None = None, text: bool = False) -> Element:
    return Element(groups, frozenset(attrs), frozenset(required), enums or {}, text)


_STORY_TAIL = [_ANCHOR, _MARKERS, frozenset({"audio-channel-source"}),
               frozenset({"filter-video", "filter-video-mask"}), frozenset({"filter-audio"}),
               frozenset({"metadata"})]

ELEMENTS: dict[str, Element] = {
    "fcpxml": _el([*_one("import-options", "resources"),
                   frozenset({"library", "event", "clip", "audition", "mc-clip", "ref-clip",
                              "sync-clip", "asset-clip", "project", "collection-folder",
                              "keyword-collection", "smart-collection"})],
                  {"version"}, {"version"}, {"version": ("1.10",)}),
    "resources": _el([frozenset({"asset", "effect", "format", "media", "locator"})], set()),
    "library": _el([frozenset({"event", "smart-collection"})], {"location", "colorProcessing"},
                   enums={"colorProcessing": ("standard", "wide", "wide-hdr")}),
    "event": _el([frozenset({"clip", "audition", "mc-clip", "ref-clip", "sync-clip",
                             "asset-clip", "collection-folder", "keyword-collection",
                             "smart-collection", "project"})], {"name", "uid"}),
    "project": _el(_one("sequence"), {"name", "uid", "id", "modDate"}),
    "format": _el([], {"id", "name", "frameDuration", "fieldOrder", "width", "height", "paspH",
                       "paspV", "colorSpace", "projection", "stereoscopic"}, {"id"}),
    "asset": _el(_one("media-rep", "metadata"),
                 {"id", "name", "uid", "start", "duration", "hasVideo", "format", "hasAudio",
                  "videoSources", "audioSources", "audioChannels", "audioRate",
                  "customLUTOverride", "colorSpaceOverride", "projectionOverride",
                  "stereoscopicOverride", "auxVideoFlags"}, {"id"}),
    "media-rep": _el(_one("bookmark"), {"kind", "sig", "src", "suggestedFilename"}, {"src"},
                     {"kind": ("original-media", "proxy-media")}),
    "effect": _el([], {"id", "name", "uid", "src"}, {"id", "uid"}),
    "sequence": _el(_one("note", "spine", "metadata"),
                    {"format", "duration", "tcStart", "tcFormat", "audioLayout", "audioRate",
                     "renderFormat", "keywords"}, {"format"},
                    {"tcFormat": ("DF", "NDF"), "audioLayout": ("mono", "stereo", "surround"),
                     "audioRate": _HZ}),
    "spine": _el([_CLIP_ITEM | {"transition"}], _AO | {"name", "format"}),
    "asset-clip": _el([*_one("note", "conform-rate", "timeMap", *_VIDEO_ADJUST,
                             *_AUDIO_ADJUST), *_STORY_TAIL],
                      _CLIP_ATTRS | {"ref", "srcEnable", "audioStart", "audioDuration",
                                     "format", "tcStart", "tcFormat", "modDate", "audioRole",
                                     "videoRole"}, {"ref"},
                      {"srcEnable": ("all", "audio", "video"), "tcFormat": ("DF", "NDF"),
                       "enabled": _BOOL}),
    "video": _el([frozenset({"param"}), *_one("note", "conform-rate", "timeMap",
                                               *_VIDEO_ADJUST), _ANCHOR, _MARKERS,
                  frozenset({"filter-video", "filter-video-mask"}), frozenset({"reserved"})],
                 _CLIP_ATTRS | {"ref", "srcID", "role"}, {"ref", "duration"},
                 {"enabled": _BOOL}),
    "title": _el([frozenset({"param"}), frozenset({"text"}), frozenset({"text-style-def"}),
                  *_one("note", *_VIDEO_ADJUST), _ANCHOR, _MARKERS,
                  frozenset({"filter-video", "filter-video-mask"}), frozenset({"metadata"})],
                 _CLIP_ATTRS | {"ref", "role"}, {"ref", "duration"}, {"enabled": _BOOL}),
    "caption": _el([frozenset({"text"}), frozenset({"text-style-def"}), frozenset({"note"})],
                   _CLIP_ATTRS | {"role"}, {"duration"}, {"enabled": _BOOL}),
    "text": _el([frozenset({"text-style"})], {"display-style", "roll-up-height", "position",
                                              "placement", "alignment"},
                enums={"display-style": ("pop-on", "paint-on", "roll-up"),
                       "placement": ("left", "right", "top", "bottom"),
                       "alignment": ("left", "center", "right")}, text=True),
    "text-style-def": _el(_one("text-style"), {"id", "name"}, {"id"}),
    "text-style": _el([frozenset({"param"})],
                      {"ref", "font", "fontSize", "fontFace", "fontColor", "backgroundColor",
                       "bold", "italic", "strokeColor", "strokeWidth", "baseline",
                       "shadowColor", "shadowOffset", "shadowBlurRadius", "kerning",
                       "alignment", "lineSpacing", "tabStops", "baselineOffset", "underline"},
                      enums={"alignment": ("left", "center", "right", "justified"),
                             "bold": _BOOL, "italic": _BOOL, "underline": _BOOL}, text=True),
    "adjust-transform": _el([frozenset({"param"})], {"enabled", "position", "scale",
                                                     "rotation", "anchor", "tracking"},
                            enums={"enabled": _BOOL}),
    "adjust-blend": _el([frozenset({"param"}), frozenset({"reserved"})], {"amount", "mode"}),
    "adjust-conform": _el([], {"type"}, enums={"type": ("fit", "fill", "none")}),
    "adjust-volume": _el([frozenset({"param"})], {"amount"}),
    "param": _el([*_one("fadeIn", "fadeOut", "keyframeAnimation"), frozenset({"param"})],
                 {"name", "key", "value", "enabled"}, {"name"}, {"enabled": _BOOL}),
    "keyframeAnimation": _el([frozenset({"keyframe"})], set()),
    "keyframe": _el([], {"time", "value", "interp", "curve"}, {"time", "value"},
                    {"interp": ("linear", "ease", "easeIn", "easeOut"),
                     "curve": ("linear", "smooth")}),
    "gap": _el([frozenset({"note"}), _ANCHOR, _MARKERS, frozenset({"metadata"})],
               {"name", "offset", "start", "duration", "enabled"}, {"duration"}),
    "note": _el([], set(), text=True),
    "metadata": _el([frozenset({"md"})], set()),
    "md": _el(_one("array"), {"key", "value", "editable", "type", "displayName",
                              "description", "source"}, {"key"}),
    "marker": _el([], {"start", "duration", "value", "completed", "note"}, {"start", "value"}),
}

_IDREFS = {"ref", "format"}


_REPEATABLE = {"media-rep", "param", "keyframe", "text", "text-style-def", "text-style", "md"}


def _order(tag: str, element: ET.Element, spec: Element, where: str) -> list[str]:
    """Children in the order of the content model's groups, an optional one at most once."""
    problems: list[str] = []
    at = 0
    for child in element:
        index = next((i for i, g in enumerate(spec.groups) if child.tag in g), None)
        if index is None:
            problems.append(f"{where}: <{child.tag}> is not allowed in <{tag}>")
            continue
        if index < at:
            problems.append(f"{where}: <{child.tag}> comes too late in <{tag}>")
        at = max(at, index)
    for group in spec.groups:
        if len(group) == 1 and not group & _REPEATABLE:
            (only,) = group
            if sum(1 for c in element if c.tag == only) > 1:
                problems.append(f"{where}: <{tag}> holds more than one <{only}>")
    return problems


def check(document: str) -> list[str]:
    """Every way ``document`` departs from the FCPXML 1.10 structure (empty: none)."""
    root = ET.fromstring(document)
    problems: list[str] = []
    ids: dict[str, str] = {}
    refs: list[tuple[str, str]] = []
    for element in root.iter():
        tag = element.tag
        spec = ELEMENTS.get(tag)
        where = f"<{tag} {element.get('name') or element.get('id') or ''}>".replace(" >", ">")
        if spec is None:
            problems.append(f"{where}: not an element this check knows for FCPXML 1.10")
            continue
        for attr, value in element.attrib.items():
            if attr not in spec.attributes:
                problems.append(f"{where}: attribute {attr!r} is not allowed")
            elif attr in spec.enums and value not in spec.enums[attr]:
                problems.append(f"{where}: {attr}={value!r} is not one of {spec.enums[attr]}")
        for attr in spec.required - set(element.attrib):
            problems.append(f"{where}: required attribute {attr!r} is missing")
        if not spec.text and (element.text or "").strip():
            problems.append(f"{where}: text is not allowed here")
        problems += _order(tag, element, spec, where)
        if "id" in element.attrib:
            eid = element.get("id", "")
            if eid in ids:
                problems.append(f"{where}: id {eid!r} is used twice")
            ids[eid] = tag
        for attr in _IDREFS & set(element.attrib):
            refs.append((f"{where} {attr}", element.get(attr, "")))
    for what, ref in refs:
        if ref not in ids:
            problems.append(f"{what}={ref!r} names no id")
    return problems
