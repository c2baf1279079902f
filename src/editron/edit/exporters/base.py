"""The exporter interface and registry.

An exporter is one definition: a ``NAME`` (the ``--format`` value), the file ``EXTENSION``, the
``MEDIA_TYPE`` a download carries, a ``LABEL`` people read ("the FCPXML (Final Cut Pro)"),
``CAPTIONS`` when it is a caption sidecar (written only for timelines that have captions), and
one required method, ``export``. Registering it (``@register``) is all it takes: the session
exports, the CLI's ``--format`` choices, the API's format enum and the downloads read the
registry. Modules register on import; one whose optional dependency is missing is listed in
``UNAVAILABLE`` with the reason instead of breaking the others. The optional hook
``unavailable(timeline)`` names what the format cannot express for one timeline (a frame rate
with no timecode in CMX3600, say); exporting then raises ``ExportUnavailableError`` with that
reason, and a session records it for that one file while the others are written.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import ClassVar, Literal
from urllib.parse import quote

from editron.domain.timeline import MediaInfo, Timeline
from editron.errors import InputError

__all__ = [
    "EXPORTERS",
    "UNAVAILABLE",
    "Exporter",
    "PathMode",
    "media_url",
    "path_url",
    "register",
]

PathMode = Literal["absolute", "relative"]


class Exporter:
    NAME: ClassVar[str] = ""
    EXTENSION: ClassVar[str] = ""
    MEDIA_TYPE: ClassVar[str] = "application/octet-stream"
    LABEL: ClassVar[str] = ""
    BINARY: ClassVar[bool] = False
    CAPTIONS: ClassVar[bool] = False

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str | bytes:
        raise NotImplementedError

    def unavailable(self, timeline: Timeline) -> str | None:
        """Why this format cannot express ``timeline``, or ``None`` when it can."""
        return None


EXPORTERS: dict[str, Exporter] = {}
UNAVAILABLE: dict[str, str] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: make the format available by its ``NAME``."""
    if not cls.NAME or not cls.EXTENSION:
        raise TypeError(f"{cls.__name__} needs a NAME and an EXTENSION to register")
    EXPORTERS[cls.NAME] = cls()
    UNAVAILABLE.pop(cls.NAME, None)
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
