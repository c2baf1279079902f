"""A job that cannot reach the media store goes back to the queue and runs again; it does not
fail (and take its batch or session with it) while the store is away."""

from __future__ import annotations

from pathlib import Path

import pytest

from editron.config import Settings, get_settings, reset_settings
from editron.db.models_ops import JobRun
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.jobs.app import enqueue
from editron.jobs.registry import JobPayload, register_operation
from editron.store import FileStore
from tests.queue_backends import FAST_QUEUE_ENV


class ShareJob(JobPayload):
    share: str
    log: str


def _read_from_share(job: ShareJob, settings: Settings) -> None:
    """Read one file from an explicit share; the first attempt finds the share unmounted."""
    log = Path(job.log)
    attempt = len(log.read_text().splitlines()) + 1 if log.exists() else 1
    with log.open("a") as out:
        out.write(f"attempt {attempt}\n")
    share = Path(job.share)
    store = FileStore(share, attempts=1, backoff_seconds=0.0)
    try:
        store.local_path("batches/b1/originals/clip.mp4")
    finally:
        # "The NAS comes back" for the next attempt.
        (share / "batches/b1/originals").mkdir(parents=True, exist_ok=True)
        (share / "batches/b1/originals/clip.mp4").write_bytes(b"media")


# Declares a narrow transient tuple on purpose: StoreUnavailableError is transient anyway.
register_operation("test.store_share", _read_from_share, payload=ShareJob,
                   transient=(ValueError,))


def _settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    for key, value in FAST_QUEUE_ENV.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return ready(get_settings())


def test_store_unavailable_is_retried_not_failed(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    settings = _settings(monkeypatch)
    log = tmp_path / "share.log"
    job = enqueue("test.store_share", {"share": str(tmp_path / "nas"), "log": str(log)},
                  settings=settings, max_attempts=3)
    with session_scope(settings.resolved_database_url) as s:
        run = s.get(JobRun, job)
        assert run is not None
        assert (run.status, run.attempts) == ("done", 2)
        assert "StoreUnavailableError" in (run.last_error or "")
        assert "is not mounted on this host" in (run.last_error or "")
    assert log.read_text().splitlines() == ["attempt 1", "attempt 2"]
