"""The media store: every file a batch owns (originals, proxies, analysis artefacts,
previews, exports, renders) under a logical key that names it on every host.

``EDITRON_MEDIA_URL`` picks the backend: unset, the storage folder (``<home>/media`` or
``MEDIA_STORAGE_PATH``); ``file:///srv/media``, a share every host mounts (NFS/SMB, the NAS
of a post house); ``s3://bucket/prefix``, an S3-compatible object store with a bounded cache
per worker (``EDITRON_MEDIA_CACHE_BYTES`` under ``<home>/cache/media``). The database keeps
keys (:mod:`editron.store.keys`); :func:`resolve_local` turns a stored value into a readable
local file and :func:`publish` puts a file written under the storage folder into the store.

A layer beside ``db`` and ``media``: it imports only config, errors and the standard library
(boto3 for S3), never jobs or services.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from editron.config import Settings
from editron.errors import ConfigError, StoreMissingError
from editron.store.base import MediaStore, with_retries
from editron.store.cache import MediaCache
from editron.store.file import FileStore
from editron.store.keys import batch_key, check_key, is_key, join_key, key_of

__all__ = ["FileStore", "MediaCache", "MediaStore", "batch_key", "check_key", "is_key",
           "join_key", "key_of", "local_folder", "local_or_none", "media_store", "publish",
           "publish_tree", "resolve_local", "stored_value", "with_retries"]

_STORES: dict[tuple[object, ...], MediaStore] = {}
_LOCK = threading.Lock()


def _s3(settings: Settings, bucket: str, prefix: str) -> MediaStore:
    try:
        from editron.store.s3 import S3Store
    except ImportError as exc:
        raise ConfigError(f"EDITRON_MEDIA_URL=s3://{bucket}/{prefix} needs boto3: {exc}"
                          ) from None
    cache = MediaCache(settings.media_cache_dir, settings.media_cache_bytes)
    return S3Store(bucket, prefix, cache=cache, endpoint_url=settings.s3_endpoint_url,
                   region=settings.s3_region, attempts=settings.media_store_attempts,
                   backoff_seconds=settings.download_backoff_base_seconds,
                   timeout_seconds=settings.download_timeout_seconds,
                   part_bytes=settings.s3_part_bytes)


def _build(settings: Settings) -> MediaStore:
    url = (settings.media_url or "").strip()
    parts = urlsplit(url)
    if not url or parts.scheme == "file" or (not parts.scheme and url.startswith("/")):
        # storage_dir is the share's mount point when EDITRON_MEDIA_URL names one
        return FileStore(settings.storage_dir, create=not url,
                         attempts=settings.media_store_attempts,
                         backoff_seconds=settings.download_backoff_base_seconds)
    if parts.scheme == "s3" and parts.netloc:
        return _s3(settings, parts.netloc, unquote(parts.path).strip("/"))
    raise ConfigError(f"EDITRON_MEDIA_URL={url!r}: write file:///path/of/the/share or "
                      "s3://bucket/prefix (or leave it unset for the storage folder)")


def media_store(settings: Settings) -> MediaStore:
    """The store ``settings`` name, made once per configuration (an S3 client is reused)."""
    ident = (settings.media_url, str(settings.storage_dir), str(settings.media_cache_dir),
             settings.media_cache_bytes, settings.media_store_attempts,
             settings.s3_endpoint_url, settings.s3_region)
    with _LOCK:
        store = _STORES.get(ident)
        if store is None:
            store = _STORES[ident] = _build(settings)
    return store


def stored_value(settings: Settings, path: Path | str) -> str:
    """What the database keeps for a local file: its key when it lies under the storage
    folder, else the path as it is (a file outside Editron's storage, such as music)."""
    return key_of(path, settings.storage_dir) or str(path)


def publish(settings: Settings, path: Path) -> str:
    """Put ``path`` (written under the storage folder) into the store; its key. On a shared
    folder the file is already in place and nothing is copied."""
    key = key_of(path, settings.storage_dir)
    if key is None:
        raise ConfigError(f"{path} is outside the storage folder {settings.storage_dir}; "
                          "only files written there can be put in the media store")
    media_store(settings).put_file(key, path)
    return key


def resolve_local(settings: Settings, stored: str) -> Path:
    """A readable local file for a stored value: a key through the store (fetched into the
    cache on S3), a legacy absolute path as it is."""
    if Path(stored).is_absolute():
        key = key_of(stored, settings.storage_dir)
        if key is None:
            return Path(stored)
        stored = key
    return media_store(settings).local_path(check_key(stored))


def local_or_none(settings: Settings, stored: str | None) -> Path | None:
    """:func:`resolve_local`, or None when nothing is stored or the object is missing (an
    optional file such as a proxy); an unreachable store still raises."""
    if not stored:
        return None
    try:
        path = resolve_local(settings, stored)
    except StoreMissingError:
        return None
    return path if path.exists() else None


def publish_tree(settings: Settings, folder: Path) -> str:
    """Every file under ``folder`` (inside the storage folder) put into the store; the
    folder's key (what the database keeps for it)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        publish(settings, path)
    return stored_value(settings, folder)


def local_folder(settings: Settings, stored: str) -> Path:
    """A local folder holding every object under a stored folder key (fetched into the
    cache on S3); a legacy absolute path as it is."""
    key = key_of(stored, settings.storage_dir)
    if key is None:
        return Path(stored)
    store = media_store(settings)
    if isinstance(store, FileStore):
        return store.root / key
    for name in store.keys(key):
        store.local_path(name)
    return settings.media_cache_dir / key
