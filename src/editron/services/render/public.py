"""Render jobs as callers see them (RenderJobPublic, the editron render --json
document) and the queue payload that runs one."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models import RenderJob
from editron.db.runtime import db, ready
from editron.jobs.registry import JobPayload
from editron.services.schemas import documented

__all__ = ["RENDER_OPERATION", "RenderJobPublic", "RenderJobRun", "RenderRequestPublic",
           "destinations_of", "get_render_job", "list_session_renders"]


RENDER_OPERATION = "render_job"


class RenderJobRun(JobPayload):
    """The queued run of one render job (the render_jobs row carries the rest)."""

    render_job_id: str


_JOB = {
    "id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
    "edit_session_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "aspect_ratio": "9:16",
    "variant": 1, "format": "mp4", "profile": "broadcast", "priority": "rush",
    "status": "complete", "progress_percent": 100.0,
    "destinations": ["store:", "/srv/editron/deliveries/aurora"],
    "output_urls": ["store:batches/7d2c1e9a/renders/6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f/"
                    "social_9x16.mp4", "file:///srv/editron/deliveries/aurora/social_9x16.mp4"],
    "output_key": "batches/7d2c1e9a/renders/6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f/"
                  "social_9x16.mp4",
    "qc": {"passed": True, "integrated_lufs": -14.1, "true_peak_db": -1.2},
    "attempts": 2,
    "last_error": "attempt 1: the destination was unreachable (retried)",
    "started_at": "2026-05-14T19:20:03Z",
    "completed_at": "2026-05-14T19:21:47Z"}


class RenderJobPublic(BaseModel):
    model_config = documented(_JOB)

    id: str
    edit_session_id: str
    aspect_ratio: str
    variant: int
    format: str
    profile: str
    priority: str
    status: str
    progress_percent: float
    destinations: list[str]
    output_urls: list[str]
    output_key: str | None = None  # the file in the media store: GET .../output serves it
    qc: dict[str, Any]
    attempts: int
    last_error: str | None
    started_at: str | None
    completed_at: str | None

    @classmethod
    def of(cls, row: RenderJob) -> RenderJobPublic:
        return cls(id=row.id, edit_session_id=row.edit_session_id,
                   aspect_ratio=row.aspect_ratio, variant=row.variant, format=row.format,
                   profile=row.profile, priority=row.priority, status=row.status,
                   progress_percent=round(row.progress_percent, 2),
                   destinations=destinations_of(row), output_urls=list(row.output_urls),
                   output_key=row.output_key,
                   qc=dict(row.qc), attempts=row.attempts, last_error=row.last_error,
                   started_at=row.started_at, completed_at=row.completed_at)


class RenderRequestPublic(BaseModel):
    """The ``editron render --json`` document (DESIGN.md CLI contract)."""

    model_config = documented({"edit_session_id": _JOB["edit_session_id"],
                               "render_job_ids": [_JOB["id"]], "jobs": [_JOB]})

    edit_session_id: str
    render_job_ids: list[str]
    jobs: list[RenderJobPublic]


def destinations_of(row: RenderJob) -> list[str]:
    if not row.destination:
        return []
    try:
        value = json.loads(row.destination)
    except ValueError:
        return [row.destination]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def get_render_job(job_id: str, *, settings: Settings | None = None) -> RenderJobPublic:
    settings = ready(settings)
    with db(settings) as session:
        return RenderJobPublic.of(repos.render_jobs.get_render_job(session, job_id))


def list_session_renders(session_id: str, *, settings: Settings | None = None
                         ) -> list[RenderJobPublic]:
    settings = ready(settings)
    with db(settings) as session:
        repos.edit_sessions.get_edit_session(session, session_id)
        return [RenderJobPublic.of(r)
                for r in repos.render_jobs.list_render_jobs(session, edit_session_id=session_id)]
