"""A client's decision on an edit session: approve, revise or reject, with adjustments."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from editron.api.deps import Authorized, SettingsDep
from editron.services.feedback import (
    FeedbackPublic,
    list_feedback_public,
    record_editron_feedback,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["feedback"])


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "revise", "reject"] = Field(examples=["revise"])
    notes: str | None = Field(default=None, max_length=10_000,
                              examples=["Shorter, and open on the crowd."])
    adjustments: dict[str, Any] = Field(
        default_factory=dict, examples=[{"style": "energetic", "duration": 45,
                                         "captions": False}],
        description="style, duration (s), captions and variants are remembered by the "
                    "project for this deliverable; other keys are kept with the feedback.")


@router.post("/edit-sessions/{session_id}/feedback", status_code=201,
             response_model=FeedbackPublic)
def give_feedback(session_id: str, body: FeedbackCreate, response: Response,
                  settings: SettingsDep, _: Authorized) -> FeedbackPublic:
    feedback = record_editron_feedback(edit_session_id=session_id, decision=body.decision,
                                       notes=body.notes, adjustments=body.adjustments,
                                       settings=settings)
    response.headers["Location"] = f"/api/edit-sessions/{session_id}/feedback"
    return feedback


@router.get("/edit-sessions/{session_id}/feedback", response_model=list[FeedbackPublic])
def feedback(session_id: str, settings: SettingsDep, _: Authorized) -> list[FeedbackPublic]:
    return list_feedback_public(session_id, settings=settings)
