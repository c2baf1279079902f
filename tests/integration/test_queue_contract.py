"""The queue contract on both storages (SQLite file, Redis), with real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import tests.queue_ops  # noqa: F401
from editron.config import Settings
from editron.db.models import JobRun
from editron.db.session import session_scope
from editron.jobs.app import enqueue
from editron.services.runtime import ready
from tests.backends import queue_url  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def queue_env(queue_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:  # noqa: F811
    monkeypatch.setenv("EDITRON_JOB_HEARTBEAT_SECONDS", "0.2")
    monkeypatch.setenv("EDITRON_JOB_STALE_AFTER_SECONDS", "1.0")
    from editron.config import reset_settings

    reset_settings()
    return ready(Settings())


@pytest.fixture()
def start_worker() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "tests.queue_worker"], cwd=ROOT,
                                env=dict(os.environ), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _run(settings: Settings, job_id: str) -> JobRun:
    with session_scope(settings.resolved_database_url) as s:
        run = s.scalars(select(JobRun).where(JobRun.id == job_id)).one()
        s.expunge(run)
        return run


def test_priority_and_enqueue_before_worker(queue_env: Settings, tmp_path: Path,
                                           start_worker: Callable[[], object]) -> None:
    log = tmp_path / "order.log"
    ids = [enqueue("test.record", {"log": str(log), "tag": tag}, settings=queue_env,
                   priority=priority)
           for tag, priority in (("low", "low"), ("std", "standard"), ("rush", "rush"),
                                 ("low2", "low"))]
    time.sleep(0.3)
    assert _lines(log) == [], "nothing runs without a worker"
    start_worker()
    _wait_for(lambda: len(_lines(log)) == 4)
    assert _lines(log) == ["rush", "std", "low", "low2"]
    _wait_for(lambda: all(_run(queue_env, i).status == "done" for i in ids))
    assert all(_run(queue_env, i).attempts == 1 for i in ids), "each job ran exactly once"


def test_killed_worker_job_is_retried(queue_env: Settings, tmp_path: Path,
                                      start_worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)}, settings=queue_env)
    first = start_worker()
    _wait_for(lambda: _lines(log) == ["started"])
    first.kill()
    first.wait()
    assert _run(queue_env, job).status == "running"
    time.sleep(1.3)  # let the lease go stale
    release.touch()
    start_worker()
    _wait_for(lambda: _run(queue_env, job).status == "done")
    assert _lines(log) == ["started", "started", "finished"]
    assert _run(queue_env, job).attempts == 2


def test_give_up_after_last_attempt(queue_env: Settings, tmp_path: Path,
                                    start_worker: Callable[[], subprocess.Popen[bytes]]) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)}, settings=queue_env,
                  max_attempts=1)
    first = start_worker()
    _wait_for(lambda: _lines(log) == ["started"])
    first.kill()
    first.wait()
    time.sleep(1.3)
    start_worker()
    _wait_for(lambda: _run(queue_env, job).status == "failed")
    assert _lines(log)[-1].startswith("gave up: stopped after 1 attempts")


def test_duplicate_message_for_done_job_is_ignored(queue_env: Settings, tmp_path: Path) -> None:
    from editron.jobs.app import execute_job

    log = tmp_path / "dup.log"
    job = enqueue("test.record", {"log": str(log), "tag": "once"}, settings=queue_env)
    execute_job(job, queue_env)
    execute_job(job, queue_env)
    assert _lines(log) == ["once"] and _run(queue_env, job).attempts == 1


def test_unknown_operation_is_refused_at_enqueue(queue_env: Settings) -> None:
    from editron.errors import QueueError

    with pytest.raises(QueueError, match="no queue operation named 'nope'"):
        enqueue("nope", {}, settings=queue_env)


def test_ingest_runs_through_the_queue(queue_env: Settings, footage: Path,
                                       start_worker: Callable[[], object]) -> None:
    from editron.services.ingest import get_batch, ingest_media_batch

    batch = ingest_media_batch(source_url=str(footage), settings=queue_env, defer=True)
    assert batch.status == "queued"
    start_worker()
    _wait_for(lambda: get_batch(batch.batch_id, settings=queue_env).status == "ready", 60)
    assert get_batch(batch.batch_id, settings=queue_env).file_count == 2
