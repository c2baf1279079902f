"""The operational tables: the append-only event log, the board cards, API tokens, the durable
job runs the queue points at, and the watched Dropbox folders."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from editron.db.orm import Base, check_in, db_time, new_id, utcnow
from editron.db.secrets import open_stored
from editron.domain.status import (
    Priority,
    Stage,
    StorageTier,
    TaskStatus,
)

__all__ = ["ApiToken", "DropboxSource", "Event", "JobRun", "QueueWorker", "Task"]


class DropboxSource(Base):
    __tablename__ = "dropbox_sources"
    __table_args__ = (
        CheckConstraint(check_in("storage_tier", StorageTier), name="storage_tier"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str | None] = mapped_column(String(128), index=True)
    folder_path: Mapped[str] = mapped_column(Text)
    shared_link: Mapped[str | None] = mapped_column(Text)
    # Secret: never returned by an endpoint or carried in an event; stored sealed
    # (``db.secrets``), read in plain through ``access_token``.
    sealed_access_token: Mapped[str | None] = mapped_column("access_token", Text)
    cursor: Mapped[str | None] = mapped_column(Text)
    storage_tier: Mapped[str] = mapped_column(String(8), default=StorageTier.HOT.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_polled_at: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)

    @property
    def has_token(self) -> bool:
        return self.sealed_access_token is not None

    @property
    def access_token(self) -> str | None:
        """The token in plain, decrypted with the key bound to the row's session
        (SecretKeyError, naming this source, when that key cannot open it)."""
        if self.sealed_access_token is None:
            return None
        return open_stored(self, self.sealed_access_token,
                           what=f"the access token of Dropbox source {self.id}")


class Event(Base):
    """Append-only log of every state change; the integer id orders it."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    session_id: Mapped[str | None] = mapped_column(String(36), index=True)
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    project_id: Mapped[str | None] = mapped_column(String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)


class Task(Base):
    """A board card: one per pipeline stage per batch."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(check_in("stage", Stage), name="stage"),
        CheckConstraint(check_in("status", TaskStatus), name="status"),
        Index("uq_tasks_batch_stage", "batch_id", "stage", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    batch_id: Mapped[str] = mapped_column(ForeignKey("media_batches.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.TODO.value)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    progress_percent: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(32), default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[str] = mapped_column(String(32), default=utcnow)
    last_used_at: Mapped[str | None] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32))
    # The scope names (editron.domain.access) this token holds; migration 0005 gave every
    # token made before scopes existed all of them.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)


class JobRun(Base):
    """The durable record of one queued operation, so a crashed worker's job is run again.

    The queue (Huey) carries only the job id; this row carries the operation, its arguments,
    the lease (worker and heartbeat) and the attempts.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status"
        ),
        Index("ix_job_runs_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    operation: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.STANDARD.value)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    # On the database's clock (``db_time``), like the heartbeat: the sweep compares them.
    created_at: Mapped[str] = mapped_column(String(32), default=db_time())
    updated_at: Mapped[str] = mapped_column(String(32), default=db_time(),
                                            onupdate=db_time())


class QueueWorker(Base):
    """One ``editron worker`` process (or a server's embedded worker): what it serves, what it
    runs and when it last said so, on the database's clock. Dead workers' rows stay a day
    for the operator, then the sweep removes them."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid:nonce
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    concurrency: Mapped[int] = mapped_column(Integer, default=1)
    render_slots: Mapped[int] = mapped_column(Integer, default=1)
    current_jobs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Whether it takes new work: False while free disk is under the floor (``disk_detail``).
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    disk_free_bytes: Mapped[int | None] = mapped_column(BigInteger)
    disk_detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[str] = mapped_column(String(32), default=db_time())
    heartbeat_at: Mapped[str] = mapped_column(String(32), default=db_time(), index=True)
    stopped_at: Mapped[str | None] = mapped_column(String(32))
