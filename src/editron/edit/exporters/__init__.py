"""Timeline exporters, one module per format; importing this package registers them all."""

from __future__ import annotations

import importlib

from editron.edit.exporters.base import (
    EXPORTERS,
    UNAVAILABLE,
    Exporter,
    PathMode,
    export_timeline,
    media_url,
)

__all__ = ["EXPORTERS", "UNAVAILABLE", "Exporter", "PathMode", "export_timeline", "media_url"]

for _name in ("otio", "fcpxml", "xmeml", "edl", "srt", "vtt", "ass"):
    try:
        importlib.import_module(f"editron.edit.exporters.{_name}")
    except ImportError as _exc:  # an optional adapter is missing: list it, keep the rest
        UNAVAILABLE[_name] = str(_exc)
