"""Plain typed data shared by every stage. No I/O lives here."""

from __future__ import annotations

from editron.domain.media import AudioStreamInfo, MediaProbe, SourceKind, StagedFile
from editron.domain.status import (
    BatchStatus,
    FileStatus,
    JobStatus,
    Priority,
    SessionStatus,
    Stage,
    StorageTier,
    TaskStatus,
)

__all__ = [
    "AudioStreamInfo",
    "BatchStatus",
    "FileStatus",
    "JobStatus",
    "MediaProbe",
    "Priority",
    "SessionStatus",
    "SourceKind",
    "Stage",
    "StagedFile",
    "StorageTier",
    "TaskStatus",
]
