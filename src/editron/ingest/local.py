"""Local files and folders: walk, copy with the hash computed during the copy, or hash in place."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from editron.domain.media import StagedFile
from editron.errors import IngestError
from editron.ingest.limits import over_batch_limit
from editron.ingest.mediatypes import is_archive_name, is_media_name
from editron.ingest.progress import ProgressSink

__all__ = ["check_batch_size", "collect_local", "copy_with_hash", "hash_in_place"]

COPY_CHUNK = 4 * 1024 * 1024


def collect_local(root: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """(media and archive files with their names relative to ``root``, skipped names).

    Hidden files and folders are ignored; anything else that is not media is listed as skipped.
    Symlinks are not followed out of the tree."""
    if root.is_file():
        if is_media_name(root.name) or is_archive_name(root.name):
            return [(root, root.name)], []
        return [], [root.name]
    found: list[tuple[Path, str]] = []
    skipped: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for filename in sorted(files):
            if filename.startswith("."):
                continue
            path = Path(current) / filename
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                skipped.append(relative)
            elif is_media_name(filename) or is_archive_name(filename):
                found.append((path, relative))
            else:
                skipped.append(relative)
    return found, skipped


def check_batch_size(found: list[tuple[Path, str]], *, limit: int, source: str) -> int:
    """Total size of ``found``; ``LimitExceededError`` before any copy if it passes ``limit``."""
    total = 0
    for path, _relative in found:
        try:
            total += path.stat().st_size
        except OSError as exc:
            raise IngestError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    if total > limit:
        raise over_batch_limit(total, limit, source)
    return total


def copy_with_hash(source: Path, dest: Path, relative: str, *, checksum: bool,
                   progress: ProgressSink | None = None) -> StagedFile:
    """Copy ``source`` to ``dest`` reading it once; the hash is taken from the same buffers."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256() if checksum else None
    partial = dest.with_name(dest.name + ".part")
    total = 0
    try:
        size = source.stat().st_size
        with source.open("rb") as reader, partial.open("wb") as writer:
            while chunk := reader.read(COPY_CHUNK):
                writer.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                total += len(chunk)
                if progress is not None:
                    progress.on_bytes(relative, total, size)
        partial.replace(dest)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise IngestError(f"cannot copy: {exc.strerror or exc}", path=str(source)) from exc
    return StagedFile(path=dest, relative_name=relative, size_bytes=total,
                      checksum_sha256=hasher.hexdigest() if hasher else None)


def hash_in_place(path: Path, relative: str, *, checksum: bool,
                  progress: ProgressSink | None = None) -> StagedFile:
    """For cold storage: the file stays where it is; read it once only if a hash is wanted."""
    try:
        size = path.stat().st_size
        digest = None
        if checksum:
            hasher = hashlib.sha256()
            done = 0
            with path.open("rb") as reader:
                while chunk := reader.read(COPY_CHUNK):
                    hasher.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress.on_bytes(relative, done, size)
            digest = hasher.hexdigest()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    return StagedFile(path=path, relative_name=relative, size_bytes=size, checksum_sha256=digest,
                      source_url=path.as_uri())
