"""What a killed process leaves behind, for ``editron gc``: derivative folders of file rows
that are gone (a re-run ingest), analysis scratch and render work folders of runs that are not
running any more, and ``.part`` files and folders nobody has written to for a while.

Pure decisions over what the database says, so ``gc --dry-run`` reports exactly what ``gc``
removes; the caller removes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.repos import job_runs

__all__ = ["PART_IDLE_SECONDS", "orphaned_work"]

PART_IDLE_SECONDS = 3600.0  # a live writer touches its .part far more often than this
_BUSY_BATCH = ("queued", "downloading")
_LIVE_RUN = ("queued", "running")


def _derived(session: Session, batch_id: str, folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    batch = repos.batches.get_batch(session, batch_id)
    if batch.status in _BUSY_BATCH:  # an ingest is making them now
        return
    ids = {f.id for f in repos.files.list_files(session, batch_id)}
    yield from (p for p in sorted(folder.iterdir()) if p.name not in ids)


def _scratch(session: Session, batch_id: str, folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    running = {a.id for a in repos.analyses.list_analyses(session, batch_id)
               if a.status == "running"}
    yield from (p for p in sorted(folder.iterdir()) if p.name not in running)


def _render_work(session: Session, folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        run = job_runs.get_run(session, path.name)
        if run is None or run.status not in _LIVE_RUN:
            yield path


def _parts(root: Path, now: float) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.part")):
        try:
            idle = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if idle > PART_IDLE_SECONDS:
            yield path


def orphaned_work(session: Session, settings: Settings, *, known: set[str],
                  now: float | None = None) -> list[tuple[Path, str]]:
    """Every orphaned working path with the reason it is one."""
    found: list[tuple[Path, str]] = []
    for batch_id in sorted(known):
        batch_dir = settings.batch_dir(batch_id)
        found += [(p, f"derivatives of a file batch {batch_id} no longer has")
                  for p in _derived(session, batch_id, batch_dir / "derived")]
        found += [(p, f"analysis scratch of batch {batch_id} with no running analysis")
                  for p in _scratch(session, batch_id, batch_dir / "scratch")]
    found += [(p, "render work of a job that is not running")
              for p in _render_work(session, settings.home_dir / "renders")]
    found += [(p, f"partial file idle over {PART_IDLE_SECONDS:.0f} s")
              for p in _parts(settings.storage_dir, time.time() if now is None else now)]
    seen: set[Path] = set()
    unique = []
    for path, why in found:  # a .part inside a folder already going is counted once
        if not any(parent in seen for parent in path.parents) and path not in seen:
            seen.add(path)
            unique.append((path, why))
    return unique
