"""Where rendered files go, one module per destination; importing this package registers them.

``parse_destination("dropbox:/Events/Gala")`` picks the destination by scheme (a plain folder
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

for _name in ("local", "dropbox"):
    try:
        importlib.import_module(f"editron.render.destinations.{_name}")
    except ImportError as _exc:  # an optional dependency is missing: list it, keep the rest
        UNAVAILABLE[_name] = str(_exc)

# S3 delivery is planned (boto3 would be its optional dependency); until then the scheme is
# recognised so the message says so instead of "unknown scheme".
UNAVAILABLE.setdefault("s3", "not implemented in this build (it would need boto3)")
