"""Public shapes returned by the services and printed by the CLI/API. No secrets here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from editron.db.models import MediaBatch, MediaFile
from editron.domain.redact import redact_text, redact_url

__all__ = ["BatchPublic", "FileError", "FilePublic", "TaskPublic", "documented"]


def documented(example: Mapping[str, Any], *, from_attributes: bool = False) -> ConfigDict:
    """A model config whose JSON schema (``/openapi.json``) carries ``example`` as the whole
    object's example and each of its values as that field's, so one example document, checked
    against the model by tests/api/test_openapi_examples.py, documents every field."""
    whole = dict(example)

    def extra(schema: dict[str, Any]) -> None:
        schema["examples"] = [whole]
        for name, prop in schema.get("properties", {}).items():
            if name in whole and not prop.get("examples"):
                prop["examples"] = [whole[name]]

    return ConfigDict(json_schema_extra=extra, from_attributes=from_attributes)


_BATCH_ID = "7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10"
_FILE = {
    "id": "f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b", "filename": "keynote.mp4",
    "relative_path": "day1/keynote.mp4", "status": "ready", "size_bytes": 48_213_904,
    "checksum_sha256": "9f2c4e0b7d1a3c5e8f6a2b4d0c9e7f1a3b5c7d9e1f0a2b4c6d8e0f1a3b5c7d9e",
    "duration_seconds": 312.48, "resolution": "1920x1080", "codec": "h264", "fps": 25.0,
    "is_vfr": False, "has_audio": True, "audio_codec": "aac", "audio_channels": 2,
    "audio_sample_rate": 48000, "container": "mov,mp4,m4a,3gp,3g2,mj2", "rotation": 0,
    "creation_time": "2026-05-14T18:02:11Z", "timecode": "10:02:11:00",
    "duplicate_of": "e0d1c2b3-a4f5-4e6d-8c7b-6a5f4e3d2c1b",
    "proxy_path": "batches/7d2c1e9a/derived/f1a2b3c4/proxy.mp4",
    "poster_path": "batches/7d2c1e9a/derived/f1a2b3c4/poster.jpg",
    "sprite_path": "batches/7d2c1e9a/derived/f1a2b3c4/sprite.jpg",
    "waveform_path": "batches/7d2c1e9a/derived/f1a2b3c4/waveform.png",
    "notes": {"audio_stream": {"index": 1, "count": 2, "reason": "the loudest of 2 streams"}},
}


class FilePublic(BaseModel):
    model_config = documented(_FILE, from_attributes=True)

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
    model_config = documented({"filename": "day2/broken.mp4",
                               "error": "moov atom not found: the file was cut short"})

    filename: str
    error: str


class TaskPublic(BaseModel):
    model_config = documented({
        "id": "c3d4e5f6-0718-4293-a4b5-c6d7e8f90a1b", "batch_id": _BATCH_ID,
        "stage": "analyze", "status": "running", "title": "Analyse Aurora Summit",
        "detail": "speech: 2 of 3 files", "progress_percent": 64.0,
        "updated_at": "2026-05-14T19:12:40Z"}, from_attributes=True)

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

    model_config = documented({
        "batch_id": _BATCH_ID, "status": "ready", "reference_name": "Aurora Summit day 1",
        "source_url": "https://www.dropbox.com/scl/fo/abc123/Aurora?dl=0",
        "storage_tier": "hot", "project_id": "4f1c9a2e-7b3d-4e8f-9a1b-2c3d4e5f6a7b",
        "file_count": 3, "total_size_bytes": 96_427_808, "files": [_FILE],
        "errors": [{"filename": "day2/broken.mp4",
                    "error": "moov atom not found: the file was cut short"}],
        "duplicates": [{"filename": "keynote_copy.mp4",
                        "duplicate_of": "f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b"}],
        "skipped": ["notes.txt"], "last_error": "1 of 3 files could not be read (see errors)",
        "retention_until": "2026-08-12T00:00:00Z",
        "created_at": "2026-05-14T18:40:02Z", "updated_at": "2026-05-14T18:44:19Z"})

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
