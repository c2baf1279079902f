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

__all__ = ["RENDER_OPERATION", "RenderJobPublic", "RenderJobRun", "RenderRequestPublic",
           "destinations_of", "get_render_job", "list_session_renders"]


RENDER_OPERATION = "render_job"


class RenderJobRun(JobPayload):
    """The queued run of one render job (the render_jobs row carries the rest)."""

    render_job_id: str


class RenderJobPublic(BaseModel):
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
                   qc=dict(row.qc), attempts=row.attempts, last_error=row.last_error,
                   started_at=row.started_at, completed_at=row.completed_at)


class RenderRequestPublic(BaseModel):
    """The ``editron render --json`` document (DESIGN.md CLI contract)."""

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
