"""A worker's bounded local copy of objects it read from a remote store.

Files live under ``<home>/cache/media/<key>`` (the key's own name, so ffmpeg sees the real
extension). A download goes to ``.tmp/`` and is renamed into place once whole, so a reader
never opens half a file. After each fill the least recently used files are removed until the
cache is within ``EDITRON_MEDIA_CACHE_BYTES``; a file someone holds (a shared ``flock``, taken
by :meth:`MediaCache.hold` for as long as a render or analysis reads it) is never removed, so
the bound may be exceeded while every file is in use, never by removing one being read.

The disk is the other bound: before a download of known size the least recently used unheld
files are removed until it fits, and one that still does not fit is refused before a byte is
written; a disk that fills during a write anyway (another writer took the room) removes the
partial file. Both say so in an ``OSError`` ENOSPC naming the cache and the key, which the
job layer counts as transient (tried again, perhaps on a worker with room). A file this host
uploaded is kept in the cache only when there is room for it: the object is stored either way.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from editron.store.keys import check_key

__all__ = ["MediaCache"]

log = logging.getLogger(__name__)
_TMP = ".tmp"
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_SLACK = 1 << 20  # left free beyond a download, for the file system's own blocks


class MediaCache:
    """Local copies of remote objects, at most ``max_bytes`` of them when none is held."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root, self.max_bytes = root, max_bytes

    def path_for(self, key: str) -> Path:
        return self.root / check_key(key)

    def lookup(self, key: str) -> Path | None:
        """The cached copy (its use time refreshed), or None."""
        path = self.path_for(key)
        try:
            _touch(path)
        except FileNotFoundError:
            return None
        return path

    def fill(self, key: str, write: Callable[[Path], None], *, size: int | None = None
             ) -> Path:
        """``write(temp)`` then the temporary file renamed to the key's place; the cache
        trimmed afterwards (never removing this key). With the ``size`` to be written, room
        is made first (:meth:`make_room`). A full disk: OSError ENOSPC saying where, and no
        partial file left."""
        target = self.path_for(key)
        temp_dir = self.root / _TMP
        temp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if size is not None:
            self.make_room(key, size)
        temp = temp_dir / f"{uuid.uuid4().hex}{target.suffix}"
        try:
            write(temp)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            _touch(target)
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise self._full(key, size) from exc
            raise
        finally:
            temp.unlink(missing_ok=True)
        self.trim(keep={key})
        return target

    def make_room(self, key: str, size: int) -> None:
        """Free disk for ``size`` more bytes, removing the least recently used unheld files
        (never ``key``) while there is too little; OSError ENOSPC, with nothing written,
        when even that is not enough (and nothing removed when removing every file would
        not be: a hard link frees nothing, the storage folder keeps its bytes)."""
        if _free_bytes(self.root) >= size + _SLACK:
            return
        kept = self.path_for(key)
        others = [path for _, _, path in self.entries() if path != kept]
        if _free_bytes(self.root) + sum(map(_freed_by_removing, others)) < size + _SLACK:
            raise self._full(key, size)
        for path in others:
            if _remove_unheld(path):
                log.info("media cache %s: removed %s to make room for %s", self.root, path,
                         key)
                if _free_bytes(self.root) >= size + _SLACK:
                    return
        raise self._full(key, size)

    def _full(self, key: str, size: int | None) -> OSError:
        needed = f", {size / 2**20:.1f} MiB needed" if size is not None else ""
        return OSError(errno.ENOSPC, f"No space left on device in the media cache {self.root} "
                       f"for {key} ({_free_bytes(self.root) / 2**20:.1f} MiB free{needed}); "
                       "free space on that disk or set EDITRON_MEDIA_CACHE_BYTES below what "
                       "it holds")

    def adopt(self, key: str, local: Path) -> Path | None:
        """Put a file this host just uploaded into the cache (a hard link where the file
        system allows, else a copy), so reading it back downloads nothing. A copy there is
        no room for is skipped (None): the object is stored, a reader fetches it."""

        def copy(temp: Path) -> None:
            shutil.copyfile(local, temp)

        try:
            return self.fill(key, lambda temp: os.link(local, temp))
        except OSError:
            pass  # another file system, or one without hard links: a copy
        try:
            return self.fill(key, copy, size=local.stat().st_size)
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            log.warning("not keeping a copy of %s in this host's media cache: %s", key,
                        exc.strerror)
            return None

    def forget(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    @contextmanager
    def hold(self, key: str, fetch: Callable[[], Path]) -> Iterator[Path]:
        """The cached copy, held (shared ``flock``) so :meth:`trim` leaves it alone; ``fetch``
        brings it (back) when it is missing or was evicted between fetch and lock."""
        for _ in range(5):
            path = fetch()
            try:
                handle = path.open("rb")
            except FileNotFoundError:
                continue
            with handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
                try:
                    if _same_file(handle.fileno(), path):
                        yield path
                        return
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        raise OSError(f"the cached copy of {key} kept being evicted while being opened")

    def entries(self) -> list[tuple[float, int, Path]]:
        """(last use, bytes, path) of every cached file, oldest first."""
        found: list[tuple[float, int, Path]] = []
        if not self.root.is_dir():
            return found
        for path in self.root.rglob("*"):
            if _TMP in path.relative_to(self.root).parts[:1]:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                found.append((stat.st_mtime, stat.st_size, path))
        return sorted(found, key=lambda entry: (entry[0], str(entry[2])))

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def trim(self, *, keep: Collection[str] = ()) -> int:
        """Remove the least recently used unheld files until the cache fits; bytes freed."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        kept = {self.path_for(k) for k in keep}
        freed = 0
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            if path in kept or not _remove_unheld(path):
                continue
            total -= size
            freed += size
        if total > self.max_bytes:
            log.info("media cache %s holds %d bytes over its %d: every file left is in use",
                     self.root, total - self.max_bytes, self.max_bytes)
        return freed


def _touch(path: Path) -> None:
    # An explicit clock reading, not the kernel's coarse file timestamp tick, so two uses in
    # quick succession are told apart.
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _freed_by_removing(path: Path) -> int:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return 0
    return stat.st_size if stat.st_nlink == 1 else 0


def _free_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False


def _remove_unheld(path: Path) -> bool:
    """Unlink ``path`` unless someone holds it (an exclusive lock cannot be had)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return True
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        path.unlink(missing_ok=True)
    return True
