"""Asking for renders: render_video_deliverables makes one job per timeline (variant ×
aspect ratio) and format and queues them; cancel and retry."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.models import EditSession
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus, Priority, SessionStatus, Stage, TaskStatus
from editron.domain.timeline import Timeline
from editron.errors import InputError, InvalidStateError, ReviewRequiredError
from editron.jobs.app import enqueue
from editron.logs import bind
from editron.render.destinations import parse_destination
from editron.render.destinations.store import STORE_TARGET
from editron.render.profiles import FORMATS, profile_for
from editron.services.render.public import (
    RENDER_OPERATION,
    RenderJobPublic,
    RenderJobRun,
    RenderRequestPublic,
    get_render_job,
)
from editron.services.render.settle import settle_session

__all__ = ["cancel_render_job", "default_destination", "render_video_deliverables",
           "retry_render_job"]


def _formats(formats: Sequence[str] | str | None) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats or ["mp4"])
    cleaned = list(dict.fromkeys(f.strip().lower().lstrip(".") for f in items if f.strip()))
    bad = [f for f in cleaned if f not in FORMATS]
    if bad:
        raise InputError(f"unknown render format {bad[0]!r}; use mp4, mov or webm")
    return cleaned or ["mp4"]


def _priority(priority: str) -> Priority:
    try:
        return Priority(priority.strip().lower())
    except ValueError:
        raise InputError(f"unknown priority {priority!r}; use low, standard or rush") from None


def default_destination(settings: Settings, session_id: str) -> str:
    """The media store (``store:``): every render is kept there under its job's folder, and
    any host serves the download, so no host's home is named in the job."""
    return STORE_TARGET


def render_video_deliverables(
    *,
    edit_session_id: str,
    destinations: Sequence[str] | str | None = None,
    formats: Sequence[str] | str | None = None,
    priority: str = Priority.STANDARD.value,
    profile: str | None = None,
    ratios: Sequence[str] | None = None,
    settings: Settings | None = None,
    enqueue_jobs: bool = True,
    force: bool = False,
    no_review: bool = False,
) -> RenderRequestPublic:
    """Create the session's render jobs and put them on the queue (``enqueue_jobs``), or leave
    them queued for the caller to run in-process with ``process_render_job``.

    A session nobody approved is refused unless ``no_review`` or its project auto-approves
    (the approval gate). A session whose renders are still queued or running is refused
    unless ``force`` (a second request would render and deliver the same files again)."""
    fmts = _formats(formats)
    rank = _priority(priority)
    settings = ready(settings)
    targets = [destinations] if isinstance(destinations, str) else list(destinations or [])
    targets = [t for t in targets if t.strip()] or [default_destination(settings,
                                                                        edit_session_id)]
    for target in targets:  # refuse a bad destination before any job exists
        parse_destination(target, settings=settings)
    with bind(session_id=edit_session_id), db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        _check_renderable(session, row, force=force)
        timelines = [Timeline.from_dict(t) for t in row.timelines]
        if ratios:
            timelines = [t for t in timelines if t.aspect_ratio in set(ratios)]
        for tl in timelines:  # unknown profile names and mov/mp4 mismatches fail here
            for fmt in fmts:
                profile_for(tl.aspect_ratio, fmt, profile)
        _pass_review_gate(session, row, no_review=no_review)
        jobs = [repos.render_jobs.create_render_job(session, edit_session_id=edit_session_id,
                                                    aspect_ratio=tl.aspect_ratio, format=fmt,
                                                    profile=profile or "", variant=tl.variant,
                                                    destination=json.dumps(targets), priority=rank)
                for tl in timelines for fmt in fmts]
        repos.tasks.ensure_tasks(session, row.batch)
        repos.tasks.set_task(session, row.batch_id, Stage.RENDER, TaskStatus.IN_PROGRESS,
                             detail=f"{len(jobs)} render(s) queued")
        ids = [j.id for j in jobs]
    if enqueue_jobs:
        for job_id in ids:
            enqueue(RENDER_OPERATION, RenderJobRun(render_job_id=job_id), settings=settings,
                    priority=rank.value, entity_type="render_job", entity_id=job_id)
    return _request(settings, edit_session_id, ids)


def _check_renderable(session: Session, row: EditSession, *, force: bool) -> None:
    """Refuse a session with nothing to render, a superseded revision, or one whose renders
    are still running (unless ``force``)."""
    if row.status == SessionStatus.ASSEMBLING or not row.timelines:
        raise InvalidStateError(f"edit session {row.id} is {row.status}; it has "
                                "no timelines to render yet")
    if row.status == SessionStatus.SUPERSEDED:
        raise InvalidStateError(f"edit session {row.id} was revised; render its "
                                "newest revision (editron sessions lists it)")
    active = [j for j in repos.render_jobs.list_render_jobs(session, edit_session_id=row.id)
              if j.status in (JobStatus.QUEUED, JobStatus.RENDERING)]
    if active and not force:
        raise InvalidStateError(f"edit session {row.id} has {len(active)} "
                                "render(s) queued or rendering; follow them with `editron "
                                f"renders {row.id}` (if the command rendering them was "
                                f"killed, `editron resume {row.batch_id}` finishes them), or "
                                "ask again with --force to render a second set")


def _pass_review_gate(session: Session, row: EditSession, *, no_review: bool) -> None:
    """The approval gate: a session nobody approved renders only with ``no_review`` or when
    its project auto-approves; either way it moves on to ``rendering``."""
    project = row.batch.project
    if row.status == SessionStatus.NEEDSREVIEW and not no_review and not (
            project is not None and project.auto_approve):
        raise ReviewRequiredError(
            f"edit session {row.id} has not been approved; review it and run "
            f"`editron feedback {row.id} --decision approve`, or render it "
            "unreviewed with --no-review")
    if row.status == SessionStatus.NEEDSREVIEW:
        repos.edit_sessions.set_session_status(session, row, SessionStatus.APPROVED)
    if row.status != SessionStatus.RENDERING:
        repos.edit_sessions.set_session_status(session, row, SessionStatus.RENDERING)


def _request(settings: Settings, session_id: str, ids: Sequence[str]) -> RenderRequestPublic:
    with db(settings) as session:
        rows = [repos.render_jobs.get_render_job(session, i) for i in ids]
        return RenderRequestPublic(edit_session_id=session_id, render_job_ids=list(ids),
                                   jobs=[RenderJobPublic.of(r) for r in rows])


def cancel_render_job(job_id: str, *, settings: Settings | None = None) -> RenderJobPublic:
    """Cancel a queued or running render; a running ffmpeg is stopped within a second and its
    temporary files removed."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status not in (JobStatus.QUEUED, JobStatus.RENDERING):
            raise InvalidStateError(f"render job {job_id} is {row.status}; only a queued or "
                                    "rendering job can be cancelled")
        was_queued = row.status == JobStatus.QUEUED
        repos.render_jobs.set_job_status(session, row, JobStatus.CANCELLED)
        session_id = row.edit_session_id
    if was_queued:
        settle_session(settings, session_id)
    return get_render_job(job_id, settings=settings)


def retry_render_job(job_id: str, *, settings: Settings | None = None,
                     enqueue_job: bool = True) -> RenderJobPublic:
    """Queue a failed or cancelled render again."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise InvalidStateError(f"render job {job_id} is {row.status}; only a failed or "
                                    "cancelled job can be retried")
        repos.render_jobs.set_job_status(session, row, JobStatus.QUEUED)
        edit = repos.edit_sessions.get_edit_session(session, row.edit_session_id)
        if edit.status != SessionStatus.RENDERING:
            repos.edit_sessions.set_session_status(session, edit, SessionStatus.RENDERING)
        priority = row.priority
    if enqueue_job:
        enqueue(RENDER_OPERATION, RenderJobRun(render_job_id=job_id), settings=settings,
                priority=priority, entity_type="render_job", entity_id=job_id)
    return get_render_job(job_id, settings=settings)
