"""What the operator dashboard shows that no other front end asks for in one call: the batches
table with each batch's progress, the render queue in run order, a session's revision chain,
and the files (media, previews, outputs) a page may serve, each checked to lie where Editron
writes. Public shapes only; the dashboard never sees a row."""

from __future__ import annotations

import threading
from pathlib import Path

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.redact import redact_text, redact_url
from editron.domain.status import JobStatus
from editron.errors import NotFoundError
from editron.services.edit_public import EditSessionPublic
from editron.services.feedback import FeedbackPublic
from editron.services.render.previews import render_previews
from editron.services.render.public import RenderJobPublic
from editron.services.render.stored import output_file
from editron.services.schemas import TaskPublic
from editron.store import key_of, local_or_none

__all__ = ["BatchRow", "MonitorJob", "RevisionStep", "analysis_stamp", "batch_rows",
           "output_file", "preview_file", "render_queue", "revision_history", "served_path"]

def analysis_stamp(batch_id: str, *, settings: Settings | None = None
                   ) -> tuple[str, str, str | None] | None:
    """(analysis id, status, completed_at) of the batch's newest analysis, read without its
    document; a complete analysis never changes, so a page may keep what it parsed of it."""
    settings = ready(settings)
    with db(settings) as session:
        return repos.analyses.latest_analysis_stamp(session, batch_id)


_PREVIEW_LOCKS: dict[str, threading.Lock] = {}
_PREVIEW_LOCKS_GUARD = threading.Lock()
ACTIVE = (JobStatus.RENDERING, JobStatus.QUEUED)
FINISHED_SHOWN = 50
ACTIVE_SHOWN = 100  # per state: the monitor shows what runs next, not the whole backlog


class BatchRow(BaseModel):
    """One line of the batches table: the batch without its files, with its board cards."""

    batch_id: str
    reference_name: str
    status: str
    source_url: str
    project_id: str | None
    file_count: int
    total_size_bytes: int
    last_error: str | None
    updated_at: str
    tasks: list[TaskPublic]


def batch_rows(*, status: str | None = None, project_id: str | None = None, limit: int = 50,
               offset: int = 0, settings: Settings | None = None) -> list[BatchRow]:
    """Newest first, a page at a time (files are not loaded: a page stays small)."""
    settings = ready(settings)
    with db(settings) as session:
        rows = repos.batches.list_batches(session, status=status, project_id=project_id,
                                          limit=limit, offset=offset)
        return [BatchRow(batch_id=b.id, reference_name=b.reference_name, status=b.status,
                         source_url=redact_url(b.source_url), project_id=b.project_id,
                         file_count=b.file_count, total_size_bytes=b.total_size_bytes,
                         last_error=redact_text(b.last_error), updated_at=b.updated_at,
                         tasks=[TaskPublic.model_validate(t) for t in
                                repos.tasks.list_tasks(session, batch_id=b.id)])
                for b in rows]


class MonitorJob(RenderJobPublic):
    """A render job as the monitor shows it: with the ETA and encode rate of its last
    progress report, so a freshly loaded page shows them before the next live event."""

    eta_seconds: float | None = None
    fps: float | None = None


def render_queue(*, settings: Settings | None = None) -> list[MonitorJob]:
    """Running jobs, then queued ones in the order the queue takes them (the first
    ``ACTIVE_SHOWN`` of each), then the most recent finished ones."""
    settings = ready(settings)
    with db(settings) as session:
        rows = [r for status in ACTIVE
                for r in repos.render_jobs.list_render_jobs(session, status=status,
                                                            limit=ACTIVE_SHOWN)]
        rows += repos.render_jobs.recent_finished_jobs(session, limit=FINISHED_SHOWN)
        running = [r.id for r in rows if r.status == JobStatus.RENDERING]
        progress = repos.render_jobs.latest_progress(session, running)
        return [MonitorJob(**RenderJobPublic.of(r).model_dump(),
                           eta_seconds=progress.get(r.id, {}).get("eta_seconds"),
                           fps=progress.get(r.id, {}).get("fps")) for r in rows]


class RevisionStep(BaseModel):
    """One session of a revision chain, with the reviews given on it."""

    session: EditSessionPublic
    reviews: list[FeedbackPublic]


def revision_history(session_id: str, *, settings: Settings | None = None
                     ) -> list[RevisionStep]:
    """The chain from the first cut to this session, oldest first, each with its reviews
    (what a review asked for is what the next revision changed, and why)."""
    settings = ready(settings)
    steps: list[RevisionStep] = []
    with db(settings) as session:
        current: str | None = session_id
        while current is not None and len(steps) < 100:
            row = repos.edit_sessions.get_edit_session(session, current)
            reviews = [FeedbackPublic.of(f, session_status=row.status) for f in
                       repos.feedback.list_feedback(session, edit_session_id=row.id)]
            steps.append(RevisionStep(session=EditSessionPublic.of(row), reviews=reviews))
            current = row.parent_id
    return steps[::-1]


def served_path(path: str | Path | None, *, settings: Settings) -> Path:
    """A file Editron wrote, for serving: it must exist and lie inside Editron's home (a stored
    path is never trusted to point anywhere else)."""
    if not path:
        raise NotFoundError("file", "(none recorded)")
    if key_of(path, settings.storage_dir) is not None:  # a media-store key (or under it)
        local = local_or_none(settings, str(path))
        if local is None:
            raise NotFoundError("file", Path(str(path)).name)
        return local
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_relative_to(settings.home_dir) or not resolved.is_file():
        raise NotFoundError("file", resolved.name)
    return resolved


def preview_file(session_id: str, key: str, *, settings: Settings | None = None) -> Path:
    """The review preview of one timeline (``"16:9 v1"``), rendered from the proxies on first
    request when the session has none yet."""
    settings = ready(settings)
    with _PREVIEW_LOCKS_GUARD:
        lock = _PREVIEW_LOCKS.setdefault(session_id, threading.Lock())
    with lock:  # a player's several range requests make one preview, not one each
        with db(settings) as session:
            paths = dict(repos.edit_sessions.get_edit_session(session,
                                                              session_id).preview_paths)
        if key not in paths or local_or_none(settings, str(paths[key])) is None:
            paths = render_previews(session_id, settings=settings)
    if key not in paths:
        raise NotFoundError("review preview", f"{session_id} {key}")
    return served_path(str(paths[key]), settings=settings)
