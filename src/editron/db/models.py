"""SQLAlchemy 2 models. Ids are UUID text, times ISO-8601 UTC text, flexible data in JSON.

Enum columns are TEXT with CHECK constraints so SQLite and PostgreSQL hold the same strings.
Deleting a batch cascades to its files, analyses, edit sessions and render jobs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editron.db.orm import Base, check_in, new_id, utcnow
from editron.db.secrets import open_stored
from editron.domain.status import (
    BatchStatus,
    FileStatus,
    JobStatus,
    Priority,
    SessionStatus,
    StorageTier,
)

__all__ = [
    "EditSession",
    "Feedback",
    "MediaBatch",
    "MediaBatchAnalysis",
    "MediaFile",
    "Project",
    "RenderJob",
]

class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    client_name: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Renders need no approval for this client (their cuts go straight out).
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow, onupdate=utcnow)

    batches: Mapped[list[MediaBatch]] = relationship(back_populates="project")


class MediaBatch(Base):
    __tablename__ = "media_batches"
    __table_args__ = (
        CheckConstraint(check_in("status", BatchStatus), name="status"),
        CheckConstraint(check_in("storage_tier", StorageTier), name="storage_tier"),
        CheckConstraint("file_count >= 0", name="file_count"),
        CheckConstraint("total_size_bytes >= 0", name="total_size_bytes"),
        Index("ix_media_batches_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    reference_name: Mapped[str] = mapped_column(String(300))
    # Shown everywhere, so stored redacted; the whole URL, when it carries credentials a
    # resumed download needs, is kept sealed in source_secret (``fetch_url``).
    source_url: Mapped[str] = mapped_column(Text)
    source_secret: Mapped[str | None] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(32))
    storage_tier: Mapped[str] = mapped_column(String(8), default=StorageTier.HOT.value)
    checksum_required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.QUEUED.value)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    total_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_path: Mapped[str | None] = mapped_column(Text)
    batch_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    retention_until: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow, onupdate=utcnow)

    project: Mapped[Project | None] = relationship(back_populates="batches")
    files: Mapped[list[MediaFile]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MediaFile.created_at",
    )
    analyses: Mapped[list[MediaBatchAnalysis]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True
    )
    edit_sessions: Mapped[list[EditSession]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def fetch_url(self) -> str:
        """The source as given, credentials included, for (re-)fetching it."""
        if self.source_secret is None:
            return self.source_url
        return open_stored(self, self.source_secret, what=f"the source URL of batch {self.id}")


class MediaFile(Base):
    __tablename__ = "media_files"
    __table_args__ = (
        CheckConstraint(check_in("status", FileStatus), name="status"),
        CheckConstraint("size_bytes >= 0", name="size_bytes"),
        Index("ix_media_files_batch_checksum", "batch_id", "checksum_sha256"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("media_batches.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(500))
    relative_path: Mapped[str] = mapped_column(Text)
    storage_path: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)  # redacted, as the batch's
    source_secret: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=FileStatus.READY.value)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="SET NULL")
    )
    container: Mapped[str | None] = mapped_column(String(64))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    resolution: Mapped[str | None] = mapped_column(String(32))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    codec: Mapped[str | None] = mapped_column(String(64))
    fps: Mapped[float | None] = mapped_column(Float)
    is_vfr: Mapped[bool] = mapped_column(Boolean, default=False)
    has_video: Mapped[bool] = mapped_column(Boolean, default=False)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    audio_codec: Mapped[str | None] = mapped_column(String(64))
    audio_channels: Mapped[int | None] = mapped_column(Integer)
    audio_sample_rate: Mapped[int | None] = mapped_column(Integer)
    creation_time: Mapped[str | None] = mapped_column(String(40))
    timecode: Mapped[str | None] = mapped_column(String(32))
    proxy_path: Mapped[str | None] = mapped_column(Text)
    poster_path: Mapped[str | None] = mapped_column(Text)
    sprite_path: Mapped[str | None] = mapped_column(Text)
    waveform_path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    file_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    batch: Mapped[MediaBatch] = relationship(back_populates="files")

    @property
    def fetch_url(self) -> str | None:
        """The file's own source as given, credentials included (a cold file's re-fetch)."""
        if self.source_secret is None:
            return self.source_url
        return open_stored(self, self.source_secret, what=f"the source URL of file {self.id}")


class MediaBatchAnalysis(Base):
    __tablename__ = "media_batch_analyses"
    __table_args__ = (
        CheckConstraint("max_iterations BETWEEN 1 AND 3", name="max_iterations"),
        CheckConstraint("passes_completed BETWEEN 0 AND 3", name="passes_completed"),
        CheckConstraint("status IN ('running', 'complete', 'failed')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("media_batches.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="running")
    # The version of the analysis document the result columns hold (AnalysisResult's).
    schema_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    brief: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list)
    model_hint: Mapped[str | None] = mapped_column(String(64))
    max_iterations: Mapped[int] = mapped_column(Integer, default=3)
    passes_completed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    shots: Mapped[list[Any]] = mapped_column(JSON, default=list)
    transcript: Mapped[list[Any]] = mapped_column(JSON, default=list)
    energy_curve: Mapped[list[Any]] = mapped_column(JSON, default=list)
    crowd_peaks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hero_moments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sponsor_moments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    shot_signals: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                    server_default=text("'[]'"))
    audio_segments: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                      server_default=text("'[]'"))
    # ``domain.sync.SyncResult`` (schema 2 on); NULL for analyses stored before it.
    sync: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    deliverable_targets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    file_reports: Mapped[list[Any]] = mapped_column(JSON, default=list)
    artifacts_path: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    completed_at: Mapped[str | None] = mapped_column(String(32))

    batch: Mapped[MediaBatch] = relationship(back_populates="analyses")


class EditSession(Base):
    __tablename__ = "edit_sessions"
    __table_args__ = (
        CheckConstraint(check_in("status", SessionStatus), name="status"),
        CheckConstraint("variants >= 1", name="variants"),
        Index("ix_edit_sessions_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("media_batches.id", ondelete="CASCADE"), index=True
    )
    analysis_id: Mapped[str | None] = mapped_column(
        ForeignKey("media_batch_analyses.id", ondelete="SET NULL")
    )
    # A revision's parent (the session its review answered) and its number in the line (1+).
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("edit_sessions.id", ondelete="SET NULL"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # What was asked for (options, the review's adjustments), so the session can be made
    # again, and every preference that shaped it with why.
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                    server_default=text("'{}'"))
    applied_preferences: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                           server_default=text("'[]'"))
    deliverable_type: Mapped[str] = mapped_column(String(16))
    aspect_ratios: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reference_style: Mapped[str | None] = mapped_column(String(64))
    include_captions: Mapped[bool] = mapped_column(Boolean, default=True)
    imovie_project: Mapped[str | None] = mapped_column(String(200))
    variants: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.ASSEMBLING.value)
    timelines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    exports: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    preview_paths: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow, onupdate=utcnow)

    batch: Mapped[MediaBatch] = relationship(back_populates="edit_sessions")
    render_jobs: Mapped[list[RenderJob]] = relationship(
        back_populates="edit_session", cascade="all, delete-orphan", passive_deletes=True
    )
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="edit_session", cascade="all, delete-orphan", passive_deletes=True
    )


class RenderJob(Base):
    __tablename__ = "render_jobs"
    __table_args__ = (
        CheckConstraint(check_in("status", JobStatus), name="status"),
        CheckConstraint(check_in("priority", Priority), name="priority"),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_percent"),
        Index("ix_render_jobs_status_priority", "status", "priority", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    edit_session_id: Mapped[str] = mapped_column(
        ForeignKey("edit_sessions.id", ondelete="CASCADE"), index=True
    )
    aspect_ratio: Mapped[str] = mapped_column(String(8))
    variant: Mapped[int] = mapped_column(Integer, default=1)
    format: Mapped[str] = mapped_column(String(8))
    profile: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.STANDARD.value)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress_percent: Mapped[float] = mapped_column(Float, default=0.0)
    output_urls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the rendered file's key in the media store (batches/<batch>/renders/<job>/<name>)
    output_key: Mapped[str | None] = mapped_column(Text)
    qc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[str | None] = mapped_column(String(32))
    completed_at: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow, onupdate=utcnow)

    edit_session: Mapped[EditSession] = relationship(back_populates="render_jobs")


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("decision IN ('approve', 'changes', 'reject')", name="decision"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    edit_session_id: Mapped[str] = mapped_column(
        ForeignKey("edit_sessions.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    adjustments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the notes were read as: {"understood": [...], "not_understood": [...]}.
    reading: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                    server_default=text("'{}'"))
    revision_id: Mapped[str | None] = mapped_column(String(36))  # the session it made
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    edit_session: Mapped[EditSession] = relationship(back_populates="feedback")


