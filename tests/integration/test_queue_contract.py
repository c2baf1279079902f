"""The queue contract, run on both storages (SQLite file, Redis) with real worker processes.

Priority, enqueue-before-worker, crash recovery (SIGKILL), retries with backoff, giving up,
duplicate messages, cancellation and clean shutdown on SIGTERM/SIGINT.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from editron.config import Settings
from editron.jobs.app import cancel_job, clear_queues, enqueue, send_job
from editron.jobs.worker import run_worker
from tests import queue_backends
from tests.queue_backends import WorkerProcesses, file_lines, job_run, wait_for

# The shared fixtures, by assignment so test parameters may reuse their names.
queue_url = queue_backends.queue_url
queue_settings = queue_backends.queue_settings
workers = queue_backends.workers


def _status(settings: Settings, job_id: str) -> str:
    return job_run(settings, job_id).status


def _worker_pid(settings: Settings, job_id: str) -> int:
    worker_id = job_run(settings, job_id).worker_id
    assert worker_id is not None
    return int(worker_id.split(":")[1])


def test_priority_is_honoured_and_jobs_wait_for_a_worker(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "order.log"
    ids = [enqueue("test.record", {"log": str(log), "tag": tag}, settings=queue_settings,
                   priority=priority)
           for tag, priority in (("low", "low"), ("std", "standard"), ("rush", "rush"),
                                 ("low2", "low"))]
    time.sleep(0.3)
    assert file_lines(log) == [], "nothing runs without a worker"
    assert {_status(queue_settings, i) for i in ids} == {"queued"}
    workers.start(workers=1)
    wait_for(lambda: all(_status(queue_settings, i) == "done" for i in ids), what="all done")
    assert file_lines(log) == ["rush", "std", "low", "low2"]
    assert [job_run(queue_settings, i).attempts for i in ids] == [1, 1, 1, 1], "each ran once"


def test_killed_worker_job_is_retried_by_a_new_worker(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)},
                  settings=queue_settings)
    first = workers.start()
    wait_for(lambda: file_lines(log) == ["started"], what="first attempt started")
    first.kill()
    first.wait()
    assert _status(queue_settings, job) == "running", "the row still shows the dead lease"
    workers.start()
    wait_for(lambda: file_lines(log) == ["started", "started"], what="second attempt started")
    release.touch()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    run = job_run(queue_settings, job)
    assert run.attempts == 2
    assert file_lines(log) == ["started", "started", "finished"]
    assert "stopped heartbeating during attempt 1" in (run.last_error or "")


def test_surviving_worker_takes_over_a_dead_workers_job(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    procs = [workers.start(), workers.start()]
    job = enqueue("test.block", {"log": str(log), "release": str(release)},
                  settings=queue_settings)
    wait_for(lambda: file_lines(log) == ["started"], what="first attempt started")
    holder = next(p for p in procs if p.pid == _worker_pid(queue_settings, job))
    holder.kill()
    holder.wait()
    # No new worker: the survivor's periodic sweep must notice the dead lease.
    wait_for(lambda: file_lines(log) == ["started", "started"], what="survivor took over")
    survivor = next(p for p in procs if p is not holder)
    assert _worker_pid(queue_settings, job) == survivor.pid
    release.touch()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    assert job_run(queue_settings, job).attempts == 2


def test_dead_worker_on_last_attempt_gives_up_and_calls_the_hook(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)},
                  settings=queue_settings, max_attempts=1)
    first = workers.start()
    wait_for(lambda: file_lines(log) == ["started"], what="attempt started")
    first.kill()
    first.wait()
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "failed", what="job failed")
    # The job is marked failed first (so only one sweep calls the hook), then the hook runs.
    wait_for(lambda: len(file_lines(log)) == 2, what="give-up hook called")
    run = job_run(queue_settings, job)
    assert run.attempts == 1, "no attempt beyond max_attempts was started"
    assert "stopped during attempt 1 of 1" in (run.last_error or "")
    assert file_lines(log) == ["started", f"gave up: {run.last_error}"]


def test_transient_failure_is_retried_with_backoff(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "flaky.log"
    job = enqueue("test.flaky", {"log": str(log), "fail_times": 2}, settings=queue_settings,
                  max_attempts=3)
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    run = job_run(queue_settings, job)
    assert run.attempts == 3
    stamps = [float(line.rsplit(" ", 1)[1]) for line in file_lines(log)]
    assert len(stamps) == 3
    # Backoff base 0.2 s: at least 0.2 s before attempt 2 and 0.4 s before attempt 3.
    assert stamps[1] - stamps[0] >= 0.2 and stamps[2] - stamps[1] >= 0.4
    assert "simulated network drop on attempt 2" in (run.last_error or "")


def test_transient_failure_past_max_attempts_gives_up(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "flaky.log"
    job = enqueue("test.flaky", {"log": str(log), "fail_times": 5}, settings=queue_settings,
                  max_attempts=2)
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "failed", what="job failed")
    run = job_run(queue_settings, job)
    assert run.attempts == 2
    assert run.last_error == ("ConnectionResetError: simulated network drop on attempt 2 "
                              "(after 2 attempts)")
    assert file_lines(log)[-1] == f"gave up: {run.last_error}"


def test_permanent_error_fails_at_once(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "broken.log"
    job = enqueue("test.broken", {"log": str(log)}, settings=queue_settings)
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "failed", what="job failed")
    run = job_run(queue_settings, job)
    assert run.attempts == 1
    assert "the source is corrupt" in (run.last_error or "")
    assert file_lines(log) == ["ran", f"gave up: {run.last_error}"]


def test_duplicate_messages_for_a_done_job_do_nothing(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "dup.log"
    job = enqueue("test.record", {"log": str(log), "tag": "once"}, settings=queue_settings)
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    send_job(queue_settings, job, "standard")
    send_job(queue_settings, job, "rush")
    # The worker takes messages in order, so once this one is done the duplicates were seen.
    barrier = enqueue("test.record", {"log": str(log), "tag": "barrier"},
                      settings=queue_settings, priority="low")
    wait_for(lambda: _status(queue_settings, barrier) == "done", what="barrier done")
    assert file_lines(log) == ["once", "barrier"]
    assert job_run(queue_settings, job).attempts == 1


def test_lost_message_is_sent_again_when_a_worker_starts(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "lost.log"
    job = enqueue("test.record", {"log": str(log), "tag": "found"}, settings=queue_settings)
    clear_queues(queue_settings)
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    assert file_lines(log) == ["found"] and job_run(queue_settings, job).attempts == 1


def test_cancelled_job_never_runs(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log = tmp_path / "cancel.log"
    job = enqueue("test.record", {"log": str(log), "tag": "cancelled"}, settings=queue_settings)
    assert cancel_job(job, settings=queue_settings) is True
    workers.start()
    barrier = enqueue("test.record", {"log": str(log), "tag": "barrier"},
                      settings=queue_settings, priority="low")
    wait_for(lambda: _status(queue_settings, barrier) == "done", what="barrier done")
    assert file_lines(log) == ["barrier"]
    assert _status(queue_settings, job) == "cancelled"
    assert cancel_job(barrier, settings=queue_settings) is False, "done jobs cannot be cancelled"


def test_sigterm_hands_the_running_job_back(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses) -> None:
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)},
                  settings=queue_settings)
    first = workers.start()
    wait_for(lambda: file_lines(log) == ["started"], what="attempt started")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0, workers.logs()
    run = job_run(queue_settings, job)
    assert (run.status, run.attempts) == ("queued", 0), "handed back without spending it"
    assert "shut down mid-job" in (run.last_error or "")
    release.touch()
    workers.start()
    wait_for(lambda: _status(queue_settings, job) == "done", what="job done")
    assert job_run(queue_settings, job).attempts == 1


def test_sigint_lets_the_running_job_finish(
        queue_settings: Settings, tmp_path: Path, workers: WorkerProcesses,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_JOB_SHUTDOWN_GRACE_SECONDS", "20")
    log, release = tmp_path / "block.log", tmp_path / "release"
    job = enqueue("test.block", {"log": str(log), "release": str(release)},
                  settings=queue_settings)
    proc = workers.start()
    wait_for(lambda: file_lines(log) == ["started"], what="attempt started")
    proc.send_signal(signal.SIGINT)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.5)  # still finishing the job
    release.touch()
    assert proc.wait(timeout=30) == 0, workers.logs()
    run = job_run(queue_settings, job)
    assert (run.status, run.attempts) == ("done", 1)
    assert file_lines(log) == ["started", "finished"]


def test_worker_thread_in_process_runs_with_its_settings_and_stops_on_event(
        queue_settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "thread.log"
    # Not what the environment says: jobs must run with the settings the worker was given.
    mine = queue_settings.model_copy(update={"log_level": "DEBUG"})
    stop = threading.Event()
    handed: list[list[str]] = []
    thread = threading.Thread(target=lambda: handed.append(run_worker(mine, stop_event=stop)))
    thread.start()
    try:
        job = enqueue("test.settings", {"log": str(log)}, settings=mine)
        wait_for(lambda: _status(mine, job) == "done", what="job done")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert handed == [[]] and file_lines(log) == ["DEBUG"]


def test_ingest_runs_through_the_queue(queue_settings: Settings, footage: Path,
                                       workers: WorkerProcesses) -> None:
    from editron.services.ingest import get_batch, ingest_media_batch

    batch = ingest_media_batch(source_url=str(footage), settings=queue_settings, defer=True)
    assert batch.status == "queued"
    workers.start()
    wait_for(lambda: get_batch(batch.batch_id, settings=queue_settings).status == "ready", 60,
             what="batch ready")
    assert get_batch(batch.batch_id, settings=queue_settings).file_count == 2

