"""The destination interface and registry: where a rendered file is delivered.

A destination has a ``NAME`` (the scheme people write: ``file``, ``dropbox``), one required
method, ``deliver``, and a ``from_target`` constructor that reads the text after the scheme.
Modules register on import; one whose optional dependency is missing is listed in
``UNAVAILABLE`` with the reason instead of breaking the others.

Delivery is idempotent: delivering the same bytes under the same name twice leaves one file
and reports ``skipped=True`` the second time; different bytes replace the old file whole.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from editron.errors import InputError

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = [
    "DESTINATIONS",
    "UNAVAILABLE",
    "DeliveryResult",
    "Destination",
    "ProgressCallback",
    "check_file_name",
    "check_source",
    "register",
]

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent so far, total bytes) while a delivery runs."""

# A scheme is at least two characters, so a Windows drive (``C:\\renders``) stays a path.
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """Where the file now is, whether identical bytes were already there, and its size."""

    url: str
    skipped: bool
    bytes: int


class Destination(ABC):
    """One place rendered files go. Subclasses set ``NAME`` (their URL scheme) and ``HELP``
    (how a person writes one) and implement ``deliver``."""

    NAME: ClassVar[str] = ""
    HELP: ClassVar[str] = ""

    @classmethod
    def for_network(cls, target: str, *, settings: Settings) -> str:
        """``target`` as a caller over HTTP or MCP may use it, checked now (before any job
        exists); InputError when the network may not name it. By default any target of the
        scheme is fine: it reaches only what the server's own credentials reach (the request
        builds the destination before any job exists, which checks the rest)."""
        return target.strip()

    @classmethod
    @abstractmethod
    def from_target(cls, target: str, *, settings: Settings) -> Destination:
        """Build from ``target``, the whole text the user wrote (``dropbox:/Events/2026``)."""

    @abstractmethod
    def deliver(self, path: Path, name: str, *,
                on_progress: ProgressCallback | None = None) -> DeliveryResult:
        """Put the file at ``path`` into this destination under ``name``."""

    def for_render(self, folder_key: str) -> Destination:
        """This destination for one render job whose media-store folder is ``folder_key``
        (``batches/<batch>/renders/<job>``): the media store's own destination delivers
        there; any other is itself (the default)."""
        return self

    def describe(self) -> str:
        """The destination as a person would write it (used in messages)."""
        return self.NAME


DESTINATIONS: dict[str, type[Destination]] = {}
UNAVAILABLE: dict[str, str] = {}


def register(cls: type[Destination]) -> type[Destination]:
    DESTINATIONS[cls.NAME] = cls
    return cls


def check_file_name(name: str, *, destination: str) -> str:
    """``name`` if it is one plain file name; InputError otherwise (no folders, no ``..``)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise InputError(f"cannot deliver to {destination} as {name!r}: the delivered name must "
                         "be a plain file name without folders, such as 'gala-recap.mp4'")
    return name


def check_source(path: Path, *, destination: str) -> int:
    """The size of the rendered file at ``path``; InputError if it is not a readable file."""
    try:
        if not path.is_file():
            raise InputError(f"cannot deliver {path} to {destination}: it is not a file; "
                             "render it first or check the path", path=str(path))
        return path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot deliver {path} to {destination}: {exc.strerror or exc}",
                         path=str(path)) from exc
