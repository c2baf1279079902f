"""The deliverable registry: one definition per kind of cut (recap, highlight, social, ...).

A ``Deliverable`` carries everything every front end and stage needs to know about it: its
name (the ``--deliverable`` value and the brief's scope word), the words a brief may use for
it, its length rules and default variants, the shape a person reads, and the blueprint
builder that picks its moments. Registering one (``register_deliverable``) is the whole job:
the CLI's choices and help, the API's enums and OpenAPI, the MCP and OpenAI tool schemas, the
brief parser and the lane all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from editron.domain.timeline import Blueprint
from editron.errors import InputError

if TYPE_CHECKING:  # the builders' material is defined beside the builders
    from editron.story.blueprints import StoryMaterial

__all__ = ["DELIVERABLES", "Deliverable", "DeliverablePlan", "deliverable_names",
           "get_deliverable", "parse_deliverables", "register_deliverable"]


@dataclass(frozen=True, slots=True)
class DeliverablePlan:
    """What one request asks of a deliverable, after the brief and the caller have spoken:
    the target length (seconds and timeline frames) and how many variants."""

    name: str
    seconds: float
    target_frames: int
    variants: int
    min_seconds: float
    max_seconds: float
    hook_seconds: float | None = None


BlueprintBuilder = Callable[["StoryMaterial", DeliverablePlan], list[Blueprint]]


@dataclass(frozen=True, slots=True)
class Deliverable:
    name: str
    summary: str  # one line for help texts and tool schemas
    duration: float  # default length in seconds
    min_duration: float
    max_duration: float
    variants: int  # default number of variants
    build: BlueprintBuilder
    words: tuple[str, ...] = ()  # other words a brief uses for it ("highlights", "reel")
    hook_seconds: float | None = None  # the strongest moment must land inside this
    shape: str = ""  # how the story is built, in a person's words

    def target(self) -> dict[str, Any]:
        """The deliverable's default target, as the analysis brief records it."""
        out: dict[str, Any] = {"deliverable": self.name, "duration": self.duration,
                               "min_duration": self.min_duration,
                               "max_duration": self.max_duration, "variants": self.variants}
        if self.hook_seconds is not None:
            out["hook_seconds"] = self.hook_seconds
        if self.shape:
            out["shape"] = self.shape
        return out


DELIVERABLES: dict[str, Deliverable] = {}


def register_deliverable(deliverable: Deliverable) -> Deliverable:
    if not deliverable.name or deliverable.name != deliverable.name.strip().lower():
        raise ValueError(f"deliverable name {deliverable.name!r} must be lower-case and bare")
    if not 0 < deliverable.min_duration <= deliverable.duration <= deliverable.max_duration:
        raise ValueError(f"deliverable {deliverable.name!r}: need 0 < min <= default <= max")
    DELIVERABLES[deliverable.name] = deliverable
    return deliverable


def deliverable_names() -> list[str]:
    """Registered deliverables, in registration order (the built-ins first)."""
    return list(DELIVERABLES)


def parse_deliverables(items: Sequence[str] | str | None) -> list[str]:
    """``"recap,highlights"`` or a list to registered names, in order, without repeats (brief
    words resolve to their deliverable); nothing given means every one."""
    values = items.split(",") if isinstance(items, str) else list(items or [])
    names = [get_deliverable(v).name for v in values if v.strip()]
    return list(dict.fromkeys(names)) or deliverable_names()


def get_deliverable(name: str) -> Deliverable:
    """The deliverable called ``name`` or one of its brief words; InputError naming them."""
    key = name.strip().lower()
    found = DELIVERABLES.get(key) or next(
        (d for d in DELIVERABLES.values() if key in d.words), None)
    if found is None:
        raise InputError(f"unknown deliverable {name!r}; use {', '.join(DELIVERABLES)}")
    return found
