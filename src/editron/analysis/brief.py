"""The client's brief: free text plus structured fields, read from JSON, ``key: value`` lines,
or plain prose (quoted phrases and "must use/avoid ..." sentences are picked out).

``scope`` (recap, highlight, social) picks the deliverables; each gets the DESIGN.md defaults
unless the brief names its own. ``brief_document`` is the saved JSON form (versioned) and
``brief_markdown`` the page a person reads."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from editron.domain.analysis import Brief
from editron.errors import InputError

__all__ = ["BRIEF_SCHEMA_VERSION", "DEFAULT_TARGETS", "brief_document", "brief_markdown",
           "deliverable_targets", "parse_brief", "parse_scope"]

BRIEF_SCHEMA_VERSION = 1
LIST_FIELDS = ("must_use", "sponsors", "must_avoid", "sponsor_logos")

DEFAULT_TARGETS: dict[str, dict[str, Any]] = {
    "recap": {"deliverable": "recap", "duration": 59.0, "variants": 1,
              "shape": "chronological story with an energy arc"},
    "highlight": {"deliverable": "highlight", "min_duration": 10.0, "max_duration": 30.0,
                  "variants": 3, "shape": "highest-energy moments"},
    "social": {"deliverable": "social", "max_duration": 15.0, "hook_seconds": 3.0,
               "variants": 1, "shape": "one peak moment, captions on"},
}
_KEYS = {
    "must_use": "must_use", "must use": "must_use", "keywords": "must_use",
    "sponsors": "sponsors", "sponsor": "sponsors",
    "must_avoid": "must_avoid", "must avoid": "must_avoid", "avoid": "must_avoid",
    "tone": "tone", "logos": "sponsor_logos", "sponsor_logos": "sponsor_logos",
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
    for name in ("must_use", "sponsors", "must_avoid"):
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
        if field == "tone":
            brief.tone = value.strip()
        elif field is not None:
            getattr(brief, field).extend(_split(value))
        else:
            prose.append(line)
    _read_prose(brief, " ".join(prose))
    _dedupe(brief)
    return brief


def parse_scope(scope: str | Sequence[str] | None) -> list[str]:
    """``"recap,highlight"`` or a list to known deliverable names, in order, no repeats;
    empty means all three."""
    items = scope.split(",") if isinstance(scope, str) else list(scope or [])
    names = [i.strip().lower() for i in items if i.strip()]
    unknown = [n for n in names if n not in DEFAULT_TARGETS]
    if unknown:
        raise InputError(f"unknown deliverable in scope: {', '.join(unknown)} "
                         f"(choose from {', '.join(DEFAULT_TARGETS)})")
    return list(dict.fromkeys(names)) or list(DEFAULT_TARGETS)


def deliverable_targets(scope: Sequence[str], brief: Brief) -> list[dict[str, Any]]:
    """DESIGN.md defaults for each deliverable in ``scope``, overridden by the brief's own."""
    overrides = {t.get("deliverable"): t for t in brief.deliverable_targets}
    out = []
    for name in scope or ("recap", "highlight", "social"):
        if name not in DEFAULT_TARGETS:
            continue
        out.append({**DEFAULT_TARGETS[name], **overrides.get(name, {})})
    return out


def brief_markdown(brief: Brief, targets: Sequence[dict[str, Any]]) -> str:
    lines = ["# Brief", ""]
    if brief.text:
        lines += [brief.text, ""]
    for title, items in (("Must use", brief.must_use), ("Sponsors", brief.sponsors),
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
