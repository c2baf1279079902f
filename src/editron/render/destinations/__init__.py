"""Where rendered files go, one module per destination; importing this package registers them.

``parse_destination("dropbox:/Events/Gala")`` (or ``s3://bucket/folder``, with the ``s3``
extra) picks the destination by scheme (a plain folder
path is ``file``); ``deliver(path, name)`` puts the file there once, atomically.
"""

from __future__ import annotations

import importlib

from editron.render.destinations.base import (
    DESTINATIONS,
    UNAVAILABLE,
    DeliveryError,
    DeliveryResult,
    Destination,
    ProgressCallback,
    parse_destination,
)

__all__ = [
    "DESTINATIONS",
    "UNAVAILABLE",
    "DeliveryError",
    "DeliveryResult",
    "Destination",
    "ProgressCallback",
    "parse_destination",
]

for _name in ("local", "dropbox", "s3"):
    try:
        importlib.import_module(f"editron.render.destinations.{_name}")
    except ImportError as _exc:  # an optional dependency is missing: list it, keep the rest
        UNAVAILABLE[_name] = (f"{_exc}; install it with pip install 'editron[s3]'"
                              if _name == "s3" else str(_exc))
