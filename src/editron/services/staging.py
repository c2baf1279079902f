"""Bring a parsed source onto local disk: one place that knows local, HTTP, Dropbox and archives.

Everything returned is a ``StagedFile`` with its checksum computed while the bytes arrived.
The batch size limit (``EDITRON_MAX_BATCH_BYTES``) holds for every kind: a download stops
when it passes it, a local folder is measured before anything is copied, and archives count
what they expand to.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from editron.config import Settings
from editron.domain.media import SourceKind, StagedFile
from editron.errors import EditronError, LimitExceededError
from editron.ingest.archive import extract, is_archive_name
from editron.ingest.download import download_to
from editron.ingest.limits import BatchBudget
from editron.ingest.local import check_batch_size, collect_local, copy_with_hash, hash_in_place
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
        # The archive is deleted once unpacked, so only what it expands to is counted.
        budget = BatchBudget(settings.max_batch_bytes, spec.location)
        return _unpack(staged, dest, settings=settings, checksum=checksum, budget=budget)
    final = dest / staged.path.name
    shutil.move(staged.path, final)
    staged.path = final
    staged.relative_name = final.name
    return StagingResult(files=[staged])


def _unpack(
    archive: StagedFile, dest: Path, *, settings: Settings, checksum: bool,
    budget: BatchBudget,
) -> StagingResult:
    try:
        result = extract(archive.path, dest, settings=settings, checksum=checksum,
                         batch=budget)
    finally:
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
    # Plain files are measured before any is copied; archives count what they expand to.
    budget = BatchBudget(settings.max_batch_bytes, spec.location)
    plain = [(p, r) for p, r in found if keep_at_source or not is_archive_name(p.name)]
    budget.spend(check_batch_size(plain, limit=settings.max_batch_bytes, source=spec.location))
    for index, (path, relative) in enumerate(found, start=1):
        if progress is not None:
            progress.on_file(relative, index, len(found))
        try:
            if is_archive_name(path.name) and not keep_at_source:
                unpacked = extract(path, dest / Path(relative).stem, settings=settings,
                                   checksum=checksum, batch=budget)
                result.files.extend(unpacked.files)
                result.skipped.extend(unpacked.skipped)
            elif keep_at_source:
                result.files.append(hash_in_place(path, relative, checksum=checksum,
                                                  progress=progress))
            else:
                result.files.append(copy_with_hash(path, dest / relative, relative,
                                                   checksum=checksum, progress=progress))
        except LimitExceededError:
            raise  # the batch's limit, not this file's problem: the whole batch is refused
        except EditronError as exc:
            result.errors.append((relative, exc.message))
    return result
