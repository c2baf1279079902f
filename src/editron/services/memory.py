"""A client's creative memory: the reviews of every session of a project (or, for a batch
with no project, of that batch) read back as ``story.memory`` preferences, shown with its
metrics (acceptance rate, revisions per deliverable, time to approval), and reset.

Spans are carried with their file's checksum, so footage a client dropped in one batch is
recognised when the same file arrives in another of their batches."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.models import EditSession, Feedback, MediaBatch
from editron.db.orm import utcnow
from editron.db.runtime import db, ready
from editron.domain.feedback import Adjustments, Preferences, SourceSpan
from editron.services.schemas import documented
from editron.story.deliverables import deliverable_names
from editron.story.memory import Review, derive_preferences

__all__ = ["MemoryPublic", "ProjectMetrics", "memory_for", "project_metrics", "reset_memory",
           "show_memory", "with_checksums"]

RESET_KEY = "memory_reset_at"


_METRICS = {"acceptance_rate": 0.75, "decisions": 8,
            "revisions_per_deliverable": {"recap": 1.5, "social": 0.5},
            "seconds_to_approval": 5400.0}


class ProjectMetrics(BaseModel):
    model_config = documented(_METRICS)

    acceptance_rate: float | None = Field(description="approvals / decisions")
    decisions: int
    revisions_per_deliverable: dict[str, float] = Field(
        description="revisions made per cut line (mean), by deliverable")
    seconds_to_approval: float | None = Field(description="mean, first cut to approval")


class MemoryPublic(BaseModel):
    model_config = documented({
        "project_id": "4f1c9a2e-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "reviews": 8,
        "reset_at": "2026-04-30T12:00:00Z",
        "preferences": {"recap": [{"key": "pace", "value": 1.25,
                                   "because": "asked faster in 3 reviews"}]},
        "metrics": _METRICS})

    project_id: str
    reviews: int
    reset_at: str | None
    preferences: dict[str, list[dict[str, Any]]] = Field(
        description="per deliverable: [{key, value, because}]")
    metrics: ProjectMetrics


def with_checksums(session: Session, adjustments: Adjustments) -> Adjustments:
    """``adjustments`` with every span (dropped, kept, under a comment) carrying its file's
    SHA-256, so the footage is recognised in the client's other batches."""
    spans = [*adjustments.drop, *adjustments.keep,
             *(c.span for c in adjustments.comments if c.span is not None)]
    rows = {r.id: r.checksum_sha256 for r in
            repos.files.get_files(session, [s.file_id for s in spans if s.checksum is None])}

    def known(s: SourceSpan) -> SourceSpan:
        return s if s.checksum else SourceSpan(s.file_id, s.start, s.end, rows.get(s.file_id))

    return replace(adjustments, drop=tuple(known(s) for s in adjustments.drop),
                   keep=tuple(known(s) for s in adjustments.keep),
                   comments=tuple(replace(c, span=known(c.span)) if c.span else c
                                  for c in adjustments.comments))


def _history(session: Session, batch: MediaBatch) -> list[Feedback]:
    if batch.project_id is None:
        return repos.feedback.list_feedback(session, batch_id=batch.id)
    rows = repos.feedback.list_feedback(session, project_id=batch.project_id)
    reset = (batch.project.preferences or {}).get(RESET_KEY) if batch.project else None
    return [r for r in rows if reset is None or r.created_at > reset]


def _review(row: Feedback) -> Review:
    return Review(deliverable=row.edit_session.deliverable_type, decision=row.decision,
                  adjustments=Adjustments.from_dict(row.adjustments),
                  revision=row.edit_session.revision, created_at=row.created_at)


def memory_for(session: Session, batch: MediaBatch, deliverable: str) -> Preferences:
    """What the client's history asks of the next ``deliverable`` of ``batch``."""
    return derive_preferences([_review(r) for r in _history(session, batch)], deliverable)


def _root(session: Session, row: EditSession) -> EditSession:
    """The first cut of the line ``row`` revises."""
    seen = {row.id}
    while row.parent_id is not None and row.parent_id not in seen:
        parent = session.get(EditSession, row.parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        row = parent
    return row


def _metrics(session: Session, rows: list[Feedback]) -> ProjectMetrics:
    """Acceptance (approvals of all decisions), revisions made per cut line of each
    deliverable (mean), and mean time from a line's first cut to its approval."""
    approvals = [r for r in rows if r.decision == "approve"]
    lines: dict[str, dict[str, int]] = defaultdict(dict)
    waits: list[float] = []
    for row in rows:
        root = _root(session, row.edit_session)
        line = lines[row.edit_session.deliverable_type]
        line[root.id] = line.get(root.id, 0) + (1 if row.revision_id else 0)
        if row.decision == "approve":
            waits.append((_when(row.created_at) - _when(root.created_at)).total_seconds())
    return ProjectMetrics(
        acceptance_rate=round(len(approvals) / len(rows), 3) if rows else None,
        decisions=len(rows),
        revisions_per_deliverable={k: round(sum(v.values()) / len(v), 2)
                                   for k, v in sorted(lines.items())},
        seconds_to_approval=round(sum(waits) / len(waits), 1) if waits else None)


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def project_metrics(session: Session) -> dict[str, tuple[str, ProjectMetrics]]:
    """Every reviewed project's (name, metrics), over its whole history."""
    rows: dict[str, list[Feedback]] = defaultdict(list)
    for row in repos.feedback.list_feedback(session):
        if row.project_id is not None:
            rows[row.project_id].append(row)
    return {pid: (repos.projects.get_project(session, pid).name, _metrics(session, found))
            for pid, found in sorted(rows.items())}


def show_memory(project_id: str, *, settings: Settings | None = None) -> MemoryPublic:
    """What the project's reviews add up to, per deliverable, and its metrics."""
    settings = ready(settings)
    with db(settings) as session:
        project = repos.projects.get_project(session, project_id)
        reset = (project.preferences or {}).get(RESET_KEY)
        rows = [r for r in repos.feedback.list_feedback(session, project_id=project_id)
                if reset is None or r.created_at > reset]
        reviews = [_review(r) for r in rows]
        prefs = {d: [{"key": c.key, "value": c.value, "because": c.because}
                     for c in derive_preferences(reviews, d).citations]
                 for d in deliverable_names()}
        return MemoryPublic(project_id=project_id, reviews=len(rows), reset_at=reset,
                            preferences={d: v for d, v in prefs.items() if v},
                            metrics=_metrics(session, rows))


def reset_memory(project_id: str, *, settings: Settings | None = None) -> MemoryPublic:
    """Forget the project's reviews for what comes next (they stay recorded)."""
    settings = ready(settings)
    with db(settings) as session:
        project = repos.projects.get_project(session, project_id)
        repos.projects.update_project(session, project, preferences={
            **(project.preferences or {}), RESET_KEY: utcnow()})
    return show_memory(project_id, settings=settings)
