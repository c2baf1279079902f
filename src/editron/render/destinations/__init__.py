"""Where rendered files go, one module per destination; importing this package registers them.

``parse_destination("dropbox:/Events/Gala")`` (or ``s3://bucket/folder``, with the ``s3``
extra) picks the destination by scheme (a plain folder
path is ``file``); ``deliver(path, name)`` puts the file there once, atomically.
"""

from __future__ import annotations

import importlib
import pkgutil

from editron.config import Settings
from editron.errors import InputError
from editron.render.destinations.base import (
    DESTINATIONS,
    SCHEME,
    UNAVAILABLE,
    DeliveryResult,
    Destination,
    ProgressCallback,
)

__all__ = [
    "DESTINATIONS",
    "UNAVAILABLE",
    "DeliveryResult",
    "Destination",
    "ProgressCallback",
    "destination_class",
    "parse_destination",
]

# Every module beside base.py is a destination; a missing optional dependency marks its
# scheme unavailable (with the reason its module gives) instead of breaking the others.
for _module in pkgutil.iter_modules(__path__):
    if _module.name == "base":
        continue
    try:
        importlib.import_module(f"{__name__}.{_module.name}")
    except ImportError as _exc:
        UNAVAILABLE[_module.name] = str(_exc)


def destination_class(text: str) -> type[Destination]:
    """The registered destination a person's text names by its scheme (a plain folder path is
    ``file``); InputError naming the known schemes."""
    stripped = text.strip()
    if not stripped:
        raise InputError("no destination given; write a folder path, file:///abs/folder or "
                         "dropbox:/folder")
    match = SCHEME.match(stripped)
    key = match.group(1).lower() if match else "file"
    if key not in DESTINATIONS:
        if key in UNAVAILABLE:
            raise InputError(f"destination {stripped!r}: {key} delivery is unavailable: "
                             f"{UNAVAILABLE[key]}")
        known = ", ".join(f"{name}:" for name in sorted(DESTINATIONS))
        raise InputError(f"destination {stripped!r}: unknown scheme {key!r}; use a folder path "
                         f"or one of {known}")
    return DESTINATIONS[key]


def parse_destination(text: str, *, settings: Settings) -> Destination:
    """A destination from what a person wrote: a folder path (the default), ``file:///dir``,
    ``dropbox:/folder`` or another registered scheme."""
    return destination_class(text).from_target(text.strip(), settings=settings)
