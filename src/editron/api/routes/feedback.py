"""A client's review of an edit session: approve, or ask for changes (or reject), which makes
a new revision with the review applied."""

from __future__ import annotations

from fastapi import APIRouter, Response

from editron.api.deps import Operator, Reader, SettingsDep
from editron.api.openapi import follows, link
from editron.services.feedback import (
    FeedbackPublic,
    FeedbackResult,
    give_feedback,
    list_feedback_public,
)
from editron.services.requests import FeedbackRequest

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post("/edit-sessions/{session_id}/feedback", status_code=201,
             response_model=FeedbackResult, responses=follows(
                 201, ListFeedback=link("/api/edit-sessions/{session_id}/feedback",
                                        session_id="$request.path.session_id"),
                 GetEditSession=link("/api/edit-sessions/{session_id}",
                                     session_id="$request.path.session_id")))
def create_feedback(session_id: str, body: FeedbackRequest, response: Response,
                    settings: SettingsDep, _: Operator) -> FeedbackResult:
    """Location is the new revision when the review made one, else the session's reviews."""
    result = give_feedback(session_id, body, settings=settings)
    response.headers["Location"] = (f"/api/edit-sessions/{result.revision.session_id}"
                                    if result.revision else
                                    f"/api/edit-sessions/{session_id}/feedback")
    return result


@router.get("/edit-sessions/{session_id}/feedback", response_model=list[FeedbackPublic])
def feedback(session_id: str, settings: SettingsDep, _: Reader) -> list[FeedbackPublic]:
    """The reviews recorded for a session, oldest first."""
    return list_feedback_public(session_id, settings=settings)
