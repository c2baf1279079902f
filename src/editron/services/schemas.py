"""Public shapes returned by the services and printed by the CLI/API. No secrets here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from editron.db.models import MediaBatch, MediaFile
from editron.domain.redact import redact_text, redact_url

__all__ = ["BatchPublic", "FileError", "FilePublic", "TaskPublic"]


class FilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: str
    relative_path: str
    status: str
    size_bytes: int
    checksum_sha256: str | None
    duration_seconds: float | None
    resolution: str | None
    codec: str | None
    fps: float | None
    is_vfr: bool
    has_audio: bool
    audio_codec: str | None = None
    audio_channels: int | None = None
    audio_sample_rate: int | None = None
    container: str | None = None
    rotation: int = 0
    creation_time: str | None = None
    timecode: str | None = None
    duplicate_of: str | None = None
    proxy_path: str | None = None
    poster_path: str | None = None
    sprite_path: str | None = None
    waveform_path: str | None = None
    notes: dict[str, Any] = Field(default_factory=dict, description=(
        "what the probe chose or found: the audio stream used when there are several "
        "(audio_stream: index, count, reason), an HDR source tone-mapped to SDR (hdr)"))

    @classmethod
    def of(cls, row: MediaFile) -> FilePublic:
        public = cls.model_validate(row)
        meta = row.file_metadata or {}
        public.notes = {k: meta[k] for k in ("audio_stream", "hdr") if k in meta}
        return public


class FileError(BaseModel):
    filename: str
    error: str


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    batch_id: str
    stage: str
    status: str
    title: str
    detail: str | None
    progress_percent: float
    updated_at: str


class BatchPublic(BaseModel):
    """The ``editron ingest --json`` document (DESIGN.md CLI contract), plus bookkeeping."""

    batch_id: str = Field(description="id of the media batch")
    status: str
    reference_name: str
    source_url: str
    storage_tier: str
    project_id: str | None
    file_count: int
    total_size_bytes: int
    files: list[FilePublic]
    errors: list[FileError]
    duplicates: list[dict[str, str]] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    last_error: str | None = None
    retention_until: str | None = None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, batch: MediaBatch) -> BatchPublic:
        meta: dict[str, Any] = batch.batch_metadata or {}
        return cls(
            batch_id=batch.id,
            status=batch.status,
            reference_name=batch.reference_name,
            source_url=redact_url(batch.source_url),
            storage_tier=batch.storage_tier,
            project_id=batch.project_id,
            file_count=batch.file_count,
            total_size_bytes=batch.total_size_bytes,
            files=[FilePublic.of(f) for f in batch.files if f.status in ("ready", "remote")],
            errors=[
                FileError(filename=f.relative_path, error=f.error or "unknown error")
                for f in batch.files
                if f.status == "failed"
            ]
            + [FileError(**e) for e in meta.get("source_errors", [])],
            duplicates=[
                {"filename": f.relative_path, "duplicate_of": f.duplicate_of or ""}
                for f in batch.files
                if f.status == "duplicate"
            ],
            skipped=list(meta.get("skipped", [])),
            last_error=redact_text(batch.last_error),
            retention_until=batch.retention_until,
            created_at=batch.created_at,
            updated_at=batch.updated_at,
        )
