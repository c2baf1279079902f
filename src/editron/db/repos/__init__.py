"""The one data surface: the only code that queries or writes the ORM, one module per aggregate.

Every function takes a Session and never commits: the calling service owns the transaction.
Every status change goes through ``base.set_status``, which appends its event in the same
transaction, so the event log and the tables never disagree. Use them as
``from editron.db import repos`` and ``repos.batches.get_batch(session, batch_id)``.
"""

from editron.db.repos import (
    analyses,
    batches,
    dropbox_sources,
    edit_sessions,
    events,
    feedback,
    files,
    job_runs,
    lookup,
    projects,
    render_jobs,
    stats,
    tasks,
    tokens,
    workers,
)

__all__ = ["analyses", "batches", "dropbox_sources", "edit_sessions", "events", "feedback",
           "files", "job_runs", "lookup", "projects", "render_jobs", "stats", "tasks", "tokens",
           "workers"]
