"""The media store's interface, and the retry policy every backend shares.

A backend stores whole files under logical keys (:mod:`editron.store.keys`). Writing is
atomic: an object appears under its key only once all of it is there (a temporary name then
a rename on a shared folder; a completed upload on S3), so a reader on another host never
sees half a file. Reading gives a local path: the shared folder's own file, or a copy fetched
into this worker's bounded cache (held, so it is not evicted while in use).

Errors: :class:`~editron.errors.StoreMissingError` when the key is not there (permanent:
trying again will not make it appear), :class:`~editron.errors.StoreUnavailableError` when
the store cannot be reached after ``media_store_attempts`` tries (transient: the queue runs
the job again, possibly on another worker).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar, runtime_checkable

from editron.errors import StoreUnavailableError

__all__ = ["MediaStore", "with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@runtime_checkable
class MediaStore(Protocol):
    """Whole files under logical keys, visible to every host that names the same store."""

    url: str  # ``file:///srv/media`` or ``s3://bucket/prefix``: what EDITRON_MEDIA_URL says

    def put_file(self, key: str, local: Path) -> None:
        """Store the bytes of ``local`` under ``key``, atomically, replacing what was there.
        ``local`` is left in place (on a shared folder it may already be the stored file)."""
        ...

    def local_path(self, key: str) -> Path:
        """A readable local file with the object's bytes (fetched into the cache if need
        be); StoreMissingError when there is no such object."""
        ...

    def hold(self, key: str) -> AbstractContextManager[Path]:
        """``local_path`` kept from eviction for as long as the ``with`` block runs."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Bytes of the object; StoreMissingError when there is none."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The object opened for reading (seekable: range reads for downloads)."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (a folder-like key), in name order."""
        ...

    def delete(self, key: str) -> None:
        """Remove one object (nothing happens when it is not there)."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``; how many were removed."""
        ...


def with_retries(what: str, call: Callable[[], T], *, retryable: Callable[[BaseException], bool],
                 attempts: int, backoff_seconds: float, url: str,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, tried up to ``attempts`` times while it fails in a way ``retryable``
    accepts, waiting ``backoff_seconds * 2**n`` (capped at 30 s) between tries; after the
    last, StoreUnavailableError naming the store and what was being done."""
    tries = max(1, attempts)
    for attempt in range(1, tries + 1):
        try:
            return call()
        except Exception as exc:
            if not retryable(exc):
                raise
            if attempt == tries:
                raise StoreUnavailableError(
                    f"the media store {url} cannot be reached ({what}: "
                    f"{type(exc).__name__}: {exc}) after {tries} attempt(s); the job will be "
                    "tried again (check the store is up and EDITRON_MEDIA_URL is right)"
                ) from exc
            delay = min(30.0, backoff_seconds * 2 ** (attempt - 1))
            log.warning("media store %s: %s failed (%s), retrying in %.2f s", url, what,
                        exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
