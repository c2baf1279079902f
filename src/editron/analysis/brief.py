"""The client's brief: free text plus structured fields, read from JSON, ``key: value`` lines,
or plain prose (quoted phrases and "must use/avoid ..." sentences are picked out)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from editron.domain.analysis import Brief

__all__ = ["DEFAULT_TARGETS", "brief_markdown", "deliverable_targets", "parse_brief"]

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


def parse_brief(text: str | dict[str, Any] | None) -> Brief:
    if text is None:
        return Brief()
    if isinstance(text, dict):
        return Brief.from_dict(text)
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            return Brief.from_dict(json.loads(stripped))
        except json.JSONDecodeError:
            pass
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
    body = " ".join(prose)
    for match in re.finditer(r"must (?:use|include|show)\s+([^.;\n\"]+)(?=[.;\n]|$)", body,
                             re.I):
        brief.must_use.extend(_split(re.sub(r"^(the|a|an)\s+", "",
                                            match.group(1).replace(" and ", ","))))
    for match in re.finditer(r"(?:must )?avoid\s+([^.;\n]+)", body, re.I):
        brief.must_avoid.extend(_split(match.group(1).replace(" and ", ",")))
    for match in re.finditer(r"sponsor(?:ed)?(?: by)?\s+([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)", body):
        brief.sponsors.append(match.group(1))
    brief.must_use.extend(m.group(1) for m in re.finditer(r"\"([^\"]+)\"", body))
    for name in ("must_use", "sponsors", "must_avoid"):
        seen: dict[str, str] = {}
        for item in getattr(brief, name):
            seen.setdefault(item.lower(), item)
        setattr(brief, name, list(seen.values()))
    return brief


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
