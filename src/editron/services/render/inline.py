"""Renders run in-process (``editron render`` without a queue, ``editron run``), leased like
queued ones: each job runs under its own ``job_runs`` row (``jobs.inline.stage_run``, on the
render job), so a process killed mid-render leaves a run ``editron status`` calls
``interrupted`` and ``editron resume`` finishes; a render job left ``rendering`` by a dead
process is taken over and rendered again from the start (``process_render_job``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from editron.config import Settings
from editron.db.runtime import ready
from editron.errors import EditronError
from editron.jobs.inline import stage_run
from editron.services.render.job import TRANSIENT_RENDER_ERRORS, process_render_job
from editron.services.render.public import (
    RENDER_OPERATION,
    RenderJobPublic,
    RenderJobRun,
    get_render_job,
)
from editron.services.render.settle import give_up_render_job
from editron.services.runs import interrupted_run

__all__ = ["run_render_job_inline"]


def run_render_job_inline(job_id: str, *, settings: Settings | None = None,
                          on_progress: Callable[[float], None] | None = None
                          ) -> RenderJobPublic:
    """Run a job here and now (no queue), retrying transient failures like a worker would;
    returns the job however it ended instead of raising."""
    settings = ready(settings)
    claimed = interrupted_run(job_id, RENDER_OPERATION, settings=settings)
    try:
        with stage_run(RENDER_OPERATION, RenderJobRun(render_job_id=job_id), settings=settings,
                       entity_type="render_job", entity_id=job_id, claimed=claimed):
            _attempts(job_id, settings, on_progress)
    except (EditronError, OSError):  # TRANSIENT_RENDER_ERRORS are OSError or EditronError
        pass  # the render job says how it ended; its run says failed
    return get_render_job(job_id, settings=settings)


def _attempts(job_id: str, settings: Settings,
              on_progress: Callable[[float], None] | None) -> None:
    for attempt in range(1, settings.job_max_attempts + 1):
        try:
            process_render_job(job_id, settings=settings, on_progress=on_progress)
            return
        except TRANSIENT_RENDER_ERRORS as exc:
            if attempt == settings.job_max_attempts:
                give_up_render_job(job_id, f"{type(exc).__name__}: {exc} (after {attempt} "
                                   "attempts)", settings=settings)
                raise
            time.sleep(min(30.0, settings.job_backoff_base_seconds * 2 ** (attempt - 1)))
