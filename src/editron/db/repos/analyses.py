"""Batch analyses: one row per analysis run, results stored as JSON documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import MediaBatchAnalysis
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise, set_status
from editron.db.repos.events import append_event
from editron.domain.analysis import AnalysisResult

__all__ = [
    "AnalysisStatus",
    "create_analysis",
    "fail_running",
    "get_analysis",
    "latest_analysis",
    "latest_analysis_stamp",
    "list_analyses",
    "load_document",
    "set_analysis_status",
    "store_document",
    "update_analysis",
]

AnalysisStatus = Literal["running", "complete", "failed"]
_ANALYSIS_TRANSITIONS: dict[str, frozenset[str]] = {
    "running": frozenset({"complete", "failed"}), "complete": frozenset(),
    "failed": frozenset()}

_UPDATABLE = frozenset(c.key for c in MediaBatchAnalysis.__mapper__.column_attrs) - {
    "id", "batch_id", "created_at", "status"}


def create_analysis(session: Session, *, batch_id: str, brief: dict[str, Any] | None = None,
                    scope: Sequence[str] = (), model_hint: str | None = None,
                    max_iterations: int = 3) -> MediaBatchAnalysis:
    row = MediaBatchAnalysis(batch_id=batch_id, status="running", brief=brief or {},
                             scope=list(scope), model_hint=model_hint,
                             max_iterations=max_iterations)
    session.add(row)
    session.flush()
    append_event(session, entity_type="analysis", entity_id=row.id,
                 event_type="analysis.started", batch_id=batch_id,
                 payload={"status": row.status, "max_iterations": max_iterations})
    return row


def get_analysis(session: Session, analysis_id: str) -> MediaBatchAnalysis:
    return get_or_raise(session, MediaBatchAnalysis, "analysis", analysis_id)


def list_analyses(session: Session, batch_id: str) -> list[MediaBatchAnalysis]:
    """A batch's analyses, newest first."""
    query = select(MediaBatchAnalysis).where(MediaBatchAnalysis.batch_id == batch_id)
    return list(session.scalars(query.order_by(MediaBatchAnalysis.created_at.desc(),
                                               MediaBatchAnalysis.id.desc())))


def latest_analysis(session: Session, batch_id: str, *,
                    status: AnalysisStatus | None = None) -> MediaBatchAnalysis | None:
    query = select(MediaBatchAnalysis).where(MediaBatchAnalysis.batch_id == batch_id)
    if status is not None:
        query = query.where(MediaBatchAnalysis.status == status)
    query = query.order_by(MediaBatchAnalysis.created_at.desc(), MediaBatchAnalysis.id.desc())
    return session.scalars(query.limit(1)).first()


def latest_analysis_stamp(session: Session, batch_id: str) -> tuple[str, str, str | None] | None:
    """(id, status, completed_at) of the batch's newest analysis, without loading its document:
    a reader that keeps a parsed analysis knows from it whether that is still the newest."""
    query = (select(MediaBatchAnalysis.id, MediaBatchAnalysis.status,
                    MediaBatchAnalysis.completed_at)
             .where(MediaBatchAnalysis.batch_id == batch_id)
             .order_by(MediaBatchAnalysis.created_at.desc(), MediaBatchAnalysis.id.desc())
             .limit(1))
    row = session.execute(query).first()
    return (row[0], row[1], row[2]) if row is not None else None


# The analysis document (AnalysisResult.to_dict()) is kept one JSON column per part, so a
# reader that wants only the shots does not load the transcript; these two functions are the
# only way in and out, so the parts never drift from the document's version.
_DOCUMENT_PARTS = ("shots", "shot_signals", "transcript", "energy_curve", "crowd_peaks",
                   "audio_segments", "hero_moments", "sponsor_moments", "file_reports", "sync")


def store_document(session: Session, row: MediaBatchAnalysis, result: AnalysisResult, *,
                   deliverable_targets: Sequence[dict[str, Any]], artifacts_path: str
                   ) -> MediaBatchAnalysis:
    """Store a finished analysis and mark the row complete (logged)."""
    data = result.to_dict()
    for key in _DOCUMENT_PARTS:
        setattr(row, key, data[key])
    row.schema_version = result.schema_version
    row.passes_completed = result.passes_completed
    row.summary = result.summary
    row.deliverable_targets = list(deliverable_targets)
    row.artifacts_path = artifacts_path
    return set_analysis_status(session, row, "complete")


def load_document(row: MediaBatchAnalysis) -> AnalysisResult:
    """The stored analysis as the domain document, upgraded from the version it was saved at."""
    doc: dict[str, Any] = {key: getattr(row, key) for key in _DOCUMENT_PARTS}
    doc.update(schema_version=row.schema_version, passes_completed=row.passes_completed,
               summary=row.summary or "")
    return AnalysisResult.from_dict(doc)


def update_analysis(session: Session, row: MediaBatchAnalysis, **fields: Any
                    ) -> MediaBatchAnalysis:
    """Store results (shots, transcript, hero_moments, summary, passes_completed, ...).
    Status goes through set_analysis_status so it is logged."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"MediaBatchAnalysis has no updatable column(s) {sorted(unknown)}")
    for key, value in fields.items():
        setattr(row, key, value)
    session.flush()
    return row


def set_analysis_status(session: Session, row: MediaBatchAnalysis, status: AnalysisStatus, *,
                        last_error: str | None = None) -> MediaBatchAnalysis:
    if status == "failed":
        row.last_error = last_error
    if status in ("complete", "failed"):
        row.completed_at = utcnow()
    payload: dict[str, Any] = {"passes_completed": row.passes_completed}
    if last_error:
        payload["error"] = last_error
    set_status(session, row, status, entity_type="analysis", label="analysis",
               machine=_ANALYSIS_TRANSITIONS, scope={"batch_id": row.batch_id},
               payload=payload)
    return row


def fail_running(session: Session, batch_id: str, *, reason: str) -> int:
    """Mark the batch's analyses still ``running`` failed (their process died); how many."""
    rows = [a for a in list_analyses(session, batch_id) if a.status == "running"]
    for row in rows:
        set_analysis_status(session, row, "failed", last_error=reason)
    return len(rows)
