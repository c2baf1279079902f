"""Every repository function in one namespace (``from editron.db import repositories as repo``).

Functions take a Session and never commit: the calling service owns the transaction. Status
changes append an event in the same transaction, so the event log and the tables never
disagree. The code lives in ``editron.db.repos``, one module per aggregate."""

from __future__ import annotations

from editron.db.repos.analyses import (
    AnalysisStatus,
    create_analysis,
    get_analysis,
    latest_analysis,
    list_analyses,
    set_analysis_status,
    update_analysis,
)
from editron.db.repos.batches import (
    batch_cursor,
    create_batch,
    delete_batch,
    get_batch,
    list_batches,
    set_batch_status,
    update_batch,
)
from editron.db.repos.dropbox_sources import (
    create_dropbox_source,
    get_dropbox_source,
    list_dropbox_sources,
    mark_polled,
    set_source_active,
)
from editron.db.repos.edit_sessions import (
    create_edit_session,
    get_edit_session,
    list_edit_sessions,
    set_session_status,
    update_edit_session,
)
from editron.db.repos.feedback import (
    Decision,
    get_feedback,
    list_feedback,
    record_feedback,
)
from editron.db.repos.files import (
    add_file,
    find_file_by_checksum,
    get_file,
    list_files,
    update_file,
)
from editron.db.repos.projects import (
    create_project,
    get_project,
    list_projects,
    update_project,
)
from editron.db.repos.render_jobs import (
    create_render_job,
    get_render_job,
    list_render_jobs,
    next_queued_render_job,
    set_job_progress,
    set_job_status,
    update_render_job,
)
from editron.db.repos.tasks import (
    STAGE_TITLES,
    ensure_tasks,
    get_task,
    list_tasks,
    set_task,
)
from editron.db.repos.tokens import (
    TOKEN_PREFIX,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
    verify_token,
)

__all__ = [
    "STAGE_TITLES",
    "TOKEN_PREFIX",
    "AnalysisStatus",
    "Decision",
    "add_file",
    "batch_cursor",
    "create_analysis",
    "create_batch",
    "create_dropbox_source",
    "create_edit_session",
    "create_project",
    "create_render_job",
    "create_token",
    "delete_batch",
    "ensure_tasks",
    "find_file_by_checksum",
    "get_analysis",
    "get_batch",
    "get_dropbox_source",
    "get_edit_session",
    "get_feedback",
    "get_file",
    "get_project",
    "get_render_job",
    "get_task",
    "hash_token",
    "latest_analysis",
    "list_analyses",
    "list_batches",
    "list_dropbox_sources",
    "list_edit_sessions",
    "list_feedback",
    "list_files",
    "list_projects",
    "list_render_jobs",
    "list_tasks",
    "list_tokens",
    "mark_polled",
    "next_queued_render_job",
    "record_feedback",
    "revoke_token",
    "set_analysis_status",
    "set_batch_status",
    "set_job_progress",
    "set_job_status",
    "set_session_status",
    "set_source_active",
    "set_task",
    "update_analysis",
    "update_batch",
    "update_edit_session",
    "update_file",
    "update_project",
    "update_render_job",
    "verify_token",
]
