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

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["ELEMENTS", "McClip", "check", "mc_clips", "seconds"]

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
    "media": _el([frozenset({"multicam", "sequence"})],
                 {"id", "name", "uid", "projectRef", "modDate"}, {"id"}),
    "multicam": _el([frozenset({"mc-angle"}), frozenset({"metadata"})],
                    {"format", "duration", "tcStart", "tcFormat", "renderFormat"}, {"format"},
                    {"tcFormat": ("DF", "NDF")}),
    "mc-angle": _el([_CLIP_ITEM | {"transition"}], {"name", "angleID"}, {"angleID"}),
    "mc-clip": _el([*_one("note", "conform-rate", "timeMap", *_AUDIO_ADJUST),
                    frozenset({"mc-source"}), _ANCHOR, _MARKERS, frozenset({"filter-audio"}),
                    frozenset({"metadata"})],
                   _CLIP_ATTRS | {"ref", "srcEnable", "audioStart", "audioDuration", "modDate"},
                   {"ref", "duration"},
                   {"srcEnable": ("all", "audio", "video"), "enabled": _BOOL}),
    "mc-source": _el([frozenset({"audio-role-source"}), *_one(*_VIDEO_ADJUST),
                      frozenset({"filter-video", "filter-video-mask"})],
                     {"angleID", "srcEnable"}, {"angleID"},
                     {"srcEnable": ("all", "audio", "video", "none")}),
}

_IDREFS = {"ref", "format"}


_REPEATABLE = {"media-rep", "param", "keyframe", "text", "text-style-def", "text-style", "md",
               "mc-angle", "mc-source", "audio-role-source"}


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


def check(document: str, *, event_offsets: Mapping[str, Fraction] | None = None,
          tolerance: Fraction = Fraction(0)) -> list[str]:
    """Every way ``document`` departs from the FCPXML 1.10 structure (empty: none), with the
    multicam rules (``_multicam_rules``); ``event_offsets`` (seconds by asset ``uid``) is where
    each camera's first frame sits on the event clock, which every multicam must follow to
    within ``tolerance`` seconds (a measured clock is not on the frame grid)."""
    root = ET.fromstring(document)
    problems: list[str] = _times(root) + _multicam_rules(root, event_offsets or {}, tolerance)
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


# Multicam: the DTD says what may nest; Final Cut also needs the references and the timing to
# agree, which these rules check.
_TIME_ATTRS = ("offset", "start", "duration", "tcStart", "audioStart", "audioDuration")
_RATIONAL = re.compile(r"^(0|[1-9][0-9]*(/[1-9][0-9]*)?)s$")


def seconds(value: str | None) -> Fraction:
    """An FCPXML time (``1001/30000s``, ``5s``) as exact seconds; absent is ``0s``."""
    return Fraction(0) if value is None else Fraction(value[:-1])


def _times(root: ET.Element) -> list[str]:
    """Every time attribute in the rational-seconds form the DTD's comment gives."""
    return [f"<{e.tag} {e.get('name', '')}>: {a}={e.get(a)!r} is not rational seconds"
            for e in root.iter() for a in (*_TIME_ATTRS, "time")
            if e.get(a) is not None and not _RATIONAL.match(e.get(a, ""))]


def _frame(root: ET.Element, format_id: str | None) -> Fraction | None:
    fmt = root.find(f"./resources/format[@id='{format_id}']")
    duration = fmt.get("frameDuration") if fmt is not None else None
    return seconds(duration) if duration else None


def _on_grid(element: ET.Element, attrs: tuple[str, ...], frame: Fraction | None,
             where: str) -> list[str]:
    if frame is None:
        return [f"{where}: no frame duration to place its times on"]
    return [f"{where}: {a}={element.get(a)!r} is not on the {frame}s frame grid"
            for a in attrs if element.get(a) is not None and _RATIONAL.match(element.get(a, ""))
            and (seconds(element.get(a)) / frame).denominator != 1]


def _angle_rules(root: ET.Element, multicam: ET.Element, where: str,
                 event_offsets: Mapping[str, Fraction], tolerance: Fraction) -> list[str]:
    """Angle ids unique; each angle's items back to back from 0s (Final Cut's own exports
    count angle offsets from 0 whatever the ``tcStart``) on the multicam's frame grid; each
    camera where ``event_offsets`` puts it, relative to the earliest."""
    problems: list[str] = []
    frame = _frame(root, multicam.get("format"))
    problems += _on_grid(multicam, ("duration", "tcStart"), frame, where)
    angles = multicam.findall("mc-angle")
    ids = [a.get("angleID") for a in angles]
    problems += [f"{where}: angleID {i!r} is used twice" for i in set(ids) if ids.count(i) > 1]
    placed: dict[str, Fraction] = {}
    for angle in angles:
        at = Fraction(0)
        for item in angle:
            name = f"{where} angle {angle.get('angleID')} <{item.tag}>"
            problems += _on_grid(item, _TIME_ATTRS, frame, name)
            if item.tag != "transition" and seconds(item.get("offset")) != at:
                problems.append(f"{name}: offset {item.get('offset')} is not where the "
                                f"item before it ends ({at}s)")
            at = seconds(item.get("offset")) + seconds(item.get("duration"))
            asset = root.find(f"./resources/asset[@id='{item.get('ref')}']")
            if item.tag == "asset-clip" and asset is not None:
                placed[asset.get("uid", "")] = seconds(item.get("offset"))
    truth = {uid: event_offsets[uid] for uid in placed if uid in event_offsets}
    if truth:
        first, origin = min(placed.values()), min(truth.values())
        problems += [f"{where}: camera {uid} sits at {placed[uid] - first}s on the multicam, "
                     f"{truth[uid] - origin}s on the event clock"
                     for uid in truth
                     if abs(placed[uid] - first - (truth[uid] - origin)) > tolerance]
    return problems


def _mc_clip_rules(root: ET.Element, clip: ET.Element, sequence_frame: Fraction | None
                   ) -> list[str]:
    """The ref is a multicam, each source an angle of it (one picture, one sound at most),
    and the clip inside the multicam's media (its ``start`` counts from the multicam's
    ``tcStart``), on the frame grids."""
    where = f"<mc-clip {clip.get('name', '')}>"
    media = root.find(f"./resources/media[@id='{clip.get('ref')}']")
    multicam = media.find("multicam") if media is not None else None
    if multicam is None:
        return [f"{where}: ref={clip.get('ref')!r} names no media holding a multicam"]
    problems = _on_grid(clip, ("offset", "duration"), sequence_frame, where)
    problems += _on_grid(clip, ("start",), _frame(root, multicam.get("format")), where)
    angles = {a.get("angleID") for a in multicam.findall("mc-angle")}
    sources = clip.findall("mc-source")
    problems += [f"{where}: mc-source angleID {s.get('angleID')!r} is no angle of "
                 f"{clip.get('ref')}" for s in sources if s.get("angleID") not in angles]
    for kind in ("video", "audio"):
        if sum(s.get("srcEnable", "all") in ("all", kind) for s in sources) > 1:
            problems.append(f"{where}: more than one mc-source gives the {kind}")
    begin = seconds(multicam.get("tcStart"))
    end = begin + (seconds(multicam.get("duration")) if multicam.get("duration") else max(
        (seconds(i.get("offset")) + seconds(i.get("duration"))
         for a in multicam.findall("mc-angle") for i in a), default=Fraction(0)))
    start = seconds(clip.get("start"))
    if start < begin or start + seconds(clip.get("duration")) > end:
        problems.append(f"{where}: {start}s + {clip.get('duration')} runs outside the "
                        f"multicam's {begin}s to {end}s")
    return problems


def _multicam_rules(root: ET.Element, event_offsets: Mapping[str, Fraction],
                    tolerance: Fraction) -> list[str]:
    problems: list[str] = []
    for media in root.iterfind("./resources/media"):
        where = f"<media {media.get('id')}>"
        if len(media) > 1:
            problems.append(f"{where}: holds more than one multicam or sequence")
        for multicam in media.findall("multicam"):
            problems += _angle_rules(root, multicam, where, event_offsets, tolerance)
    for sequence in root.iter("sequence"):
        frame = _frame(root, sequence.get("format"))
        for clip in sequence.iter("mc-clip"):
            problems += _mc_clip_rules(root, clip, frame)
    return problems


@dataclass(frozen=True)
class McClip:
    """A spine ``mc-clip`` as an editor sees it: where it sits, which camera gives the
    picture and which the sound, and each camera's source time (its asset's timecode clock)
    under the clip's first frame (``None`` where that angle has no media)."""

    offset: Fraction
    duration: Fraction
    video: str | None
    audio: str | None
    sources: dict[str, Fraction | None]


def mc_clips(document: str) -> list[McClip]:
    """The spine's multicam clips, read the way Final Cut resolves them."""
    root = ET.fromstring(document)
    uid = {a.get("id"): a.get("uid", "") for a in root.iterfind("./resources/asset")}
    out = []
    for clip in root.iterfind(".//sequence/spine/mc-clip"):
        multicam = root.find(f"./resources/media[@id='{clip.get('ref')}']/multicam")
        assert multicam is not None
        start = seconds(clip.get("start")) - seconds(multicam.get("tcStart"))  # angle time
        sources: dict[str, Fraction | None] = {}
        for angle in multicam.findall("mc-angle"):
            for item in angle.findall("asset-clip"):
                at = seconds(item.get("offset"))
                inside = at <= start < at + seconds(item.get("duration"))
                sources[uid[item.get("ref")]] = (start - at + seconds(item.get("start"))
                                                 if inside else None)
        picks = {kind: next((uid_of(multicam, s, uid) for s in clip.findall("mc-source")
                             if s.get("srcEnable", "all") in ("all", kind)), None)
                 for kind in ("video", "audio")}
        out.append(McClip(seconds(clip.get("offset")), seconds(clip.get("duration")),
                          picks["video"], picks["audio"], sources))
    return out


def uid_of(multicam: ET.Element, source: ET.Element, uid: Mapping[str | None, str]
           ) -> str | None:
    """The asset uid of the camera an ``mc-source`` picks."""
    angle = multicam.find(f"mc-angle[@angleID='{source.get('angleID')}']")
    item = angle.find("asset-clip") if angle is not None else None
    return uid.get(item.get("ref")) if item is not None else None
