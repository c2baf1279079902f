"""The status machines of DESIGN.md, as exact strings stored in TEXT columns."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "BATCH_TRANSITIONS",
    "JOB_TRANSITIONS",
    "SESSION_TRANSITIONS",
    "BatchStatus",
    "FileStatus",
    "JobStatus",
    "Priority",
    "SessionStatus",
    "Stage",
    "StorageTier",
    "TaskStatus",
    "can_transition",
]


class BatchStatus(StrEnum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    READY = "ready"
    ANALYZING = "analyzing"
    ANALYZED = "analyzed"
    FAILED = "failed"


class FileStatus(StrEnum):
    READY = "ready"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    REMOTE = "remote"  # cold tier: original stays at the source


class SessionStatus(StrEnum):
    ASSEMBLING = "assembling"
    NEEDSREVIEW = "needsreview"
    APPROVED = "approved"
    RENDERING = "rendering"
    COMPLETE = "complete"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # a review asked for changes: a revision took its place


class JobStatus(StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    STANDARD = "standard"
    RUSH = "rush"

    @property
    def rank(self) -> int:
        """Higher runs first (Huey's convention)."""
        return {"low": 0, "standard": 10, "rush": 20}[self.value]


class StorageTier(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class Stage(StrEnum):
    """One board card per stage per batch."""

    INGEST = "ingest"
    ANALYZE = "analyze"
    EDIT = "edit"
    RENDER = "render"
    DELIVER = "deliver"
    FEEDBACK = "feedback"


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"


BATCH_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.QUEUED: frozenset({BatchStatus.DOWNLOADING, BatchStatus.FAILED}),
    # A retried ingest after a crash may restart the download.
    BatchStatus.DOWNLOADING: frozenset(
        {BatchStatus.DOWNLOADING, BatchStatus.READY, BatchStatus.FAILED}
    ),
    BatchStatus.READY: frozenset({BatchStatus.ANALYZING, BatchStatus.FAILED}),
    BatchStatus.ANALYZING: frozenset(
        {BatchStatus.ANALYZING, BatchStatus.ANALYZED, BatchStatus.READY, BatchStatus.FAILED}
    ),
    BatchStatus.ANALYZED: frozenset({BatchStatus.ANALYZING, BatchStatus.FAILED}),
    BatchStatus.FAILED: frozenset({BatchStatus.QUEUED, BatchStatus.DOWNLOADING}),
}


SESSION_TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.ASSEMBLING: frozenset({SessionStatus.NEEDSREVIEW, SessionStatus.FAILED}),
    # A review approves a session, or asks for changes: a revision then supersedes it.
    SessionStatus.NEEDSREVIEW: frozenset(
        {SessionStatus.APPROVED, SessionStatus.SUPERSEDED, SessionStatus.FAILED}
    ),
    SessionStatus.APPROVED: frozenset(
        {SessionStatus.RENDERING, SessionStatus.SUPERSEDED, SessionStatus.FAILED}),
    SessionStatus.RENDERING: frozenset({SessionStatus.COMPLETE, SessionStatus.FAILED}),
    # A finished session can be rendered again (new formats, destinations), or revised.
    SessionStatus.COMPLETE: frozenset(
        {SessionStatus.RENDERING, SessionStatus.SUPERSEDED, SessionStatus.FAILED}),
    # A failed session is assembled again, its failed renders retried, or revised.
    SessionStatus.FAILED: frozenset(
        {SessionStatus.ASSEMBLING, SessionStatus.RENDERING, SessionStatus.SUPERSEDED}),
    SessionStatus.SUPERSEDED: frozenset(),
}

JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RENDERING, JobStatus.FAILED, JobStatus.CANCELLED}),
    # A render whose worker died goes back to the queue.
    JobStatus.RENDERING: frozenset(
        {JobStatus.COMPLETE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED}
    ),
    # Delivery or QC can still fail a rendered file.
    JobStatus.COMPLETE: frozenset({JobStatus.FAILED}),
    JobStatus.FAILED: frozenset({JobStatus.QUEUED}),
    JobStatus.CANCELLED: frozenset({JobStatus.QUEUED}),
}

_MACHINES: dict[type[StrEnum], Mapping[Any, frozenset[Any]]] = {
    BatchStatus: BATCH_TRANSITIONS,
    SessionStatus: SESSION_TRANSITIONS,
    JobStatus: JOB_TRANSITIONS,
}

StatusT = TypeVar("StatusT", BatchStatus, SessionStatus, JobStatus)


def can_transition(current: StatusT, new: StatusT) -> bool:
    """Whether the status machine of ``current``'s kind (batch, session, job) allows ``new``."""
    return new in _MACHINES[type(current)][current]
