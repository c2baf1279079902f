"""``editron gc``: remove working files (proxies, thumbnails, waveforms, analysis scratch,
partial downloads) of batches whose retention date has passed, and folders no batch owns.

Originals of hot and warm batches are working copies too once retention expires; the batch row
and its analyses, timelines and renders stay, so history is never lost.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from editron.config import Settings
from editron.db import repos
from editron.db.orm import utcnow
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.jobs.orphans import orphaned_work

__all__ = ["GcReport", "collect_garbage"]

WORKING_DIRS = ("derived", "downloads", "scratch", "originals")
LOUDNESS_PLAN_DAYS = 30  # a plan unused this long belongs to an edit nobody renders any more


class GcReport(BaseModel):
    dry_run: bool
    freed_bytes: int = 0
    removed_files: int = 0
    batches: list[str] = Field(default_factory=list)
    orphans: list[str] = Field(default_factory=list)
    details: list[str] = Field(default_factory=list)


def _tree_size(path: Path) -> tuple[int, int]:
    if path.is_file():
        return path.stat().st_size, 1
    total = count = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
            count += 1
    return total, count


def _remove(path: Path, report: GcReport, *, dry_run: bool) -> None:
    size, count = _tree_size(path)
    report.freed_bytes += size
    report.removed_files += count
    if not dry_run:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def collect_garbage(
    *, settings: Settings | None = None, dry_run: bool = False, now: datetime | None = None
) -> GcReport:
    settings = ready(settings)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    report = GcReport(dry_run=dry_run)
    root = settings.storage_dir / "batches"
    with db(settings) as session:
        known = repos.batches.all_batch_ids(session)
        gone: list[Path] = []  # working folders of expired batches, removed (or to be)
        for batch in repos.batches.list_expired(session, before=stamp):
            batch_dir = settings.batch_dir(batch.id)
            before = report.freed_bytes
            for name in WORKING_DIRS:
                target = batch_dir / name
                if target.exists():
                    _remove(target, report, dry_run=dry_run)
                    gone.append(target)
            freed = report.freed_bytes - before
            if freed == 0:
                continue
            report.batches.append(batch.id)
            report.details.append(f"batch {batch.id} ({batch.reference_name}): {freed} bytes")
            if not dry_run:
                repos.batches.update_batch(session, batch,
                                           metadata={"working_files_removed_at": utcnow()})
                append_event(session, entity_type="batch", entity_id=batch.id,
                             event_type="batch.gc", batch_id=batch.id,
                             payload={"freed_bytes": freed})
        for path, why in orphaned_work(session, settings, known=known):
            if any(g == path or g in path.parents for g in gone):
                continue  # counted with an expired batch's working folders above
            before = report.freed_bytes
            _remove(path, report, dry_run=dry_run)
            report.orphans.append(str(path))
            report.details.append(f"{path} ({why}): {report.freed_bytes - before} bytes")
    _prune_loudness_plans(settings.loudness_cache_dir, report, dry_run=dry_run,
                          now=now or datetime.now(UTC))
    if root.is_dir():
        for child in sorted(root.iterdir()):
            if child.is_dir() and child.name not in known:
                before = report.freed_bytes
                _remove(child, report, dry_run=dry_run)
                report.orphans.append(child.name)
                report.details.append(
                    f"folder {child.name} (no batch): {report.freed_bytes - before} bytes")
    return report


def _prune_loudness_plans(folder: Path, report: GcReport, *, dry_run: bool,
                          now: datetime) -> None:
    """Remove remembered loudness plans not written for ``LOUDNESS_PLAN_DAYS`` (a render
    that needs one again measures it again)."""
    if not folder.is_dir():
        return
    cutoff = now.timestamp() - LOUDNESS_PLAN_DAYS * 86400
    old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    if not old:
        return
    before = report.freed_bytes
    for path in old:
        _remove(path, report, dry_run=dry_run)
    report.details.append(f"loudness plans older than {LOUDNESS_PLAN_DAYS} days: {len(old)} "
                          f"files, {report.freed_bytes - before} bytes")
