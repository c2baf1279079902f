"""The exporter interface and registry.

An exporter has a ``NAME`` (the ``--format`` value), a file ``EXTENSION`` and one required
method, ``export``. Modules register on import; one whose optional dependency is missing is
listed in ``UNAVAILABLE`` with the reason instead of breaking the others. The optional hook
``unavailable(timeline)`` names what the format cannot express for one timeline (a frame rate
with no timecode in CMX3600, say); ``export_timeline`` then raises ``ExportUnavailableError``
with that reason, and a session records it for that one file while the others are written.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import ClassVar, Literal
from urllib.parse import quote

from editron.domain.timeline import MediaInfo, Timeline
from editron.errors import ExportUnavailableError, InputError

__all__ = [
    "EXPORTERS",
    "UNAVAILABLE",
    "Exporter",
    "PathMode",
    "export_timeline",
    "media_url",
    "path_url",
    "register",
]

PathMode = Literal["absolute", "relative"]
EXPORT_LABELS = {"edl": "the EDL (CMX3600)", "fcpxml": "the FCPXML (Final Cut Pro)",
                 "xmeml": "the Premiere XML (xmeml)", "otio": "the OTIO timeline"}


class Exporter:
    NAME: ClassVar[str] = ""
    EXTENSION: ClassVar[str] = ""
    BINARY: ClassVar[bool] = False

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str | bytes:
        raise NotImplementedError

    def unavailable(self, timeline: Timeline) -> str | None:
        """Why this format cannot express ``timeline``, or ``None`` when it can."""
        return None


EXPORTERS: dict[str, Exporter] = {}
UNAVAILABLE: dict[str, str] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    EXPORTERS[cls.NAME] = cls()
    return cls


def media_url(info: MediaInfo, *, path_mode: PathMode, relative_to: str | None,
              timeline: Timeline) -> str:
    """An absolute ``file://`` URL, or a path relative to ``relative_to`` (default: the folder
    that holds all of the timeline's media) so a moved project folder relinks by itself."""
    return path_url(info.path, path_mode=path_mode, relative_to=relative_to, timeline=timeline)


def path_url(file_path: str, *, path_mode: PathMode, relative_to: str | None,
             timeline: Timeline) -> str:
    """``media_url`` for any file the timeline uses (its music bed, its logo)."""
    path = Path(file_path).absolute()
    if path_mode == "absolute":
        return path.as_uri()
    if path_mode != "relative":
        raise InputError(f"unknown path mode {path_mode!r}; use absolute or relative")
    folders = [str(Path(m.path).absolute().parent) for m in timeline.media.values()]
    base = relative_to or os.path.commonpath(folders or [str(path.parent)])
    rel = os.path.relpath(path, Path(base).absolute())
    return quote(str(PurePosixPath(*Path(rel).parts)))


def export_timeline(timeline: Timeline, fmt: str, *, path_mode: PathMode = "absolute",
                    relative_to: str | None = None) -> str | bytes:
    """The timeline written in format ``fmt`` (one of ``EXPORTERS``)."""
    from editron.edit import exporters  # noqa: F401  (registers the built-in formats)

    key = fmt.strip().lower()
    if key not in EXPORTERS:
        if key in UNAVAILABLE:
            raise InputError(f"export format {fmt!r} is unavailable: {UNAVAILABLE[key]}")
        raise InputError(f"unknown export format {fmt!r}; known: {', '.join(sorted(EXPORTERS))}")
    exporter = EXPORTERS[key]
    reason = exporter.unavailable(timeline)
    if reason is not None:
        from editron.edit.conform import title

        raise ExportUnavailableError(f"{EXPORT_LABELS.get(key, key)} cannot express "
                                     f"{title(timeline)!r}: {reason}")
    return exporter.export(timeline, path_mode=path_mode, relative_to=relative_to)
