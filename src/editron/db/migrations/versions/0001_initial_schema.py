"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 16:05:30.306155
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("last_used_at", sa.String(length=32), nullable=True),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_events_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_session_id"), ["session_id"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=128), nullable=True),
        sa.Column("heartbeat_at", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_job_runs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(
            "ix_job_runs_status_heartbeat", ["status", "heartbeat_at"], unique=False
        )

    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=True),
        sa.Column("brand", sa.JSON(), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "dropbox_sources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("account_id", sa.String(length=128), nullable=True),
        sa.Column("folder_path", sa.Text(), nullable=False),
        sa.Column("shared_link", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("storage_tier", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_polled_at", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "storage_tier IN ('hot', 'warm', 'cold')", name=op.f("ck_dropbox_sources_storage_tier")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_dropbox_sources_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dropbox_sources")),
    )
    with op.batch_alter_table("dropbox_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dropbox_sources_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dropbox_sources_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "media_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("reference_name", sa.String(length=300), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("storage_tier", sa.String(length=8), nullable=False),
        sa.Column("checksum_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("storage_path", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("retention_until", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'downloading', 'ready', 'analyzing', 'analyzed', 'failed')",
            name=op.f("ck_media_batches_status"),
        ),
        sa.CheckConstraint(
            "storage_tier IN ('hot', 'warm', 'cold')", name=op.f("ck_media_batches_storage_tier")
        ),
        sa.CheckConstraint("file_count >= 0", name=op.f("ck_media_batches_file_count")),
        sa.CheckConstraint("total_size_bytes >= 0", name=op.f("ck_media_batches_total_size_bytes")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_media_batches_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_batches")),
    )
    with op.batch_alter_table("media_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_batches_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_media_batches_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "media_batch_analyses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("brief", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("model_hint", sa.String(length=64), nullable=True),
        sa.Column("max_iterations", sa.Integer(), nullable=False),
        sa.Column("passes_completed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("shots", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("energy_curve", sa.JSON(), nullable=False),
        sa.Column("crowd_peaks", sa.JSON(), nullable=False),
        sa.Column("hero_moments", sa.JSON(), nullable=False),
        sa.Column("sponsor_moments", sa.JSON(), nullable=False),
        sa.Column("deliverable_targets", sa.JSON(), nullable=False),
        sa.Column("file_reports", sa.JSON(), nullable=False),
        sa.Column("artifacts_path", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("completed_at", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'failed')",
            name=op.f("ck_media_batch_analyses_status"),
        ),
        sa.CheckConstraint(
            "max_iterations BETWEEN 1 AND 3", name=op.f("ck_media_batch_analyses_max_iterations")
        ),
        sa.CheckConstraint(
            "passes_completed BETWEEN 0 AND 3",
            name=op.f("ck_media_batch_analyses_passes_completed"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["media_batches.id"],
            name=op.f("fk_media_batch_analyses_batch_id_media_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_batch_analyses")),
    )
    with op.batch_alter_table("media_batch_analyses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_batch_analyses_batch_id"), ["batch_id"], unique=False
        )

    op.create_table(
        "media_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("relative_path", sa.Text(), nullable=False),
        sa.Column("storage_path", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("checksum_sha256", sa.String(length=64), nullable=True),
        sa.Column("duplicate_of", sa.String(length=36), nullable=True),
        sa.Column("container", sa.String(length=64), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("resolution", sa.String(length=32), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("codec", sa.String(length=64), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("is_vfr", sa.Boolean(), nullable=False),
        sa.Column("has_video", sa.Boolean(), nullable=False),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("audio_codec", sa.String(length=64), nullable=True),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("audio_sample_rate", sa.Integer(), nullable=True),
        sa.Column("creation_time", sa.String(length=40), nullable=True),
        sa.Column("timecode", sa.String(length=32), nullable=True),
        sa.Column("proxy_path", sa.Text(), nullable=True),
        sa.Column("poster_path", sa.Text(), nullable=True),
        sa.Column("sprite_path", sa.Text(), nullable=True),
        sa.Column("waveform_path", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('ready', 'failed', 'duplicate', 'remote')",
            name=op.f("ck_media_files_status"),
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_media_files_size_bytes")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["media_batches.id"],
            name=op.f("fk_media_files_batch_id_media_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["media_files.id"],
            name=op.f("fk_media_files_duplicate_of_media_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
    )
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_files_batch_checksum", ["batch_id", "checksum_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_media_files_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_media_files_checksum_sha256"), ["checksum_sha256"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("progress_percent", sa.Float(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "stage IN ('ingest', 'analyze', 'edit', 'render', 'deliver', 'feedback')",
            name=op.f("ck_tasks_stage"),
        ),
        sa.CheckConstraint(
            "status IN ('todo', 'in_progress', 'done', 'failed')", name=op.f("ck_tasks_status")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["media_batches.id"],
            name=op.f("fk_tasks_batch_id_media_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tasks_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_project_id"), ["project_id"], unique=False)
        batch_op.create_index("uq_tasks_batch_stage", ["batch_id", "stage"], unique=True)

    op.create_table(
        "edit_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("analysis_id", sa.String(length=36), nullable=True),
        sa.Column("deliverable_type", sa.String(length=16), nullable=False),
        sa.Column("aspect_ratios", sa.JSON(), nullable=False),
        sa.Column("reference_style", sa.String(length=64), nullable=True),
        sa.Column("include_captions", sa.Boolean(), nullable=False),
        sa.Column("imovie_project", sa.String(length=200), nullable=True),
        sa.Column("variants", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timelines", sa.JSON(), nullable=False),
        sa.Column("exports", sa.JSON(), nullable=False),
        sa.Column("preview_paths", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "deliverable_type IN ('recap', 'highlight', 'social')",
            name=op.f("ck_edit_sessions_deliverable_type"),
        ),
        sa.CheckConstraint(
            "status IN ('assembling', 'needsreview', 'approved', 'rendering', 'complete', 'failed')",
            name=op.f("ck_edit_sessions_status"),
        ),
        sa.CheckConstraint("variants >= 1", name=op.f("ck_edit_sessions_variants")),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["media_batch_analyses.id"],
            name=op.f("fk_edit_sessions_analysis_id_media_batch_analyses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["media_batches.id"],
            name=op.f("fk_edit_sessions_batch_id_media_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edit_sessions")),
    )
    with op.batch_alter_table("edit_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edit_sessions_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_edit_sessions_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("edit_session_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("adjustments", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "decision IN ('approve', 'reject', 'revise')", name=op.f("ck_feedback_decision")
        ),
        sa.ForeignKeyConstraint(
            ["edit_session_id"],
            ["edit_sessions.id"],
            name=op.f("fk_feedback_edit_session_id_edit_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_feedback_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_edit_session_id"), ["edit_session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_project_id"), ["project_id"], unique=False)

    op.create_table(
        "render_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("edit_session_id", sa.String(length=36), nullable=False),
        sa.Column("aspect_ratio", sa.String(length=8), nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress_percent", sa.Float(), nullable=False),
        sa.Column("output_urls", sa.JSON(), nullable=False),
        sa.Column("qc", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.String(length=32), nullable=True),
        sa.Column("completed_at", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "priority IN ('low', 'standard', 'rush')", name=op.f("ck_render_jobs_priority")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'rendering', 'complete', 'failed', 'cancelled')",
            name=op.f("ck_render_jobs_status"),
        ),
        sa.CheckConstraint(
            "progress_percent BETWEEN 0 AND 100", name=op.f("ck_render_jobs_progress_percent")
        ),
        sa.ForeignKeyConstraint(
            ["edit_session_id"],
            ["edit_sessions.id"],
            name=op.f("fk_render_jobs_edit_session_id_edit_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_render_jobs")),
    )
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_render_jobs_edit_session_id"), ["edit_session_id"], unique=False
        )
        batch_op.create_index(
            "ix_render_jobs_status_priority", ["status", "priority", "created_at"], unique=False
        )




def downgrade() -> None:

    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_render_jobs_status_priority")
        batch_op.drop_index(batch_op.f("ix_render_jobs_edit_session_id"))

    op.drop_table("render_jobs")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_project_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_edit_session_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("edit_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_edit_sessions_status_created")
        batch_op.drop_index(batch_op.f("ix_edit_sessions_batch_id"))

    op.drop_table("edit_sessions")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("uq_tasks_batch_stage")
        batch_op.drop_index(batch_op.f("ix_tasks_project_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("media_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_files_checksum_sha256"))
        batch_op.drop_index(batch_op.f("ix_media_files_batch_id"))
        batch_op.drop_index("ix_media_files_batch_checksum")

    op.drop_table("media_files")
    with op.batch_alter_table("media_batch_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_batch_analyses_batch_id"))

    op.drop_table("media_batch_analyses")
    with op.batch_alter_table("media_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_media_batches_status_created")
        batch_op.drop_index(batch_op.f("ix_media_batches_project_id"))

    op.drop_table("media_batches")
    with op.batch_alter_table("dropbox_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dropbox_sources_project_id"))
        batch_op.drop_index(batch_op.f("ix_dropbox_sources_account_id"))

    op.drop_table("dropbox_sources")
    op.drop_table("projects")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_status_heartbeat")
        batch_op.drop_index(batch_op.f("ix_job_runs_entity_id"))

    op.drop_table("job_runs")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_session_id"))
        batch_op.drop_index(batch_op.f("ix_events_project_id"))
        batch_op.drop_index(batch_op.f("ix_events_job_id"))
        batch_op.drop_index("ix_events_entity")
        batch_op.drop_index(batch_op.f("ix_events_batch_id"))

    op.drop_table("events")
    op.drop_table("api_tokens")

