"""Revisions: a session made again with a review's adjustments (or by hand, ``editron edit
--from``). The revision is a new session (its own id, ``parent_id``, ``revision`` one more)
assembled from the parent's request with the adjustments added; the parent is marked
``superseded`` and stays readable. It is assembled on the queue when one is configured,
else here before the call returns."""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel
from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.models import EditSession
from editron.db.runtime import db, ready
from editron.domain.feedback import Adjustments, SourceSpan
from editron.domain.status import SessionStatus
from editron.domain.timeline import Timeline
from editron.errors import InvalidStateError
from editron.jobs.inline import stage_run
from editron.services.edit import (
    EDIT_OPERATION,
    AssembleJob,
    EditSpec,
    create_session_row,
    queue_assembly,
)
from editron.services.edit_assemble import assemble_session
from editron.services.memory import with_checksums
from editron.services.schemas import documented

__all__ = ["RevisionPublic", "assemble_or_queue", "regenerate", "start_revision"]

MAX_PACE = 4.0  # cut at most four times faster (or slower) than the style's own pace
REVISABLE = (SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED, SessionStatus.COMPLETE,
             SessionStatus.FAILED)


class RevisionPublic(BaseModel):
    """A new revision: its session, the one it revises, its number and status (and the
    queue job assembling it, when one does)."""

    model_config = documented({"session_id": "2b3c4d5e-6f70-4812-93a4-b5c6d7e8f901",
                               "parent_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                               "revision": 2, "status": "assembling",
                               "job_id": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"})

    session_id: str
    parent_id: str | None
    revision: int
    status: str
    job_id: str | None = None


def _shown(parent: EditSession) -> tuple[SourceSpan, ...]:
    """Every source span the parent's cut shows (a rejected cut's moments)."""
    spans: dict[tuple[str, int, int], SourceSpan] = {}
    for doc in parent.timelines:
        tl = Timeline.from_dict(doc)
        for clip in tl.clips:
            key = (clip.file_id, clip.source_start, clip.source_end)
            spans[key] = SourceSpan(clip.file_id, tl.rate.seconds(clip.source_start),
                                    tl.rate.seconds(clip.source_end))
    return tuple(spans.values())


def _pace_of(parent: EditSession) -> float:
    """The pace the parent was cut at (its request's, or its memory's)."""
    return next((float(a["value"]) for a in parent.applied_preferences
                 if a.get("key") == "pace"), 1.0)


def _bounded(pace: float) -> float:
    return round(min(MAX_PACE, max(1.0 / MAX_PACE, pace)), 4)


def start_revision(session: Session, parent: EditSession, adjustments: Adjustments, *,
                   reject: bool = False) -> RevisionPublic:
    """In the caller's transaction: supersede ``parent`` and create its revision (not yet
    assembled). A rejected cut's own moments are dropped from the revision as well."""
    status = SessionStatus(parent.status)
    if status == SessionStatus.SUPERSEDED:
        newer = repos.edit_sessions.list_edit_sessions(session, parent_id=parent.id, limit=1)
        raise InvalidStateError(f"edit session {parent.id} was already revised (revision "
                                f"{newer[0].id if newer else '?'}); review the newest one")
    if status not in REVISABLE:
        raise InvalidStateError(f"edit session {parent.id} is {status.value}; wait until it "
                                "is assembled (or its renders end) to ask for changes")
    spec = EditSpec.model_validate(parent.request)
    extra = adjustments
    if reject:
        extra = extra.merge(Adjustments(drop=_shown(parent)))
    carried = Adjustments.from_dict(spec.adjustments).merge(extra)
    if adjustments.pace is not None:  # "faster" means faster than the cut under review
        carried = replace(carried, pace=_bounded(_pace_of(parent) * adjustments.pace))
    carried = with_checksums(session, carried)
    spec = spec.model_copy(update={"adjustments": carried.to_dict()})
    if adjustments.ratios:
        spec = spec.model_copy(update={"aspect_ratios": list(adjustments.ratios)})
    repos.edit_sessions.set_session_status(session, parent, SessionStatus.SUPERSEDED)
    child = create_session_row(session, parent.batch_id, spec, parent_id=parent.id,
                               revision=parent.revision + 1)
    return RevisionPublic(session_id=child, parent_id=parent.id,
                          revision=parent.revision + 1, status=SessionStatus.ASSEMBLING.value)


def assemble_or_queue(revision: RevisionPublic, batch_id: str, *,
                      settings: Settings) -> RevisionPublic:
    """Assemble the new session: on the queue when one was asked for, else here."""
    if settings.queue_url:
        job = queue_assembly(revision.session_id, batch_id, settings=settings)
        with db(settings) as session:  # a worker may have finished it already
            status = repos.edit_sessions.get_edit_session(session, revision.session_id).status
        return revision.model_copy(update={"job_id": job.job_id, "status": status})
    with stage_run(EDIT_OPERATION, AssembleJob(session_id=revision.session_id),
                   settings=settings, entity_type="edit_session",
                   entity_id=revision.session_id):  # leased: a kill leaves it interrupted
        made = assemble_session(revision.session_id, settings=settings)
    return revision.model_copy(update={"status": made.status})


def regenerate(session_id: str, *, adjustments: Adjustments | None = None,
               settings: Settings | None = None) -> RevisionPublic:
    """``editron edit --from SESSION``: the session made again as a new revision, with what
    the client's memory says now (and ``adjustments``)."""
    settings = ready(settings)
    with db(settings) as session:
        parent = repos.edit_sessions.get_edit_session(session, session_id)
        revision = start_revision(session, parent, adjustments or Adjustments())
        batch_id = parent.batch_id
    return assemble_or_queue(revision, batch_id, settings=settings)
