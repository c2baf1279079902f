"""Tier 5: a client's decision on an edit session, and what it changes.

``approve`` lets the session be rendered. ``changes`` and ``reject`` make a new revision of
it with the review applied (``services.revisions``): the typed adjustments, the moments to
drop and keep, the timecoded comments mapped to the source moment under them, and what the
free-text notes were understood to ask for (echoed back; what was not understood is kept as
a note and said so). A rejected cut's own moments are also left out of its revision. Every
review is kept, and the project's memory (``services.memory``) reads the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from editron.config import Settings
from editron.db import repos
from editron.db.models import Feedback
from editron.db.runtime import db, ready
from editron.domain.analysis import HeroMoment
from editron.domain.feedback import Adjustments, Comment
from editron.domain.status import SessionStatus, Stage, TaskStatus
from editron.domain.timeline import Timeline
from editron.errors import InputError, InvalidStateError
from editron.services.memory import with_checksums
from editron.services.requests import FeedbackRequest
from editron.services.revisions import RevisionPublic, assemble_or_queue, start_revision
from editron.services.schemas import documented
from editron.story.notes import (
    Reading,
    map_comment,
    parse_adjustments,
    parse_moment,
    parse_time,
    read_notes,
)

__all__ = ["DECISIONS", "FeedbackPublic", "FeedbackResult", "give_feedback",
           "list_feedback_public", "record_editron_feedback"]

DECISIONS: tuple[str, ...] = ("approve", "changes", "reject")
_ALIASES = {"revise": "changes", "approved": "approve", "rejected": "reject"}


class FeedbackPublic(BaseModel):
    model_config = documented({
        "id": "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b",
        "edit_session_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "project_id": "4f1c9a2e-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "decision": "changes",
        "notes": "Too slow, no music.", "adjustments": {"pace": 1.25, "music": False},
        "reading": {"understood": ["pace faster", "music off"], "not_understood": []},
        "revision_id": "2b3c4d5e-6f70-4812-93a4-b5c6d7e8f901",
        "created_at": "2026-05-14T19:05:00Z", "session_status": "superseded"})

    id: str
    edit_session_id: str
    project_id: str | None
    decision: str
    notes: str | None
    adjustments: dict[str, Any]
    reading: dict[str, Any] = Field(default_factory=dict)
    revision_id: str | None = None
    created_at: str
    session_status: str

    @classmethod
    def of(cls, row: Feedback, session_status: str) -> FeedbackPublic:
        return cls(id=row.id, edit_session_id=row.edit_session_id, project_id=row.project_id,
                   decision=row.decision, notes=row.notes, adjustments=dict(row.adjustments),
                   reading=dict(row.reading or {}), revision_id=row.revision_id,
                   created_at=row.created_at, session_status=session_status)


class FeedbackResult(BaseModel):
    """The ``editron feedback --json`` document."""

    model_config = documented({
        "feedback_id": "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b", "decision": "changes",
        "revision": RevisionPublic.model_json_schema()["examples"][0],
        "session_status": "superseded", "adjustments": {"pace": 1.25, "music": False},
        "understood": ["pace faster", "music off"], "not_understood": ["more energy"]})

    feedback_id: str
    decision: str
    revision: RevisionPublic | None = Field(description="The new session a changes or "
                                            "reject decision made, else null")
    session_status: str
    adjustments: dict[str, Any]
    understood: list[str] = Field(description="What the notes were read as asking for")
    not_understood: list[str] = Field(description="Parts of the notes kept as a note only")


def _decision(text: str) -> str:
    choice = _ALIASES.get(text.strip().lower(), text.strip().lower())
    if choice not in DECISIONS:
        raise InputError(f"unknown decision {text!r}; use {', '.join(DECISIONS)}")
    return choice


def _read(*, adjust: Sequence[str], drop: Sequence[str], keep: Sequence[str],
          comments: Sequence[tuple[str, str]], notes: str | None, timeline: Timeline | None,
          moments: Sequence[HeroMoment]) -> Reading:
    """Everything the review asks for, as one set of adjustments."""
    asked = parse_adjustments(adjust)
    spans = Adjustments(drop=tuple(parse_moment(m, moments) for m in drop),
                        keep=tuple(parse_moment(m, moments) for m in keep))
    mapped = []
    for at, text in comments:
        if timeline is None:
            raise InputError("this session has no timeline to place a comment on")
        mapped.append(map_comment(timeline, Comment(parse_time(at), text)))
    reading = read_notes(notes or "", timeline=timeline, moments=moments,
                         duration=timeline.duration if timeline else None)
    reading.adjustments = asked.merge(spans).merge(
        Adjustments(comments=tuple(mapped))).merge(reading.adjustments)
    return reading


def record_editron_feedback(*, edit_session_id: str, decision: str, notes: str | None = None,
                            adjust: Sequence[str] = (), drop: Sequence[str] = (),
                            keep: Sequence[str] = (),
                            comments: Sequence[tuple[str, str]] = (),
                            settings: Settings | None = None) -> FeedbackResult:
    """Store the review and act on it (see the module docstring)."""
    choice = _decision(decision)
    settings = ready(settings)
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        status = SessionStatus(row.status)
        if status == SessionStatus.ASSEMBLING:
            raise InvalidStateError(f"edit session {edit_session_id} is still being "
                                    "assembled; review it once it is ready")
        if choice == "approve" and status in (SessionStatus.FAILED, SessionStatus.SUPERSEDED):
            raise InvalidStateError(f"edit session {edit_session_id} is {status.value}; "
                                    "approve its newest revision (editron sessions lists it)")
        analysis = repos.analyses.get_analysis(session, row.analysis_id) \
            if row.analysis_id else None
        moments = repos.analyses.load_document(analysis).hero_moments if analysis else []
        timelines = [Timeline.from_dict(t) for t in row.timelines]
        timeline = next((t for t in timelines if t.aspect_ratio == "16:9"),
                        timelines[0] if timelines else None)
        reading = _read(adjust=adjust, drop=drop, keep=keep, comments=comments, notes=notes,
                        timeline=timeline, moments=moments)
        reading.adjustments = with_checksums(session, reading.adjustments)
        revision = None
        if choice == "approve":
            if status == SessionStatus.NEEDSREVIEW:
                repos.edit_sessions.set_session_status(session, row, SessionStatus.APPROVED)
        else:
            revision = start_revision(session, row, reading.adjustments,
                                      reject=choice == "reject")
        feedback = repos.feedback.record_feedback(
            session, row, decision=choice, notes=notes,  # type: ignore[arg-type]
            adjustments=reading.adjustments.to_dict(),
            reading={"understood": reading.understood,
                     "not_understood": reading.not_understood},
            revision_id=revision.session_id if revision else None)
        repos.tasks.ensure_tasks(session, row.batch)
        repos.tasks.set_task(session, row.batch_id, Stage.FEEDBACK,
                             TaskStatus.DONE if choice == "approve" else TaskStatus.IN_PROGRESS,
                             detail=f"{row.deliverable_type} r{row.revision}: {choice}"
                                    + (f" — {notes[:200]}" if notes else ""))
        batch_id, feedback_id, session_status = row.batch_id, feedback.id, row.status
    if revision is not None:
        revision = assemble_or_queue(revision, batch_id, settings=settings)
    return FeedbackResult(feedback_id=feedback_id, decision=choice, revision=revision,
                          session_status=session_status,
                          adjustments=reading.adjustments.to_dict(),
                          understood=reading.understood, not_understood=reading.not_understood)


def give_feedback(edit_session_id: str, request: FeedbackRequest, *,
                  settings: Settings | None = None) -> FeedbackResult:
    """``record_editron_feedback`` for a front end's request body."""
    return record_editron_feedback(
        edit_session_id=edit_session_id, decision=request.decision, notes=request.notes,
        adjust=request.adjust, drop=request.drop, keep=request.keep,
        comments=[(c.at, c.text) for c in request.comments], settings=settings)


def list_feedback_public(edit_session_id: str, *, settings: Settings | None = None
                         ) -> list[FeedbackPublic]:
    """The session's feedback, oldest first."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        return [FeedbackPublic.of(f, row.status)
                for f in repos.feedback.list_feedback(session, edit_session_id=edit_session_id)]
