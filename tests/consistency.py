"""A consistency check over every row of an Editron database, for tests that crash, kill and
fault things (the multi-host tests, issue 23.4 and 23.5) and want to know nothing is left
half-done or pointing at nothing.

``check(url)`` returns the problems found, each named by its rule:

- ``status``: every status column holds a value of its state machine;
- ``reference``: every foreign reference (including a job's entity) names an existing row;
- ``delivery``: every complete render has exactly one delivery per destination, each one
  there (``delivered(url)``) and no other render's;
- ``lease``: no job runs without a live lease (a worker and a fresh heartbeat on the
  database's clock), and no render or ingest is shown running without a job holding it;
- ``file``: every stored original is where its row says, with the size and SHA-256 the row
  says; every derivative and analysis artefact a row names exists;
- ``once``: no job run finished ``done`` twice, no render completed twice since it was last
  queued;
- ``settled`` (with ``settled=True``, for the end of a run): nothing is waiting or running,
  no board card is left in progress.

Paths are read through ``media(stored)`` (a stored path, absolute or a logical name, to a
local path), so the same check serves a shared-path and an object-store deployment.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db import repos
from editron.db.models import (
    EditSession,
    Feedback,
    MediaBatch,
    MediaBatchAnalysis,
    MediaFile,
    RenderJob,
)
from editron.db.models_ops import Event, JobRun, Task
from editron.db.session import session_scope
from editron.domain.status import (
    BatchStatus,
    FileStatus,
    JobStatus,
    SessionStatus,
    TaskStatus,
)
from editron.services.render.public import destinations_of

__all__ = ["Problem", "check", "file_url_exists", "partial_files"]

_RUN_STATUSES = {"queued", "running", "done", "failed", "cancelled"}
_ANALYSIS_STATUSES = {"running", "complete", "failed"}
_ENTITIES = {"batch": MediaBatch, "edit_session": EditSession, "render_job": RenderJob}


@dataclass(frozen=True, slots=True)
class Problem:
    rule: str
    row: str  # table:id
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.row}: {self.detail}"


def file_url_exists(url: str) -> bool:
    """A ``file://`` delivery is a file on this machine."""
    parsed = urlparse(url)
    return parsed.scheme == "file" and Path(unquote(parsed.path)).is_file()


def partial_files(*roots: Path) -> list[Path]:
    """Half-written files (``*.part``, ``*.tmp``, hidden temporaries) under ``roots``."""
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += [p for p in root.rglob("*") if p.is_file() and (
                p.suffix in (".part", ".tmp") or p.name.startswith(".tmp"))]
    return sorted(found)


def _local(stored: str) -> Path:
    return Path(stored)


def check(url: str, *, media: Callable[[str], Path] = _local,
          delivered: Callable[[str], bool] = file_url_exists, stale_after: float = 15.0,
          settled: bool = False) -> list[Problem]:
    """Every problem found in the database at ``url`` (see the module's rules)."""
    with session_scope(url) as s:
        rows = _Rows(s)
        now = _when(repos.workers.clock(s))
        problems = [*_statuses(rows), *_references(rows), *_deliveries(rows, delivered),
                    *_leases(rows, now, stale_after), *_files(rows, media),
                    *_once(s, rows)]
        if settled:
            problems += _unsettled(rows)
    return problems


class _Rows:
    """Every row of the tables the rules read, loaded once."""

    def __init__(self, s: Session) -> None:
        self.batches = list(s.scalars(select(MediaBatch)))
        self.files = list(s.scalars(select(MediaFile)))
        self.analyses = list(s.scalars(select(MediaBatchAnalysis)))
        self.sessions = list(s.scalars(select(EditSession)))
        self.renders = list(s.scalars(select(RenderJob)))
        self.tasks = list(s.scalars(select(Task)))
        self.feedback = list(s.scalars(select(Feedback)))
        self.runs = list(s.scalars(select(JobRun)))
        self.ids = {"batch": {b.id for b in self.batches}, "file": {f.id for f in self.files},
                    "analysis": {a.id for a in self.analyses},
                    "edit_session": {e.id for e in self.sessions},
                    "render_job": {r.id for r in self.renders}}


def _bad_status(table: str, rows: Iterable[Any], allowed: Iterable[str]) -> list[Problem]:
    known = set(allowed)
    return [Problem("status", f"{table}:{r.id}", f"status {r.status!r} is not one of "
                    f"{sorted(known)}") for r in rows if r.status not in known]


def _statuses(rows: _Rows) -> list[Problem]:
    return [*_bad_status("media_batches", rows.batches, BatchStatus),
            *_bad_status("media_files", rows.files, FileStatus),
            *_bad_status("media_batch_analyses", rows.analyses, _ANALYSIS_STATUSES),
            *_bad_status("edit_sessions", rows.sessions, SessionStatus),
            *_bad_status("render_jobs", rows.renders, JobStatus),
            *_bad_status("tasks", rows.tasks, TaskStatus),
            *_bad_status("job_runs", rows.runs, _RUN_STATUSES)]


def _dangling(table: str, row_id: str, column: str, value: str | None, kind: str,
              ids: dict[str, set[str]]) -> list[Problem]:
    if value is None or value in ids[kind]:
        return []
    return [Problem("reference", f"{table}:{row_id}", f"{column} {value} names no {kind}")]


def _references(rows: _Rows) -> list[Problem]:
    ids, out = rows.ids, []
    for f in rows.files:
        out += _dangling("media_files", f.id, "batch_id", f.batch_id, "batch", ids)
        out += _dangling("media_files", f.id, "duplicate_of", f.duplicate_of, "file", ids)
    for a in rows.analyses:
        out += _dangling("media_batch_analyses", a.id, "batch_id", a.batch_id, "batch", ids)
    for e in rows.sessions:
        out += _dangling("edit_sessions", e.id, "batch_id", e.batch_id, "batch", ids)
        out += _dangling("edit_sessions", e.id, "analysis_id", e.analysis_id, "analysis", ids)
        out += _dangling("edit_sessions", e.id, "parent_id", e.parent_id, "edit_session", ids)
    for r in rows.renders:
        out += _dangling("render_jobs", r.id, "edit_session_id", r.edit_session_id,
                         "edit_session", ids)
    for t in rows.tasks:
        out += _dangling("tasks", t.id, "batch_id", t.batch_id, "batch", ids)
    for fb in rows.feedback:
        out += _dangling("feedback", fb.id, "edit_session_id", fb.edit_session_id,
                         "edit_session", ids)
    for run in rows.runs:
        if run.entity_type in _ENTITIES:
            out += _dangling("job_runs", run.id, "entity_id", run.entity_id, run.entity_type,
                             ids)
    return out


def _deliveries(rows: _Rows, delivered: Callable[[str], bool]) -> list[Problem]:
    out: list[Problem] = []
    owners = Counter(u for r in rows.renders for u in set(r.output_urls))
    for r in rows.renders:
        if r.status != JobStatus.COMPLETE:
            continue
        where, urls, wanted = f"render_jobs:{r.id}", list(r.output_urls), destinations_of(r)
        if len(urls) != len(set(urls)) or len(urls) != max(1, len(wanted)):
            out.append(Problem("delivery", where, f"{len(urls)} deliveries {urls} for "
                               f"{max(1, len(wanted))} destination(s) {wanted}"))
        out += [Problem("delivery", where, f"delivered {u} is not there")
                for u in urls if not delivered(u)]
        out += [Problem("delivery", where, f"{u} is also another render's delivery")
                for u in set(urls) if owners[u] > 1]
    return out


def _when(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(now: datetime, stamp: str | None) -> float:
    return float("inf") if stamp is None else (now - _when(stamp)).total_seconds()


def _leases(rows: _Rows, now: datetime, stale_after: float) -> list[Problem]:
    out = [Problem("lease", f"job_runs:{run.id}", f"running ({run.operation}) with no live "
                   f"lease: worker {run.worker_id}, heartbeat {run.heartbeat_at}")
           for run in rows.runs if run.status == "running"
           and (run.worker_id is None or _age(now, run.heartbeat_at) > stale_after)]
    live = {run.entity_id for run in rows.runs if run.status in ("queued", "running")}
    out += [Problem("lease", f"render_jobs:{r.id}", "rendering with no job holding it")
            for r in rows.renders if r.status == JobStatus.RENDERING and r.id not in live]
    out += [Problem("lease", f"media_batches:{b.id}", f"{b.status} with no job holding it")
            for b in rows.batches
            if b.status in (BatchStatus.DOWNLOADING, BatchStatus.ANALYZING)
            and b.id not in live]
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _original(f: MediaFile, media: Callable[[str], Path]) -> list[Problem]:
    where = f"media_files:{f.id}"
    if f.status not in (FileStatus.READY, FileStatus.DUPLICATE) or not f.storage_path:
        return []
    path = media(f.storage_path)
    if not path.is_file():
        return [Problem("file", where, f"original {f.storage_path} is missing")]
    size = path.stat().st_size
    if size != f.size_bytes:
        return [Problem("file", where, f"original {f.storage_path} has {size} bytes, the "
                        f"row says {f.size_bytes}")]
    if f.checksum_sha256 and _sha256(path) != f.checksum_sha256:
        return [Problem("file", where, f"original {f.storage_path} does not match its "
                        "SHA-256")]
    return []


def _files(rows: _Rows, media: Callable[[str], Path]) -> list[Problem]:
    out: list[Problem] = []
    for f in rows.files:
        out += _original(f, media)
        for column in ("proxy_path", "poster_path", "sprite_path", "waveform_path"):
            stored = getattr(f, column)
            if stored and not media(stored).exists():
                out.append(Problem("file", f"media_files:{f.id}",
                                   f"{column} {stored} is missing"))
    out += [Problem("file", f"media_batch_analyses:{a.id}",
                    f"artifacts_path {a.artifacts_path} is missing")
            for a in rows.analyses if a.status == "complete" and a.artifacts_path
            and not media(a.artifacts_path).exists()]
    return out


def _once(s: Session, rows: _Rows) -> list[Problem]:
    events = s.scalars(select(Event).where(
        Event.event_type.in_(["job.status_changed", "render_job.status_changed"]))
        .order_by(Event.id))
    done: Counter[str] = Counter()
    completes: Counter[str] = Counter()
    for event in events:
        status = (event.payload or {}).get("status")
        if event.event_type == "job.status_changed" and status == "done":
            done[event.entity_id] += 1
        elif event.event_type == "render_job.status_changed":
            if status == JobStatus.COMPLETE:
                completes[event.entity_id] += 1
            elif status == JobStatus.QUEUED and (event.payload or {}).get("from") in (
                    JobStatus.FAILED, JobStatus.CANCELLED):
                completes[event.entity_id] = 0  # retried by someone: may complete again
    return [*(Problem("once", f"job_runs:{k}", f"finished done {n} times")
              for k, n in sorted(done.items()) if n > 1),
            *(Problem("once", f"render_jobs:{k}", f"completed {n} times")
              for k, n in sorted(completes.items()) if n > 1)]


def _unsettled(rows: _Rows) -> list[Problem]:
    waiting = {"media_batches": (rows.batches, {BatchStatus.QUEUED, BatchStatus.DOWNLOADING,
                                                BatchStatus.ANALYZING}),
               "media_batch_analyses": (rows.analyses, {"running"}),
               "edit_sessions": (rows.sessions, {SessionStatus.ASSEMBLING,
                                                 SessionStatus.RENDERING}),
               "render_jobs": (rows.renders, {JobStatus.QUEUED, JobStatus.RENDERING}),
               "job_runs": (rows.runs, {"queued", "running"}),
               "tasks": (rows.tasks, {TaskStatus.IN_PROGRESS})}
    return [Problem("settled", f"{table}:{r.id}", f"still {r.status}")
            for table, (found, busy) in waiting.items() for r in found
            if r.status in {str(b) for b in busy}]
