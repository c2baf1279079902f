"""Following queued work from the CLI: read the event log until the batch settles."""

from __future__ import annotations

import time
from collections.abc import Collection

from rich.console import Console

from editron.config import Settings
from editron.errors import EditronError
from editron.services.events import job_state, read_events
from editron.services.ingest import get_batch

__all__ = ["queue_configured", "wait_for_batch", "wait_for_job"]

stderr = Console(stderr=True)


def queue_configured(settings: Settings) -> bool:
    """A queue was asked for explicitly (EDITRON_QUEUE_URL): the CLI enqueues instead of
    running stages in-process."""
    return bool(settings.queue_url)


def wait_for_batch(settings: Settings, batch_id: str, *, until: Collection[str],
                   timeout: float = 6 * 3600) -> str:
    """Print the batch's events as they happen; return its status once it is in ``until``."""
    last = 0
    deadline = time.monotonic() + timeout
    with stderr.status(f"waiting for batch {batch_id}…") as status:
        while time.monotonic() < deadline:
            current = get_batch(batch_id, settings=settings).status
            if current in until:
                return current
            for event in read_events(settings, last, batch_id=batch_id):
                last = event.id
                state = event.payload.get("status")
                if event.event_type == "batch.status_changed" and state in until:
                    return str(state)
                detail = event.payload.get("file") or event.payload.get("stage") or ""
                status.update(f"{event.event_type} {detail}".strip())
            time.sleep(0.3)
    raise EditronError(f"batch {batch_id} did not finish within {timeout:.0f} s; it is still "
                       "queued or running: check `editron status` and that a worker runs")


def wait_for_job(settings: Settings, job_id: str, *, timeout: float = 6 * 3600) -> str:
    """Wait for a queued job to end; returns done, failed or cancelled."""
    deadline = time.monotonic() + timeout
    with stderr.status(f"waiting for job {job_id}…") as status:
        while time.monotonic() < deadline:
            run = job_state(job_id, settings=settings)
            if run.status in ("done", "failed", "cancelled"):
                return run.status
            status.update(f"{run.operation}: {run.status} (attempt {run.attempts})")
            time.sleep(0.3)
    raise EditronError(f"job {job_id} did not finish within {timeout:.0f} s; check that a "
                       "worker runs (`editron worker`)")
