"""The queue's in-process twin (``immediate://``) and its failure boundary (queue unreachable)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from editron.config import Settings, get_settings, reset_settings
from editron.db.models_ops import JobRun
from editron.db.repos import job_runs as runs
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.errors import QueueError
from editron.jobs.app import enqueue
from editron.jobs.recovery import recover_jobs
from editron.jobs.worker import run_worker
from tests import db_backends
from tests.queue_backends import FAST_QUEUE_ENV, job_run, wait_for

# The database contract's fixtures (a migrated SQLite file, a PostgreSQL database of the
# test's own), by assignment so test parameters may reuse their names.
database_url = db_backends.database_url
pg_database = db_backends.pg_database
pg_template = db_backends.pg_template
sqlite_template = db_backends.sqlite_template


def _settings(monkeypatch: pytest.MonkeyPatch, queue_url: str) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", queue_url)
    for key, value in FAST_QUEUE_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("EDITRON_JOB_BACKOFF_BASE_SECONDS", "5")  # must be skipped inline
    reset_settings()
    return ready(get_settings())


def test_immediate_queue_runs_the_job_inside_enqueue(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    settings = _settings(monkeypatch, "immediate://")
    log = tmp_path / "inline.log"
    job = enqueue("test.record", {"log": str(log), "tag": "inline"}, settings=settings)
    assert log.read_text() == "inline\n"
    run = job_run(settings, job)
    assert (run.status, run.attempts) == ("done", 1)


def test_immediate_queue_retries_inline_without_waiting(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    settings = _settings(monkeypatch, "immediate://")
    log = tmp_path / "flaky.log"
    job = enqueue("test.flaky", {"log": str(log), "fail_times": 1}, settings=settings,
                  max_attempts=2)
    run = job_run(settings, job)
    assert (run.status, run.attempts) == ("done", 2)
    assert len(log.read_text().splitlines()) == 2


def test_unreachable_queue_fails_enqueue_and_records_why(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    # Port 1 on localhost refuses connections at once.
    settings = _settings(monkeypatch, "redis://:s3cret@127.0.0.1:1/0")
    log = tmp_path / "never.log"
    with pytest.raises(QueueError, match=r"cannot reach the job queue redis://REDACTED@127.0.0.1:1/0"
                       ) as caught:
        enqueue("test.record", {"log": str(log), "tag": "x"}, settings=settings)
    assert "s3cret" not in str(caught.value)
    with session_scope(settings.resolved_database_url) as s:
        rows = list(s.query(JobRun).all())
    assert [(r.status, r.operation) for r in rows] == [("failed", "test.record")]
    assert "cannot reach the job queue" in (rows[0].last_error or "")
    assert not log.exists()


def test_dead_lease_is_requeued_and_run_on_each_database(
        database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The guarded updates behave the same on SQLite and PostgreSQL."""
    settings = _settings(monkeypatch, "memory://")
    monkeypatch.setenv("EDITRON_QUEUE_NAME", f"modes-{tmp_path.name}")
    reset_settings()
    settings = ready(get_settings())
    assert settings.resolved_database_url == database_url
    log = tmp_path / "lease.log"
    job = enqueue("test.record", {"log": str(log), "tag": "second"}, settings=settings)
    with session_scope(database_url) as s:
        assert runs.claim(s, job, worker_id="ghost:1:dead") is not None
        assert runs.claim(s, job, worker_id="other:2:live") is None, "one holder at a time"
    time.sleep(settings.job_stale_after_seconds + 0.1)
    assert recover_jobs(settings).requeued == [job]
    assert recover_jobs(settings).requeued == [], "a second sweep finds nothing to do"
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop_event": stop})
    thread.start()
    try:
        wait_for(lambda: job_run(settings, job).status == "done", what="job done")
    finally:
        stop.set()
        thread.join(timeout=10)
    run = job_run(settings, job)
    assert (run.attempts, log.read_text()) == (2, "second\n")
    assert run.last_error == "worker ghost:1:dead stopped heartbeating during attempt 1"
