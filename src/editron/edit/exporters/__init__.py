"""Timeline exporters, one module per format; importing this package registers them all.

Every module beside ``base.py`` is imported (a format is added by adding its module), and
``export_timeline`` writes a timeline in any registered format.
"""

from __future__ import annotations

import importlib
import pkgutil

from editron.domain.timeline import Timeline
from editron.edit.conform import title
from editron.edit.exporters.base import (
    EXPORTERS,
    UNAVAILABLE,
    Exporter,
    PathMode,
    media_url,
    register,
)
from editron.errors import ExportUnavailableError, InputError

__all__ = ["EXPORTERS", "UNAVAILABLE", "Exporter", "PathMode", "export_formats",
           "export_timeline", "get_exporter", "media_url", "register"]

for _module in pkgutil.iter_modules(__path__):
    try:
        importlib.import_module(f"{__name__}.{_module.name}")
    except ImportError as _exc:  # an optional adapter is missing: list it, keep the rest
        UNAVAILABLE[_module.name] = str(_exc)


def export_formats() -> list[str]:
    """The registered formats' names, in registration order."""
    return list(EXPORTERS)


def get_exporter(fmt: str) -> Exporter:
    """The exporter for ``fmt`` (case and spaces forgiven); InputError naming the known ones."""
    key = fmt.strip().lower()
    if key not in EXPORTERS:
        if key in UNAVAILABLE:
            raise InputError(f"export format {fmt!r} is unavailable: {UNAVAILABLE[key]}")
        raise InputError(f"unknown export format {fmt!r}; known: {', '.join(EXPORTERS)}")
    return EXPORTERS[key]


def export_timeline(timeline: Timeline, fmt: str, *, path_mode: PathMode = "absolute",
                    relative_to: str | None = None) -> str | bytes:
    """The timeline written in format ``fmt``; ExportUnavailableError when the format cannot
    express this timeline (the reason says why)."""
    exporter = get_exporter(fmt)
    reason = exporter.unavailable(timeline)
    if reason is not None:
        raise ExportUnavailableError(f"{exporter.LABEL or exporter.NAME} cannot express "
                                     f"{title(timeline)!r}: {reason}")
    return exporter.export(timeline, path_mode=path_mode, relative_to=relative_to)
