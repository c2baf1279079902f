"""Safe extraction of zip and tar archives.

Every member is checked before anything is written: path traversal, absolute paths, symlinks,
hard links and device files reject the whole archive. Expansion is bounded by the bytes actually
written (declared sizes are not trusted), by a ratio to the archive's size and by a member count;
a bomb stops with a clear error and leaves nothing behind. What the members expand to also
counts against the batch's own size limit (``ingest.limits.BatchBudget``). Non-media members
are skipped and listed. Media members are hashed during the copy.
"""

from __future__ import annotations

import hashlib
import lzma
import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from editron.config import Settings
from editron.domain.media import StagedFile
from editron.errors import ArchiveError, LimitExceededError
from editron.ingest.limits import BatchBudget
from editron.ingest.mediatypes import is_archive_name, is_media_name

__all__ = ["ExtractResult", "extract", "is_archive_name", "safe_member_path"]

CHUNK = 1024 * 1024
# What zipfile, tarfile and their decompressors raise on damaged input besides their own
# error classes (found by tests/fuzz/test_fuzz_archive.py): an empty member name
# (IndexError), a bad deflate stream (zlib.error), a mangled header field (ValueError,
# struct.error, OverflowError, UnicodeError). All of them mean "damaged archive".
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError, ValueError,
            LookupError, OverflowError, struct.error, zlib.error, lzma.LZMAError)


@dataclass(slots=True)
class ExtractResult:
    files: list[StagedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Member:
    name: str  # normalised relative path
    kind: str  # file | dir


def safe_member_path(archive: str, raw_name: str) -> str:
    """Normalised relative path of a member, or ``ArchiveError`` if it could escape."""
    name = raw_name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member {raw_name!r} has an absolute path; refusing the archive",
                           path=archive)
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ArchiveError(f"member {raw_name!r} climbs out of the folder (..); refusing the "
                           "archive", path=archive)
    return "/".join(parts)


def _zip_members(zf: zipfile.ZipFile, archive: str) -> list[tuple[_Member, zipfile.ZipInfo]]:
    out = []
    for info in zf.infolist():
        mode = info.external_attr >> 16
        name = safe_member_path(archive, info.filename)
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"member {info.filename!r} is a symbolic link; refusing the "
                               "archive", path=archive)
        if mode and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)
                     or stat.S_ISSOCK(mode)):
            raise ArchiveError(f"member {info.filename!r} is a device or pipe; refusing the "
                               "archive", path=archive)
        out.append((_Member(name, "dir" if info.filename.endswith("/") else "file"), info))
    return out


def _tar_members(tf: tarfile.TarFile, archive: str) -> list[tuple[_Member, tarfile.TarInfo]]:
    out = []
    for info in tf.getmembers():
        name = safe_member_path(archive, info.name)
        if info.issym() or info.islnk():
            raise ArchiveError(f"member {info.name!r} is a link; refusing the archive",
                               path=archive)
        if info.isdev() or info.isfifo() or not (info.isfile() or info.isdir()):
            raise ArchiveError(f"member {info.name!r} is a device or special file; refusing "
                               "the archive", path=archive)
        out.append((_Member(name, "dir" if info.isdir() else "file"), info))
    return out


class _Budget:
    def __init__(self, archive: Path, settings: Settings, batch: BatchBudget) -> None:
        self.batch = batch
        size = max(archive.stat().st_size, 1)
        self.limit = min(settings.max_archive_expansion_bytes,
                         int(size * settings.max_archive_ratio))
        self.written = 0
        self.archive = str(archive)

    def spend(self, n: int) -> None:
        self.written += n
        self.batch.spend(n, so_far=True)
        if self.written > self.limit:
            raise ArchiveError(
                f"expands past {self.limit} bytes (limit from EDITRON_MAX_ARCHIVE_EXPANSION_BYTES "
                "and EDITRON_MAX_ARCHIVE_RATIO); refusing what looks like a zip bomb",
                path=self.archive)


def _copy(
    reader: IO[bytes], target: Path, budget: _Budget, *, checksum: bool
) -> tuple[int, str | None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256() if checksum else None
    total = 0
    with target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            budget.spend(len(chunk))
            writer.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            total += len(chunk)
    return total, hasher.hexdigest() if hasher else None


@contextmanager
def _open_archive(path: Path) -> Iterator[tuple[str, zipfile.ZipFile | tarfile.TarFile]]:
    name = str(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                yield "zip", zf
            return
        if tarfile.is_tarfile(path):
            with tarfile.open(path, mode="r:*") as tf:
                yield "tar", tf
            return
    except _DAMAGED as exc:
        raise ArchiveError(f"damaged archive: {exc}", path=name) from exc
    raise ArchiveError("not a zip or tar archive", path=name)


def extract(path: Path, dest_dir: Path, *, settings: Settings, checksum: bool = True,
            batch: BatchBudget | None = None) -> ExtractResult:
    """Extract the media in ``path`` under ``dest_dir``; on any error nothing is left behind.
    ``batch``: the batch's budget the expanded bytes count against (default: a fresh one)."""
    budget = _Budget(path, settings,
                     batch or BatchBudget(settings.max_batch_bytes, str(path)))
    result = ExtractResult()
    created: list[Path] = []
    try:
        with _open_archive(path) as (kind, handle):
            members = (_zip_members(handle, str(path)) if isinstance(handle, zipfile.ZipFile)
                       else _tar_members(handle, str(path)))
            if len(members) > settings.max_archive_members:
                raise ArchiveError(f"{len(members)} members is more than the limit of "
                                   f"{settings.max_archive_members}", path=str(path))
            for member, info in members:
                if member.kind == "dir" or not member.name:
                    continue
                if member.name.split("/")[0] == "__MACOSX" or PurePosixPath(
                        member.name).name.startswith("."):
                    continue
                if not is_media_name(member.name):
                    result.skipped.append(member.name)
                    continue
                target = dest_dir / member.name
                if target.exists():
                    raise ArchiveError(f"member {member.name!r} appears twice", path=str(path))
                created.append(target)
                reader = _member_reader(handle, info)
                if reader is None:
                    continue
                with reader:
                    size, digest = _copy(reader, target, budget, checksum=checksum)
                result.files.append(StagedFile(path=target, relative_name=member.name,
                                               size_bytes=size, checksum_sha256=digest))
            del kind
    except (ArchiveError, LimitExceededError):
        _remove(created, dest_dir)
        raise
    except _DAMAGED as exc:
        _remove(created, dest_dir)
        raise ArchiveError(f"damaged archive: {exc}", path=str(path)) from exc
    return result


def _member_reader(handle: zipfile.ZipFile | tarfile.TarFile,
                   info: zipfile.ZipInfo | tarfile.TarInfo) -> IO[bytes] | None:
    if isinstance(handle, zipfile.ZipFile) and isinstance(info, zipfile.ZipInfo):
        return handle.open(info)
    if isinstance(handle, tarfile.TarFile) and isinstance(info, tarfile.TarInfo):
        return handle.extractfile(info)
    return None


def _remove(created: list[Path], dest_dir: Path) -> None:
    for item in created:
        with suppress(OSError, ValueError):  # the name that failed may not be writable at all
            item.unlink(missing_ok=True)
    # Drop folders the extraction made and left empty.
    if dest_dir.is_dir():
        for folder in sorted((p for p in dest_dir.rglob("*") if p.is_dir()), reverse=True):
            with suppress(OSError):
                folder.rmdir()
        if not any(dest_dir.iterdir()):
            shutil.rmtree(dest_dir, ignore_errors=True)
