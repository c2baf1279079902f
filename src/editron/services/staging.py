"""Bring a parsed source onto local disk: one place that knows local, HTTP, Dropbox and archives.

Everything returned is a ``StagedFile`` with its checksum computed while the bytes arrived.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from editron.config import Settings
from editron.domain.media import SourceKind, StagedFile
from editron.errors import EditronError
from editron.ingest.archive import extract, is_archive_name
from editron.ingest.download import download_to
from editron.ingest.local import collect_local, copy_with_hash, hash_in_place
from editron.ingest.progress import ProgressSink
from editron.ingest.sources import SourceSpec

__all__ = ["StagingResult", "stage_source"]


@dataclass(slots=True)
class StagingResult:
    files: list[StagedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    in_place: bool = False  # cold local sources stay where they are


def stage_source(
    spec: SourceSpec,
    dest: Path,
    *,
    settings: Settings,
    checksum: bool,
    keep_at_source: bool,
    progress: ProgressSink | None,
) -> StagingResult:
    dest.mkdir(parents=True, exist_ok=True)
    if spec.kind in (SourceKind.LOCAL_FILE, SourceKind.LOCAL_FOLDER):
        return _stage_local(spec, dest, settings=settings, checksum=checksum,
                            keep_at_source=keep_at_source, progress=progress)
    downloads = dest.parent / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    staged = download_to(spec.location, downloads / spec.filename, settings=settings,
                         checksum=checksum, progress=progress)
    if spec.kind is SourceKind.DROPBOX_FOLDER or is_archive_name(staged.path.name):
        return _unpack(staged, dest, settings=settings, checksum=checksum)
    final = dest / staged.path.name
    shutil.move(staged.path, final)
    staged.path = final
    staged.relative_name = final.name
    return StagingResult(files=[staged])


def _unpack(
    archive: StagedFile, dest: Path, *, settings: Settings, checksum: bool
) -> StagingResult:
    result = extract(archive.path, dest, settings=settings, checksum=checksum)
    archive.path.unlink(missing_ok=True)
    return StagingResult(files=list(result.files), skipped=list(result.skipped))


def _stage_local(
    spec: SourceSpec,
    dest: Path,
    *,
    settings: Settings,
    checksum: bool,
    keep_at_source: bool,
    progress: ProgressSink | None,
) -> StagingResult:
    root = Path(spec.location)
    found, skipped = collect_local(root)
    result = StagingResult(skipped=list(skipped), in_place=keep_at_source)
    for index, (path, relative) in enumerate(found, start=1):
        if progress is not None:
            progress.on_file(relative, index, len(found))
        try:
            if is_archive_name(path.name) and not keep_at_source:
                unpacked = extract(path, dest / Path(relative).stem, settings=settings,
                                   checksum=checksum)
                result.files.extend(unpacked.files)
                result.skipped.extend(unpacked.skipped)
            elif keep_at_source:
                result.files.append(hash_in_place(path, relative, checksum=checksum,
                                                  progress=progress))
            else:
                result.files.append(copy_with_hash(path, dest / relative, relative,
                                                   checksum=checksum, progress=progress))
        except EditronError as exc:
            result.errors.append((relative, exc.message))
    return result
