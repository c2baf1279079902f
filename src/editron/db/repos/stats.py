"""Counts across the pipeline for ``/metrics``: rows by status, QC outcomes, stage changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editron.db.models import MediaBatch, MediaBatchAnalysis, MediaFile, RenderJob
from editron.db.models_ops import Event, JobRun
from editron.domain.status import JobStatus

__all__ = ["PipelineCounts", "pipeline_counts"]


@dataclass(frozen=True, slots=True)
class PipelineCounts:
    batches: list[tuple[str, int]]  # (status, count)
    jobs: list[tuple[str, str, int]]  # (operation, status, count)
    files: list[tuple[str, int, int]]  # (status, count, bytes)
    analyses: list[tuple[str, int]]
    renders: list[tuple[str, int]]
    finished_renders: list[tuple[str, dict[str, Any]]]  # (status, QC report) of ended jobs
    stage_changes: list[tuple[str, str, dict[str, Any]]]  # (task id, when, payload), oldest first


def pipeline_counts(session: Session, *, stage_events: int) -> PipelineCounts:
    """Every gauge ``/metrics`` shows, read in one transaction; ``stage_events`` bounds how
    many of the newest board-card changes are scanned for stage durations."""

    def grouped(*columns: Any) -> list[Any]:
        return [tuple(r) for r in session.execute(select(*columns, func.count())
                                                  .group_by(*columns)).all()]

    files = [(s, int(n), int(b)) for s, n, b in session.execute(
        select(MediaFile.status, func.count(), func.coalesce(func.sum(MediaFile.size_bytes), 0))
        .group_by(MediaFile.status)).all()]
    # QC reports are JSON; reading the few fields in Python keeps the query portable.
    finished = [(s, dict(qc or {})) for s, qc in session.execute(
        select(RenderJob.status, RenderJob.qc).where(
            RenderJob.status.in_((JobStatus.COMPLETE.value, JobStatus.FAILED.value)))).all()]
    changes = session.execute(
        select(Event.entity_id, Event.created_at, Event.payload)
        .where(Event.event_type == "task.status_changed")
        .order_by(Event.id.desc()).limit(stage_events)).all()
    return PipelineCounts(
        batches=grouped(MediaBatch.status), jobs=grouped(JobRun.operation, JobRun.status),
        files=files, analyses=grouped(MediaBatchAnalysis.status),
        renders=grouped(RenderJob.status), finished_renders=finished,
        stage_changes=[(i, c, dict(p or {})) for i, c, p in reversed(changes)])
