"""Tier 5: a client's decision on an edit session, and what Editron learns from it.

``approve`` moves a session in review to ``approved``; ``revise`` sends it back to assembly
where the status machine allows; ``reject`` is recorded and changes no status. Adjustments
(``{"style": "energetic", "duration": 45, "captions": false}``) are kept with the decision and,
when the batch belongs to a project, folded into the project's preferences for that
deliverable: ``project.preferences["deliverables"]["social"] == {"style": "energetic", ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast, get_args

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models import Feedback
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.status import SessionStatus, Stage, TaskStatus, can_transition
from editron.errors import InputError, InvalidStateError
from editron.story.styles import get_style

__all__ = ["DECISIONS", "FeedbackPublic", "list_feedback_public", "preference_updates",
           "record_editron_feedback"]

DECISIONS: tuple[str, ...] = get_args(repos.feedback.Decision)


class FeedbackPublic(BaseModel):
    id: str
    edit_session_id: str
    project_id: str | None
    decision: str
    notes: str | None
    adjustments: dict[str, Any]
    created_at: str
    session_status: str

    @classmethod
    def of(cls, row: Feedback, session_status: str) -> FeedbackPublic:
        return cls(id=row.id, edit_session_id=row.edit_session_id, project_id=row.project_id,
                   decision=row.decision, notes=row.notes, adjustments=dict(row.adjustments),
                   created_at=row.created_at, session_status=session_status)


def preference_updates(adjustments: Mapping[str, Any]) -> dict[str, Any]:
    """The adjustments a project remembers, checked; other keys stay on the feedback only."""
    prefs: dict[str, Any] = {}
    if "style" in adjustments:
        prefs["style"] = get_style(str(adjustments["style"])).name
    if "duration" in adjustments:
        value = adjustments["duration"]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not 1 <= value <= 600:
            raise InputError("adjustments.duration must be a number of seconds, 1 to 600")
        prefs["duration"] = float(value)
    if "captions" in adjustments:
        if not isinstance(adjustments["captions"], bool):
            raise InputError("adjustments.captions must be true or false")
        prefs["captions"] = adjustments["captions"]
    if "variants" in adjustments:
        value = adjustments["variants"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            raise InputError("adjustments.variants must be a whole number, 1 to 10")
        prefs["variants"] = value
    return prefs


def record_editron_feedback(*, edit_session_id: str, decision: str, notes: str | None = None,
                            adjustments: Mapping[str, Any] | None = None,
                            settings: Settings | None = None) -> FeedbackPublic:
    """Store the decision and act on it (see the module docstring)."""
    choice = decision.strip().lower()
    if choice not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}; use {', '.join(DECISIONS)}")
    adjustments = dict(adjustments or {})
    prefs = preference_updates(adjustments)
    settings = ready(settings)
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        current = SessionStatus(row.status)
        if current in (SessionStatus.ASSEMBLING, SessionStatus.FAILED) and choice == "approve":
            raise InvalidStateError(f"edit session {edit_session_id} is {current.value}; only "
                                    "an assembled session can be approved")
        feedback = repos.feedback.record_feedback(session, row,
                                                  decision=cast(repos.feedback.Decision, choice),
                                                  notes=notes, adjustments=adjustments)
        if choice == "approve" and current == SessionStatus.NEEDSREVIEW:
            repos.edit_sessions.set_session_status(session, row, SessionStatus.APPROVED)
        elif choice == "revise" and can_transition(current, SessionStatus.ASSEMBLING):
            repos.edit_sessions.set_session_status(session, row, SessionStatus.ASSEMBLING)
        batch = row.batch
        repos.tasks.ensure_tasks(session, batch)
        repos.tasks.set_task(session, batch.id, Stage.FEEDBACK,
                             TaskStatus.IN_PROGRESS if choice == "revise" else TaskStatus.DONE,
                             detail=f"{row.deliverable_type}: {choice}"
                             + (f" — {notes[:200]}" if notes else ""))
        if prefs and batch.project is not None:
            project = batch.project
            preferences = dict(project.preferences or {})
            deliverables = dict(preferences.get("deliverables") or {})
            learned = {**dict(deliverables.get(row.deliverable_type) or {}), **prefs}
            deliverables[row.deliverable_type] = learned
            preferences["deliverables"] = deliverables
            repos.projects.update_project(session, project, preferences=preferences)
            append_event(session, entity_type="project", entity_id=project.id,
                         event_type="project.preferences_updated", project_id=project.id,
                         batch_id=batch.id, session_id=row.id,
                         payload={"deliverable": row.deliverable_type, "preferences": learned,
                                  "feedback_id": feedback.id})
        return FeedbackPublic.of(feedback, row.status)


def list_feedback_public(edit_session_id: str, *, settings: Settings | None = None
                         ) -> list[FeedbackPublic]:
    """The session's feedback, oldest first."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        return [FeedbackPublic.of(f, row.status)
                for f in repos.feedback.list_feedback(session, edit_session_id=edit_session_id)]
