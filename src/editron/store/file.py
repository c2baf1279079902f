"""The shared-folder backend: ``file:///srv/media`` (an NFS or SMB mount of the post house's
NAS, or the home's own ``media`` folder on one host). Every host mounts the same share,
perhaps at different places; the database holds keys, so each finds a file under its own
mount point.

Writes go to a hidden temporary name in the target's folder, are flushed to disk and renamed
into place (a rename is atomic within one file system, NFS included). A share that has gone
away (the mount point missing, or the server not answering: ``ESTALE``, ``EIO``,
``ENOTCONN``, ``ETIMEDOUT``...) is *unavailable* and retried; a missing file on a reachable
share is *missing*.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO, TypeVar

from editron.errors import StoreMissingError, StoreUnavailableError
from editron.store.base import with_retries
from editron.store.keys import check_key

__all__ = ["FileStore"]

T = TypeVar("T")

# What a network file system says when its server is away (a local disk never does).
_UNREACHABLE = {errno.ESTALE, errno.EIO, errno.ENOTCONN, errno.ETIMEDOUT, errno.EHOSTDOWN,
                errno.EHOSTUNREACH, errno.ENETDOWN, errno.ENETUNREACH, errno.ECONNREFUSED,
                errno.ECONNRESET}


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _UNREACHABLE


class FileStore:
    """Keys as files under one root folder, the same share on every host."""

    def __init__(self, root: Path, *, create: bool = False, attempts: int = 3,
                 backoff_seconds: float = 0.5) -> None:
        self.root = root
        self.url = root.as_uri()
        self.create = create
        self.attempts, self.backoff = attempts, backoff_seconds

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _reachable(self) -> None:
        if self.create:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.root.is_dir():
            raise StoreUnavailableError(
                f"the media store {self.url} is not mounted on this host (no folder "
                f"{self.root}); mount the share there or set EDITRON_MEDIA_URL to where it is")

    def _retry(self, what: str, call: Callable[[], T]) -> T:
        return with_retries(what, call, retryable=_retryable, attempts=self.attempts,
                            backoff_seconds=self.backoff, url=self.url)

    def _missing(self, key: str) -> StoreMissingError:
        return StoreMissingError(key, self.url)

    def put_file(self, key: str, local: Path) -> None:
        target = self._path(key)
        self._reachable()
        if local.resolve() == target.resolve():
            return  # written in place (the ingest's own copy on the share)

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
            try:
                with local.open("rb") as src, temp.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
                    dst.flush()
                    os.fsync(dst.fileno())
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)

        self._retry(f"writing {key}", copy)

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        self._reachable()
        found = self._retry(f"reading {key}", path.is_file)
        if not found:
            raise self._missing(key)
        return path

    def hold(self, key: str) -> AbstractContextManager[Path]:
        return nullcontext(self.local_path(key))  # a shared file is never evicted

    def exists(self, key: str) -> bool:
        self._reachable()
        return self._retry(f"looking for {key}", self._path(key).is_file)

    def size(self, key: str) -> int:
        return self.local_path(key).stat().st_size

    def open(self, key: str) -> BinaryIO:
        return self.local_path(key).open("rb")

    def keys(self, prefix: str) -> Iterator[str]:
        self._reachable()
        base = self._path(prefix)
        if not base.is_dir():
            return
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            if not path.name.endswith(".part"):
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        self._reachable()
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        removed = list(self.keys(prefix))
        shutil.rmtree(self._path(prefix), ignore_errors=True)
        return len(removed)

