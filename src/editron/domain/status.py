"""The status machines of DESIGN.md, as exact strings stored in TEXT columns."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BATCH_TRANSITIONS",
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


def can_transition(current: BatchStatus, new: BatchStatus) -> bool:
    return new in BATCH_TRANSITIONS[current]
