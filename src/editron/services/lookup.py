"""``editron show ID``: any object by its id or a unique prefix of it, as its own public
document (a batch with its stages and next step, a session with its timelines, a render job
with its QC, ...)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.analyze import get_analysis
from editron.services.board import batch_status
from editron.services.edit import get_edit_session
from editron.services.events import job_state
from editron.services.feedback import FeedbackPublic
from editron.services.ids import resolve_any
from editron.services.projects import get_project
from editron.services.render import get_render_job
from editron.services.schemas import FilePublic
from editron.services.sources import get_source
from editron.services.tokens import TokenPublic

__all__ = ["Found", "describe"]


class Found(BaseModel):
    kind: str
    id: str
    document: dict[str, object]


def _file(file_id: str, settings: Settings) -> FilePublic:
    with db(settings) as session:
        return FilePublic.of(repos.files.get_file(session, file_id))


def _feedback(feedback_id: str, settings: Settings) -> FeedbackPublic:
    with db(settings) as session:
        row = repos.feedback.get_feedback(session, feedback_id)
        return FeedbackPublic.of(row, row.edit_session.status)


def _token(token_id: str, settings: Settings) -> TokenPublic:
    with db(settings) as session:
        return TokenPublic.of(repos.tokens.get_token(session, token_id))


_GETTERS: dict[str, Callable[[str, Settings], BaseModel]] = {
    "batch": lambda i, s: batch_status(i, settings=s),
    "edit session": lambda i, s: get_edit_session(i, settings=s),
    "render job": lambda i, s: get_render_job(i, settings=s),
    "analysis": lambda i, s: get_analysis(i, settings=s),
    "file": _file,
    "project": lambda i, s: get_project(i, settings=s),
    "job": lambda i, s: job_state(i, settings=s),
    "feedback": _feedback,
    "Dropbox source": lambda i, s: get_source(i, settings=s),
    "API token": _token,
}


def describe(text: str, *, settings: Settings | None = None) -> Found:
    """The one object whose id is ``text`` or starts with it, whatever its kind."""
    settings = ready(settings)
    kind, found = resolve_any(text, settings=settings)
    doc = _GETTERS[kind](found, settings)
    return Found(kind=kind, id=found, document=doc.model_dump(mode="json"))
