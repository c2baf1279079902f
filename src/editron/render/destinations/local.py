"""Delivery into a local (or mounted) folder.

The file is written under a hidden temporary name in the destination folder
(``.<name>.part-<random>``), flushed to disk, and renamed over the final name with
``os.replace``, so a reader (a sync client, an editor watching the folder) never sees a
half-written file under the final name, and an older delivery stays whole until the new one
is complete. The temporary file lives in the same folder because a rename is only atomic
within one file system.

A file already there with the same bytes is left alone (``skipped``). The check compares the
two files block by block rather than by SHA-256 digests: it proves the same thing, stops at
the first differing block, and only runs when the sizes match, so in every other case the
rendered file is read exactly once.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from editron.errors import DeliveryError, InputError
from editron.render.destinations.base import (
    DeliveryResult,
    Destination,
    ProgressCallback,
    check_file_name,
    check_source,
    register,
)

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = ["LocalFolder", "same_bytes"]

log = logging.getLogger(__name__)
COPY_CHUNK_BYTES = 4 * 1024 * 1024


def same_bytes(first: Path, second: Path, *, chunk_bytes: int = COPY_CHUNK_BYTES) -> bool:
    """Whether two files hold identical bytes (False when either is missing or not a file)."""
    try:
        if not (first.is_file() and second.is_file()):
            return False
        if first.stat().st_size != second.stat().st_size:
            return False
        with first.open("rb") as left, second.open("rb") as right:
            while True:
                a, b = left.read(chunk_bytes), right.read(chunk_bytes)
                if a != b:
                    return False
                if not a:
                    return True
    except FileNotFoundError:  # replaced or removed while comparing: not the same
        return False


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@register
class LocalFolder(Destination):
    """A folder on this machine; ``deliver`` returns a ``file://`` URL."""

    NAME = "file"
    HELP = ("a folder path or file:///folder (over the network: a folder under the server's "
            "deliveries folder, or just its name)")

    def __init__(self, folder: Path, *, chunk_bytes: int = COPY_CHUNK_BYTES) -> None:
        self.folder = folder.expanduser().absolute()
        self.chunk_bytes = chunk_bytes

    @classmethod
    def from_target(cls, target: str, *, settings: Settings) -> LocalFolder:
        text = target.strip()
        if text.lower().startswith("file:"):
            parts = urlsplit(text)
            if parts.netloc not in ("", "localhost"):
                raise InputError(f"destination {text!r}: file URLs on another host "
                                 f"({parts.netloc}) are not supported; mount the share and "
                                 "give its local path")
            if not parts.path.startswith("/"):
                raise InputError(f"destination {text!r}: a file URL needs an absolute folder; "
                                 "write file:///absolute/folder")
            folder = Path(unquote(parts.path))
        else:
            folder = Path(text)
        folder = folder.expanduser().absolute()
        if folder.exists() and not folder.is_dir():
            raise InputError(f"destination {text!r}: {folder} exists and is not a folder; "
                             "give a folder to deliver into")
        return cls(folder)

    @classmethod
    def for_network(cls, target: str, *, settings: Settings) -> str:
        """Over the network a folder must lie under ``<home>/deliveries`` (a bare name such as
        ``gala-2026`` means ``<home>/deliveries/gala-2026``), so a request cannot write
        elsewhere on the server's disk. Returns the absolute folder."""
        text = target.strip()
        root = (settings.home_dir / "deliveries").resolve()
        if text.lower().startswith("file:"):
            parts = urlsplit(text)
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                raise InputError(f"destination {text!r}: write a file URL as "
                                 f"file://{root}/<folder>")
            folder = Path(unquote(parts.path))
        elif text.startswith("~"):
            # someone's home folder on the server: never a delivery folder over the network
            raise InputError(f"destination {text!r}: over the network a folder is named by "
                             f"its path under {root}, or just its name, not with ~")
        else:
            folder = Path(text)
            if not folder.is_absolute():
                folder = root / folder
        try:
            resolved = folder.resolve()
        except (OSError, ValueError) as exc:
            raise InputError(f"destination {text!r}: not a usable folder path ({exc})") from exc
        if resolved != root and root not in resolved.parents:
            raise InputError(f"destination {text!r}: over the network renders may only be "
                             f"delivered to a folder under {root} (for example "
                             f"{root / 'gala-2026'} or just 'gala-2026') or to another "
                             "destination, so a request cannot write elsewhere on the "
                             "server's disk")
        return str(resolved)

    def describe(self) -> str:
        return str(self.folder)

    def deliver(self, path: Path, name: str, *,
                on_progress: ProgressCallback | None = None) -> DeliveryResult:
        where = self.describe()
        check_file_name(name, destination=where)
        size = check_source(path, destination=where)
        target = self.folder / name
        if target.is_dir():
            raise DeliveryError(f"cannot deliver {path.name} to {target}: a folder with that "
                                "name is in the way; remove it or pick another name",
                                path=str(path))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if same_bytes(path, target, chunk_bytes=self.chunk_bytes):
                log.info("%s already holds the same %s; not copying it again", where, name)
                if on_progress is not None:
                    on_progress(size, size)
                return DeliveryResult(url=target.as_uri(), skipped=True, bytes=size)
            copied = self._copy_atomically(path, target, size, on_progress)
        except OSError as exc:
            # A full disk or an unmounted share may be fixed by the time a job is retried.
            raise DeliveryError(f"could not deliver {path.name} to {target}: "
                                f"{exc.strerror or exc}", path=str(path),
                                transient=True) from exc
        log.info("delivered %s to %s (%d bytes)", path.name, target, copied)
        return DeliveryResult(url=target.as_uri(), skipped=False, bytes=copied)

    def _copy_atomically(self, path: Path, target: Path, size: int,
                         on_progress: ProgressCallback | None) -> int:
        part = target.with_name(f".{target.name}.part-{secrets.token_hex(6)}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(part, flags, 0o666)
        copied = 0
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as source:
                buffer = bytearray(self.chunk_bytes)
                view = memoryview(buffer)
                while length := source.readinto(buffer):
                    out.write(view[:length])
                    copied += length
                    if on_progress is not None:
                        on_progress(copied, size)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        _fsync_folder(target.parent)
        return copied
