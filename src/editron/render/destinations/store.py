"""Delivery into the media store (``store:``), the default destination of a render.

Every rendered file is put into the media store under its job's folder
(``batches/<batch>/renders/<job>/<name>``) once it passes QC, whatever else it is delivered
to; this destination names that place, so a render asked for with no destination is
downloaded from whichever host serves the API (``GET /api/render-jobs/{id}/output``), not
from a folder under one host's home. Its URL is ``store:<key>``.

The object is already there when the job delivers, so delivering is normally ``skipped``
(same size under the same key); otherwise the file is put, atomically, replacing what was
there. A store that cannot be reached raises StoreUnavailableError: the render is tried
again (transient), as with any delivery that may succeed later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from editron.errors import InputError, StoreMissingError
from editron.render.destinations.base import (
    DeliveryResult,
    Destination,
    ProgressCallback,
    check_file_name,
    check_source,
    register,
)
from editron.store import join_key, media_store

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = ["STORE_TARGET", "MediaStoreDestination"]

STORE_TARGET = "store:"


@register
class MediaStoreDestination(Destination):
    """The media store every host sees; ``deliver`` returns a ``store:<key>`` URL."""

    NAME = "store"
    HELP = ("store: (the default) the media store every host sees; download the file "
            "from the API")

    def __init__(self, settings: Settings, folder_key: str | None = None) -> None:
        self.settings = settings
        self.folder_key = folder_key

    @classmethod
    def from_target(cls, target: str, *, settings: Settings) -> MediaStoreDestination:
        text = target.strip()
        if text.lower() != STORE_TARGET:
            raise InputError(f"destination {text!r}: the media store is written just "
                             f"{STORE_TARGET!r} (each render goes to its job's own folder)")
        return cls(settings)

    def for_render(self, folder_key: str) -> MediaStoreDestination:
        return type(self)(self.settings, join_key(folder_key))

    def describe(self) -> str:
        return f"the media store ({media_store(self.settings).url})"

    def deliver(self, path: Path, name: str, *,
                on_progress: ProgressCallback | None = None) -> DeliveryResult:
        where = self.describe()
        check_file_name(name, destination=where)
        size = check_source(path, destination=where)
        if self.folder_key is None:
            raise InputError(f"cannot deliver {name} to {where}: the media store takes a "
                             "render job's file into the job's own folder; render it")
        key = join_key(self.folder_key, name)
        store = media_store(self.settings)
        try:
            skipped = store.size(key) == size
        except StoreMissingError:
            skipped = False
        if not skipped:
            store.put_file(key, path)
        if on_progress is not None:
            on_progress(size, size)
        return DeliveryResult(url=f"store:{key}", skipped=skipped, bytes=size)
