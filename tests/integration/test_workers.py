"""Workers (issue 23, points 2 and 3): leases and liveness on the database's clock on both
databases, ``--queues`` with a real worker process and SIGTERM handing its job back, the
liveness row over the API, the CLI and /api/health (degraded when a queue with work has no
worker), the free-disk floor, and the host's render slots."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

import editron.db.orm
from editron.cli.main import app as cli
from editron.config import Settings, get_settings, reset_settings
from editron.db import repos
from editron.db.models_ops import JobRun
from editron.db.repos import job_runs
from editron.db.repos.workers import WorkerState
from editron.db.runtime import db, ready
from editron.db.session import session_scope
from editron.domain.access import ALL_SCOPES
from editron.errors import ConfigError, InputError
from editron.jobs.app import enqueue
from editron.jobs.capacity import render_slot_folder, try_render_slot
from editron.jobs.execution import Heartbeat, held, lease_holder, lease_lost_check
from editron.jobs.worker import Worker, resolve_queues, start_embedded_worker
from editron.services.workers import health, list_workers
from tests import db_backends, queue_backends
from tests.queue_backends import FAST_QUEUE_ENV, WorkerProcesses, file_lines, job_run, wait_for

database_url = db_backends.database_url
pg_database = db_backends.pg_database
pg_template = db_backends.pg_template
sqlite_template = db_backends.sqlite_template
workers = queue_backends.workers


def _memory_settings(monkeypatch: pytest.MonkeyPatch, name: str) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    monkeypatch.setenv("EDITRON_QUEUE_NAME", f"workers-{name}")
    for key, value in FAST_QUEUE_ENV.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return ready(get_settings())


class _HostAhead(datetime):
    """This host's clock an hour ahead of the database's."""

    @classmethod
    def now(cls, tz: object = None) -> _HostAhead:  # type: ignore[override]
        real = datetime.now(tz)  # type: ignore[arg-type]
        return cls.fromtimestamp((real + timedelta(hours=1)).timestamp(), real.tzinfo)


def test_leases_and_liveness_use_the_database_clock(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(editron.db.orm, "datetime", _HostAhead)
    assert editron.db.orm.utcnow() > datetime.now().isoformat(), "the host clock is ahead"
    with session_scope(database_url) as s:
        run = repos.job_runs.create_run(s, operation="test.record", arguments={},
                                        priority="standard", entity_type=None,
                                        entity_id=None, max_attempts=3)
        job_id = run.id
    with session_scope(database_url) as s:
        claimed = repos.job_runs.claim(s, job_id, worker_id="skewed:1:a")
        now = repos.workers.clock(s)
    assert claimed is not None and claimed.heartbeat_at is not None
    gap = datetime.fromisoformat(now) - datetime.fromisoformat(claimed.heartbeat_at)
    assert timedelta(0) <= gap < timedelta(seconds=5), (now, claimed.heartbeat_at)
    with session_scope(database_url) as s:
        assert repos.job_runs.stale_running(s, stale_after=5.0) == []
        repos.workers.register(s, worker_id="skewed:1:a", host="skewed", pid=1,
                               queues=["render"], concurrency=2, render_slots=4,
                               state=WorkerState(current_jobs=(job_id,)))
    time.sleep(0.3)
    with session_scope(database_url) as s:
        assert [r.id for r in repos.job_runs.stale_running(s, stale_after=0.2)] == [job_id]
        (live,) = repos.workers.list_workers(s, stale_after=5.0)
        (late,) = repos.workers.list_workers(s, stale_after=0.2)
        assert repos.workers.list_workers(s, stale_after=0.2, include_dead=False) == []
    assert live.alive and live.current_jobs == (job_id,) and live.queues == ("render",)
    assert not late.alive


def test_health_api_and_cli_follow_the_workers(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    settings = _memory_settings(monkeypatch, tmp_path.name)
    log = tmp_path / "order.log"
    assert health(settings=settings).status == "ok", "no work, no problem"
    job = enqueue("test.record", {"log": str(log), "tag": "one"}, settings=settings)
    sick = health(settings=settings)
    assert sick.status == "degraded"
    assert sick.problems == ["1 job wait on the analysis queue and no live worker serves it"]
    ingest_only = start_embedded_worker(settings, queues=["ingest"])
    try:
        time.sleep(0.5)
        assert job_run(settings, job).status == "queued", "an ingest worker leaves it alone"
        assert health(settings=settings).status == "degraded"
        (row,) = list_workers(alive_only=True, settings=settings).items
        assert (row.queues, row.alive, row.accepting) == (["ingest"], True, True)
    finally:
        ingest_only.stop()
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="t", scopes=ALL_SCOPES)
    from editron.api.app import create_app

    http = TestClient(create_app(settings, with_mcp=False))
    listed = http.get("/api/workers", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(w["queues"], w["alive"]) for w in listed["items"]] == [(["ingest"], False)]
    assert listed["items"][0]["stopped_at"] is not None
    assert http.get("/api/workers").status_code == 401
    served = start_embedded_worker(settings, workers=2)
    try:
        wait_for(lambda: job_run(settings, job).status == "done", what="job done")
        doc = http.get("/api/health", headers={"Authorization": f"Bearer {token}"}).json()
        assert doc["status"] == "ok" and doc["problems"] == []
        assert {"queue": "analysis", "waiting": 0, "workers": 1, "refusing": 0} in doc["queues"]
        out = CliRunner().invoke(cli, ["workers", "--alive", "--json"])
        assert out.exit_code == 0, out.output
        (mine,) = json.loads(out.stdout)["items"]
        assert mine["concurrency"] == 2 and "analysis" in mine["queues"]
    finally:
        served.stop()


def test_a_worker_under_the_disk_floor_takes_no_work_and_says_why(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = _memory_settings(monkeypatch, tmp_path.name)
    starved = settings.model_copy(update={"worker_min_free_bytes": 2**62})
    log = tmp_path / "disk.log"
    worker = start_embedded_worker(starved)
    try:
        job = enqueue("test.record", {"log": str(log), "tag": "later"}, settings=settings)
        time.sleep(1.0)
        assert job_run(settings, job).status == "queued" and not log.exists()
        wait_for(lambda: not list_workers(settings=settings).items[0].accepting,
                 what="the refusal shows in the liveness row")
        (row,) = list_workers(settings=settings).items
        assert "EDITRON_WORKER_MIN_FREE_BYTES" in (row.disk_detail or "")
        assert row.disk_free_bytes is not None and row.disk_free_bytes > 0
        sick = health(settings=settings)
        assert sick.status == "degraded" and "take no work" in sick.problems[0]
        worker.settings.worker_min_free_bytes = 0  # space freed
        wait_for(lambda: job_run(settings, job).status == "done", what="job done once freed")
        assert file_lines(log) == ["later"]
    finally:
        worker.stop()


def test_queues_are_served_only_by_their_workers_and_sigterm_hands_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: WorkerProcesses) -> None:
    settings = queue_backends.sqlite_queue_settings(tmp_path / "home", tmp_path, monkeypatch)
    log, release = tmp_path / "render.log", tmp_path / "release"
    other = enqueue("test.record", {"log": str(tmp_path / "other.log"), "tag": "x"},
                    settings=settings)
    render = enqueue("test.render_block", {"log": str(log), "release": str(release)},
                     settings=settings)
    proc = workers.start(workers=2, queues="render")
    wait_for(lambda: file_lines(log) == ["started"], what="the render job started")
    wait_for(lambda: list_workers(settings=settings).items[0].current_jobs == [render],
             what="the liveness row names the running job")
    (row,) = list_workers(settings=settings).items
    assert (row.queues, row.concurrency, row.pid) == (["render"], 2, proc.pid)
    assert job_run(settings, other).status == "queued", "no analysis worker runs"
    assert "analysis queue" in health(settings=settings).problems[0]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, workers.logs()
    run = job_run(settings, render)
    assert (run.status, run.attempts) == ("queued", 0), "handed back without spending it"
    (row,) = list_workers(settings=settings).items
    assert not row.alive and row.stopped_at is not None and row.current_jobs == []


def test_stopping_the_whole_service_hands_a_running_encode_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: WorkerProcesses) -> None:
    """systemd's default stop (and Ctrl-C in a terminal) signals every process of the
    worker, its ffmpeg included: the encode must not die first and fail the job for good."""
    settings = queue_backends.sqlite_queue_settings(tmp_path / "home", tmp_path, monkeypatch)
    log = tmp_path / "encode.log"
    job = enqueue("test.ffmpeg", {"log": str(log)}, settings=settings)
    proc = workers.start(queues="render", new_session=True)
    wait_for(lambda: file_lines(log) == ["started"], what="the encode started")
    time.sleep(0.5)  # ffmpeg is running
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, workers.logs()
    run = job_run(settings, job)
    assert (run.status, run.attempts) == ("queued", 0), (run.status, run.last_error)
    assert "shut down mid-job" in str(run.last_error)


def test_a_run_that_lost_its_lease_cannot_record_over_its_successor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two claims by one process (the sweep re-queued the first while it stalled): only the
    second may renew, release or finish."""
    settings = queue_backends.sqlite_queue_settings(tmp_path / "home", tmp_path, monkeypatch)
    job = enqueue("test.record", {"log": str(tmp_path / "x.log"), "tag": "x"},
                  settings=settings)
    first, second = lease_holder(), lease_holder()
    url = settings.resolved_database_url
    with session_scope(url) as session:
        stale = job_runs.claim(session, job, worker_id=first)
    assert stale is not None
    with session_scope(url) as session:
        assert job_runs.requeue_stale(session, stale, stale_after=0.0)
    with session_scope(url) as session:
        assert job_runs.claim(session, job, worker_id=second) is not None
    with session_scope(url) as session:
        assert not job_runs.heartbeat(session, job, first)
        assert job_runs.release(session, job, worker_id=first, error="stale") is None
        assert not job_runs.finish(session, job, worker_id=first, status="done")
        assert job_runs.finish(session, job, worker_id=second, status="done")


def test_a_run_whose_lease_was_taken_over_is_told_to_stop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The heartbeat that finds its lease gone flags the job, and the check an operation
    polls (a render's cancel poll) turns true, from any thread, until the run ends."""
    settings = queue_backends.sqlite_queue_settings(tmp_path / "home", tmp_path, monkeypatch)
    job = enqueue("test.record", {"log": str(tmp_path / "x.log"), "tag": "x"},
                  settings=settings)
    first = lease_holder()
    url = settings.resolved_database_url
    with session_scope(url) as session:
        stale = job_runs.claim(session, job, worker_id=first)
    assert stale is not None
    assert not lease_lost_check()(), "outside a job nothing is lost"
    with held(job, first), Heartbeat(settings, job, first) as beat:
        lost = lease_lost_check()
        time.sleep(3 * settings.job_heartbeat_seconds)
        assert not lost() and not beat.lost, "its own lease renews"
        with session_scope(url) as session:  # the sweep presumed it dead; another claims it
            assert job_runs.requeue_stale(session, stale, stale_after=0.0)
        with session_scope(url) as session:
            assert job_runs.claim(session, job, worker_id=lease_holder()) is not None
        seen: list[bool] = []

        def poll() -> None:  # another thread, as ffmpeg's cancel poll is
            seen.append(lost())

        deadline = time.monotonic() + 10
        while not any(seen) and time.monotonic() < deadline:
            poller = threading.Thread(target=poll)
            poller.start()
            poller.join()
            time.sleep(0.05)
        assert any(seen) and beat.lost, "the next beat found the lease gone"
    assert not lost(), "the flag ends with the run"


def test_jobs_stranded_on_dead_workers_make_health_degraded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = queue_backends.sqlite_queue_settings(tmp_path / "home", tmp_path, monkeypatch)
    job = enqueue("test.record", {"log": str(tmp_path / "x.log"), "tag": "x"},
                  settings=settings)
    with session_scope(settings.resolved_database_url) as session:
        assert job_runs.claim(session, job, worker_id=lease_holder()) is not None
    assert health(settings=settings).status == "ok", "a fresh lease is alive"
    with session_scope(settings.resolved_database_url) as session:
        # its worker's last beat, long ago (stamps are text that sorts as time)
        session.execute(update(JobRun).where(JobRun.id == job).values(
            heartbeat_at="2000-01-01 00:00:00.000000"))
    report = health(settings=settings)
    assert report.status == "degraded", "its worker is dead and no live one will sweep it"
    assert "1 job wait on the analysis queue" in report.problems[0]


def test_a_render_slot_folder_others_may_write_to_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever controls the slot folder could hold every slot: a folder another user may
    write to stops a render worker at start with the folder named."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = render_slot_folder()
    assert folder == tmp_path / "editron" / "render-slots"
    assert folder.stat().st_mode & 0o077 == 0, "made for this user alone"
    folder.parent.chmod(0o777)
    settings = _memory_settings(monkeypatch, tmp_path.name)
    with pytest.raises(ConfigError, match="no one else may write to") as refused:
        Worker(settings, queues=["render"])
    assert refused.value.path == str(folder.parent)
    Worker(settings, queues=["ingest"])  # a worker that renders nothing needs no slots


def test_doctor_measures_every_filesystem_editron_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scratch on its own filesystem (a tmpfs here) is measured too, not only the home."""
    from editron.services.doctor import run_checks

    assert os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev, "a tmpfs on this machine"
    monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    (disk,) = [c for c in run_checks(settings=Settings(home=tmp_path)).checks
               if c.name == "disk"]
    assert f"in EDITRON_HOME ({tmp_path.resolve()})" in disk.detail, disk.detail
    assert "in scratch (/dev/shm)" in disk.detail, disk.detail


def test_render_slots_are_per_host_and_die_with_their_process(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, render_slots_per_host=1)
    held = try_render_slot(settings)
    assert held is not None and try_render_slot(settings) is None, "one slot on this host"
    held.release()
    code = ("import sys, time; from editron.config import Settings; "
            "from editron.jobs.capacity import try_render_slot; "
            "s = try_render_slot(Settings(render_slots_per_host=1)); "
            "print(s is not None, flush=True); time.sleep(60)")
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "True"
        assert try_render_slot(settings) is None, "another process holds the host's slot"
    finally:
        other.kill()
        other.wait()
        if other.stdout is not None:
            other.stdout.close()
    again = try_render_slot(settings)
    assert again is not None, "a killed holder's slot is free at once"
    again.release()


def test_unknown_queue_names_are_refused_with_the_known_ones() -> None:
    assert resolve_queues(None) == sorted(resolve_queues(None))
    with pytest.raises(InputError, match=r"unknown queue.*rendr.*analysis"):
        resolve_queues(["rendr"])
