"""The media a saved timeline names, and where each host finds it.

A timeline saved on an edit session names each source by what the database keeps for it:
its media-store key (``batches/<id>/originals/day1/keynote.mp4``) for a file in the store,
else its path (a cold original kept at its source, music outside Editron). No host's
absolute path of a stored file is saved, so every host reads the same timeline. Two views
turn the keys into paths on the host that needs them:

- :func:`referenced`, for the exports an editor opens (FCPXML, xmeml, OTIO, EDL): each key
  becomes ``<storage folder>/<key>`` with no I/O. On a shared folder that is the file itself
  on this host's mount of the share (every host that mounts it at the same point reads the
  same export); with an S3 store it is where a mirror of the bucket at the storage folder
  puts it (``aws s3 sync s3://bucket/prefix <storage folder>``), and the names still relink.
  A relative export is made from the same view, so its references follow the keys' layout.
- :func:`localised`, for work that reads the bytes (a package's media, a render): each key
  becomes a readable local file through the store (fetched into this worker's cache on S3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from editron.config import Settings
from editron.domain.timeline import Timeline
from editron.services.media_access import local_media_path
from editron.store import is_key, key_of, media_store

__all__ = ["in_store", "localised", "media_key", "referenced"]


def media_key(settings: Settings, stored: str | None) -> str | None:
    """The key a stored value names (a key, or a legacy path under the storage folder);
    None for a path outside the store (or nothing)."""
    if not stored:
        return None
    return key_of(stored, settings.storage_dir)


def in_store(settings: Settings, stored: str | None) -> bool:
    """Whether the file a row names is there to edit: its object in the media store (asked,
    not fetched), or a file outside the store on this host's disk."""
    if not stored:
        return False
    key = media_key(settings, stored)
    if key is None:
        return Path(stored).is_file()
    return media_store(settings).exists(key)


def _mapped(timeline: Timeline, convert: Callable[[str, str | None], str]) -> Timeline:
    """``timeline`` with every media path (clips' sources; the music bed and the logo when
    they are in the store) passed through ``convert(path, file_id)``."""
    media = {fid: replace(info, path=convert(info.path, fid))
             for fid, info in timeline.media.items()}
    music = timeline.music
    if music is not None and is_key(music.path):
        music = replace(music, path=convert(music.path, None))
    brand = timeline.brand
    if brand is not None and brand.logo_path and is_key(brand.logo_path):
        brand = replace(brand, logo_path=convert(brand.logo_path, None))
    return replace(timeline, media=media, music=music, brand=brand)


def referenced(timeline: Timeline, settings: Settings) -> Timeline:
    """The timeline as an export names its media on this host (see the module docstring)."""
    root = settings.storage_dir

    def convert(path: str, _file_id: str | None) -> str:
        key = media_key(settings, path)
        return str(root / key) if key is not None else path

    return _mapped(timeline, convert)


def localised(timeline: Timeline, settings: Settings) -> Timeline:
    """The timeline with every stored file readable on this host: originals by file id
    (a cold original fetched from its source), any other key through the store."""
    store = media_store(settings)

    def convert(path: str, file_id: str | None) -> str:
        key = media_key(settings, path)
        if key is None:
            return path
        if file_id is not None:
            return str(local_media_path(file_id, settings=settings))
        return str(store.local_path(key))

    return _mapped(timeline, convert)
