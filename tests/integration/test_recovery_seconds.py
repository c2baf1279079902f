"""Recovery in seconds (issue 23, point 3), for real: PostgreSQL, Redis and worker processes
with the default lease timings (nothing shortened). A worker whose host clock runs an hour
ahead is SIGKILLed mid-job and a survivor takes the job over within 30 s; then Redis is
emptied under queued jobs and the sweep sends them again within 30 s. Every job completes
exactly once.

The Redis case empties a database of its own (``FLUSHDB`` on db 11, which is what
``FLUSHALL`` does to each database) so other users of the shared server keep their keys."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from editron.config import Settings, get_settings, reset_settings
from editron.db.models_ops import Event
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.jobs.app import clear_queues, enqueue
from tests import db_backends, queue_backends
from tests.conftest import require_service
from tests.queue_backends import WorkerProcesses, file_lines, job_run, wait_for

pg_database = db_backends.pg_database
pg_template = db_backends.pg_template
workers = queue_backends.workers

REDIS_DB_URL = "redis://127.0.0.1:6379/11"
RECOVERY_BUDGET = 30.0
pytestmark = [pytest.mark.slow, pytest.mark.alone, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture()
def scale_settings(pg_database: str, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """PostgreSQL and Redis, default lease timings, a short shutdown grace for teardown."""
    client = redis.Redis.from_url(REDIS_DB_URL, socket_connect_timeout=1)
    try:
        require_service(bool(client.ping()), "Redis (127.0.0.1:6379)")
    except redis.RedisError:
        require_service(False, "Redis (127.0.0.1:6379)")
    finally:
        client.close()
    for key in list(queue_backends.FAST_QUEUE_ENV):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("EDITRON_DATABASE_URL", pg_database)
    monkeypatch.setenv("EDITRON_QUEUE_URL", REDIS_DB_URL)
    monkeypatch.setenv("EDITRON_QUEUE_NAME", f"recovery-{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("EDITRON_JOB_SHUTDOWN_GRACE_SECONDS", "0.5")
    reset_settings()
    settings = ready(get_settings())
    assert (settings.job_stale_after_seconds, settings.job_sweep_seconds) == (15.0, 5.0)
    yield settings
    clear_queues(settings)


def _done_events(settings: Settings, job_id: str) -> int:
    with session_scope(settings.resolved_database_url) as s:
        query = select(func.count()).select_from(Event).where(
            Event.entity_id == job_id, Event.event_type == "job.status_changed",
            Event.payload["status"].as_string() == "done")
        return int(s.scalar(query) or 0)


def test_dead_worker_and_lost_messages_recover_within_30_s(
        scale_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    settings = scale_settings
    log, release = tmp_path / "block.log", tmp_path / "release"
    skewed = workers.start(clock_skew=3600.0)  # its host clock an hour ahead
    job = enqueue("test.block", {"log": str(log), "release": str(release)}, settings=settings)
    wait_for(lambda: file_lines(log) == ["started"], what="the skewed worker started the job")
    workers.start()  # the survivor
    time.sleep(1.0)
    skewed.kill()
    skewed.wait()
    killed_at = time.monotonic()
    wait_for(lambda: file_lines(log) == ["started", "started"], 2 * RECOVERY_BUDGET,
             what="the survivor took the job over")
    took_over = time.monotonic() - killed_at
    assert took_over < RECOVERY_BUDGET, f"a dead worker's job re-sent after {took_over:.1f} s"
    release.touch()
    wait_for(lambda: job_run(settings, job).status == "done", what="job done")
    assert file_lines(log) == ["started", "started", "finished"]
    assert (job_run(settings, job).attempts, _done_events(settings, job)) == (2, 1)

    # The survivor is busy; five jobs wait in Redis, which is then emptied.
    busy_log, busy_release = tmp_path / "busy.log", tmp_path / "busy-release"
    busy = enqueue("test.block", {"log": str(busy_log), "release": str(busy_release)},
                   settings=settings)
    wait_for(lambda: file_lines(busy_log) == ["started"], what="survivor busy")
    record = tmp_path / "record.log"
    waiting = [enqueue("test.record", {"log": str(record), "tag": f"job{n}"},
                       settings=settings) for n in range(5)]
    client = redis.Redis.from_url(REDIS_DB_URL)
    try:
        assert client.dbsize() > 0
        client.flushdb()
    finally:
        client.close()
    flushed_at = time.monotonic()
    busy_release.touch()
    wait_for(lambda: all(job_run(settings, j).status == "done" for j in waiting),
             2 * RECOVERY_BUDGET, what="the lost jobs ran")
    took = time.monotonic() - flushed_at
    assert took < RECOVERY_BUDGET, f"lost messages were re-sent after {took:.1f} s"
    assert sorted(file_lines(record)) == [f"job{n}" for n in range(5)], "each ran exactly once"
    assert [job_run(settings, j).attempts for j in waiting] == [1] * 5
    assert all(_done_events(settings, j) == 1 for j in [*waiting, busy])
    print(f"dead worker's job taken over in {took_over:.1f} s; lost messages ran "
          f"{took:.1f} s after Redis was emptied")
