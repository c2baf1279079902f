"""What a killed process leaves behind, for ``editron gc``: derivative folders of file rows
that are gone (a re-run ingest), analysis scratch and render work folders of runs that are not
running any more, and ``.part`` files and folders nobody has written to for a while.

Pure decisions over what the database says, so ``gc --dry-run`` reports exactly what ``gc``
removes; the caller removes. ``dead_run_work`` is the same decision for one run whose holder
died and that was just taken over (``jobs.inline.take_over``): nothing it was writing has a
live writer any more, however fresh.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.repos import job_runs

__all__ = ["PART_IDLE_SECONDS", "dead_run_work", "orphaned_work"]

PART_IDLE_SECONDS = 3600.0  # a live writer touches its .part far more often than this
_BUSY_BATCH = ("queued", "downloading")
_LIVE_RUN = ("queued", "running")


def _derived(session: Session, batch_id: str, folder: Path, *,
             holder_gone: bool = False) -> Iterator[Path]:
    if not folder.is_dir():
        return
    batch = repos.batches.get_batch(session, batch_id)
    if batch.status in _BUSY_BATCH and not holder_gone:  # an ingest is making them now
        return
    ids = {f.id for f in repos.files.list_files(session, batch_id)}
    yield from (p for p in sorted(folder.iterdir()) if p.name not in ids)


def _scratch(session: Session, batch_id: str, folder: Path, *,
             holder_gone: bool = False) -> Iterator[Path]:
    if not folder.is_dir():
        return
    running = set() if holder_gone else {a.id for a in repos.analyses.list_analyses(
        session, batch_id) if a.status == "running"}
    yield from (p for p in sorted(folder.iterdir()) if p.name not in running)


def _render_work(session: Session, folder: Path) -> Iterator[Path]:
    # A render's work folder is named by its render job (``render_jobs.id``); the job runs
    # on the queue under a ``job_runs`` row whose entity is that render job.
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        run = job_runs.latest_for(session, entity_id=path.name)
        if run is None or run.status not in _LIVE_RUN:
            yield path


def _parts(root: Path, now: float, *, idle_after: float = PART_IDLE_SECONDS,
           keep: tuple[Path, ...] = ()) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.part")):
        if any(k == path or k in path.parents for k in keep):
            continue
        try:
            idle = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if idle > idle_after:
            yield path


def _batch_work(session: Session, settings: Settings, batch_id: str) -> Iterator[Path]:
    # An ingest or analysis holds the batch alone; its edit sessions' folders are not its.
    folder = settings.batch_dir(batch_id)
    yield from _derived(session, batch_id, folder / "derived", holder_gone=True)
    yield from _scratch(session, batch_id, folder / "scratch", holder_gone=True)
    yield from _parts(folder, time.time(), idle_after=-1.0,
                      keep=(folder / "downloads", folder / "edits"))


def _edit_work(session: Session, settings: Settings, session_id: str) -> Iterator[Path]:
    batch_id = repos.edit_sessions.get_edit_session(session, session_id).batch_id
    edits = settings.batch_dir(batch_id) / "edits"
    staging = edits / f"{session_id}.part"  # the exports, swapped in whole when written
    if staging.exists():
        yield staging
    yield from _parts(edits / session_id, time.time(), idle_after=-1.0)


def dead_run_work(session: Session, settings: Settings,
                  snap: job_runs.RunSnapshot) -> list[tuple[Path, str]]:
    """What the dead holder of ``snap`` left, with why; only what that run writes, however
    fresh. A batch's ingest or analysis: derivatives of rows that are gone, analysis scratch,
    ``.part`` files outside its downloads (a resumed download continues those) and its edit
    sessions; an edit: its session's export staging and ``.part`` files; a render: its work
    folder."""
    why = f"left by the dead run {snap.id} ({snap.operation})"
    paths: list[Path] = []
    if snap.entity_id is None:
        return []
    if snap.entity_type == "batch":
        paths = list(_batch_work(session, settings, snap.entity_id))
    elif snap.entity_type == "edit_session":
        paths = list(_edit_work(session, settings, snap.entity_id))
    elif snap.entity_type == "render_job":
        work = settings.home_dir / "renders" / snap.entity_id
        paths = [work] if work.is_dir() else []
    return _outermost([(p, why) for p in paths])


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
    return _outermost(found)


def _outermost(found: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    seen: set[Path] = set()
    unique = []
    for path, why in found:  # a .part inside a folder already going is counted once
        if not any(parent in seen for parent in path.parents) and path not in seen:
            seen.add(path)
            unique.append((path, why))
    return unique
