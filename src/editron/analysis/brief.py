"""The client's brief: free text plus structured fields, read from JSON, ``key: value`` lines,
or plain prose (quoted phrases and "must use/avoid ..." sentences are picked out).

``scope`` picks the deliverables (any registered one; by default all); each gets its registered
defaults unless the brief names its own, in JSON (``deliverable_targets``) or as a line such as
``highlight: 20 s, 4 variants`` (any deliverable's name or brief word before the colon).
``brief_document`` is the saved JSON form (versioned) and
``brief_markdown`` the page a person reads."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from editron.domain.analysis import Brief
from editron.errors import InputError
from editron.story.deliverables import get_deliverable, parse_deliverables

__all__ = ["BRIEF_SCHEMA_VERSION", "brief_document", "brief_markdown",
           "deliverable_targets", "parse_brief", "parse_scope"]

BRIEF_SCHEMA_VERSION = 1
LIST_FIELDS = ("must_use", "sponsors", "must_avoid", "sponsor_logos", "products", "speakers")

_KEYS = {
    "must_use": "must_use", "must use": "must_use", "keywords": "must_use",
    "sponsors": "sponsors", "sponsor": "sponsors",
    "must_avoid": "must_avoid", "must avoid": "must_avoid", "avoid": "must_avoid",
    "tone": "tone", "logos": "sponsor_logos", "sponsor_logos": "sponsor_logos",
    "products": "products", "product": "products", "speakers": "speakers",
    "speaker": "speakers", "names": "speakers",
}


def _split(value: str) -> list[str]:
    return [item.strip().strip("\"'") for item in re.split(r"[,;]", value) if item.strip()]


def _items(phrase: str) -> list[str]:
    """"the CEO speech and the band" -> ["CEO speech", "band"]."""
    return [re.sub(r"^(the|a|an)\s+", "", item, flags=re.I)
            for item in _split(re.sub(r"\s+and\s+", ",", phrase))]


def _from_mapping(data: dict[str, Any]) -> Brief:
    """A JSON brief, forgiving about shapes: a string where a list belongs is split on commas,
    and the free ``text`` is still searched for quoted phrases and "must use" sentences."""
    # brief.json nests the brief under "brief"; accept it back as it was written.
    nested = data.get("brief")
    clean: dict[str, Any] = dict(nested) if isinstance(nested, dict) else dict(data)
    for name in LIST_FIELDS:
        value = clean.get(name)
        if isinstance(value, str):
            clean[name] = _split(value)
        elif isinstance(value, list | tuple):
            clean[name] = [str(v).strip() for v in value if str(v).strip()]
        elif value is not None:
            clean.pop(name)
    if not isinstance(clean.get("deliverable_targets", []), list):
        clean.pop("deliverable_targets")
    if clean.get("tone") is not None:
        clean["tone"] = str(clean["tone"])
    brief = Brief.from_dict(clean)
    brief.text = str(brief.text or "")
    if brief.text:
        _read_prose(brief, brief.text)
    _dedupe(brief)
    return brief


def _read_prose(brief: Brief, body: str) -> None:
    for match in re.finditer(r"must (?:use|include|show|feature|mention)\s+([^.;\n\"]+)"
                             r"(?=[.;\n]|$)", body, re.I):
        brief.must_use.extend(_items(match.group(1)))
    for match in re.finditer(r"(?:must )?(?:avoid|never show|do not show|don't show)\s+"
                             r"([^.;\n]+)", body, re.I):
        brief.must_avoid.extend(_items(match.group(1)))
    for match in re.finditer(r"(?i:sponsor(?:ed)?(?: by)?)\s+"
                             r"([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)", body):
        brief.sponsors.append(match.group(1))
    brief.must_use.extend(m.group(1).strip() for m in re.finditer(r"[\"“]([^\"”]+)[\"”]", body))
    if brief.tone is None:
        tone = re.search(r"\b(?:tone|mood)\s+(?:is\s+|should be\s+)?([a-z][\w -]{2,30})",
                         body, re.I)
        if tone:
            brief.tone = tone.group(1).strip()


def _dedupe(brief: Brief) -> None:
    for name in ("must_use", "sponsors", "must_avoid", "products", "speakers"):
        seen: dict[str, str] = {}
        for item in getattr(brief, name):
            if item:
                seen.setdefault(item.lower(), item)
        setattr(brief, name, list(seen.values()))


def parse_brief(text: str | dict[str, Any] | None) -> Brief:
    """A brief from JSON (text or already parsed), ``key: value`` lines, or free prose."""
    if text is None:
        return Brief()
    if isinstance(text, dict):
        return _from_mapping(text)
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return _from_mapping(data)
    brief = Brief(text=stripped)
    prose: list[str] = []
    for line in stripped.splitlines():
        key, sep, value = line.partition(":")
        field = _KEYS.get(key.strip().lower()) if sep else None
        target = _target_line(key, value) if sep and field is None else None
        if target is not None:
            brief.deliverable_targets.append(target)
        elif field == "tone":
            brief.tone = value.strip()
        elif field is not None:
            getattr(brief, field).extend(_split(value))
        else:
            prose.append(line)
    _read_prose(brief, " ".join(prose))
    _dedupe(brief)
    return brief


def parse_scope(scope: str | Sequence[str] | None) -> list[str]:
    """``"recap,highlight"`` or a list to registered deliverable names, in order, no repeats;
    empty means all of them."""
    return parse_deliverables(scope)


def deliverable_targets(scope: Sequence[str], brief: Brief) -> list[dict[str, Any]]:
    """Each deliverable's registered defaults for ``scope``, overridden by the brief's own."""
    overrides = {t.get("deliverable"): t for t in brief.deliverable_targets}
    return [{**get_deliverable(name).target(), **overrides.get(name, {})}
            for name in parse_deliverables(scope)]


_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|secs|seconds?\b)", re.I)
_VARIANTS = re.compile(r"(\d+)\s*(?:variants?|versions?|cuts?)\b", re.I)


def _target_line(key: str, value: str) -> dict[str, Any] | None:
    """``highlight: 20 s, 4 variants`` as a deliverable target; None when ``key`` names no
    registered deliverable (or the value says nothing about length or variants)."""
    try:
        name = get_deliverable(key).name
    except InputError:
        return None
    target: dict[str, Any] = {"deliverable": name}
    if seconds := _SECONDS.search(value):
        target["duration"] = float(seconds.group(1))
    if variants := _VARIANTS.search(value):
        target["variants"] = int(variants.group(1))
    return target if len(target) > 1 else None


def brief_markdown(brief: Brief, targets: Sequence[dict[str, Any]]) -> str:
    lines = ["# Brief", ""]
    if brief.text:
        lines += [brief.text, ""]
    for title, items in (("Must use", brief.must_use), ("Sponsors", brief.sponsors),
                         ("Products", brief.products), ("Speakers", brief.speakers),
                         ("Must avoid", brief.must_avoid)):
        if items:
            lines += [f"**{title}:** " + ", ".join(items), ""]
    if brief.tone:
        lines += [f"**Tone:** {brief.tone}", ""]
    lines += ["## Deliverables", ""]
    for t in targets:
        rest = ", ".join(f"{k} {v}" for k, v in t.items() if k != "deliverable")
        lines.append(f"- **{t['deliverable']}**: {rest}")
    return "\n".join(lines) + "\n"


def brief_document(brief: Brief, targets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The brief as saved next to the analysis (``brief.json``), with its schema version."""
    return {"schema_version": BRIEF_SCHEMA_VERSION, "brief": brief.to_dict(),
            "deliverable_targets": [dict(t) for t in targets]}
