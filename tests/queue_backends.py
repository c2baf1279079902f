"""The queue contract's harness: the two storages as a fixture, test operations, and a real
worker process (``python -m tests.queue_backends``) with those operations loaded.

``queue_url`` is parameterised over a fresh SQLite queue file and the Redis server on
127.0.0.1:6379; each Redis case gets its own Huey name (its own keys), so tests running at the
same time never see each other's messages, and nothing else on the server is touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from editron.config import Settings, get_settings, reset_settings
from editron.db.models_ops import JobRun
from editron.db.session import session_scope
from editron.errors import EditronError
from editron.jobs.registry import JobPayload, register_operation
from tests.conftest import require_service

__all__ = ["FAST_QUEUE_ENV", "REDIS_URL", "WorkerProcesses", "file_lines", "job_run",
           "queue_settings", "queue_url", "sqlite_queue_settings", "wait_for", "workers"]

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[1]

# Short lease timings so crash recovery happens in a few seconds. A live worker's lease must
# not look stale on a loaded machine: its heartbeat can wait on the SQLite write lock while
# another worker migrates or sweeps, and with 1 s a survivor once took over a job that was
# still running (leaving its own one thread busy with it). 3 s is twelve missed heartbeats.
FAST_QUEUE_ENV = {
    "EDITRON_JOB_HEARTBEAT_SECONDS": "0.25",
    "EDITRON_JOB_STALE_AFTER_SECONDS": "3.0",
    "EDITRON_JOB_SWEEP_SECONDS": "0.3",
    "EDITRON_JOB_BACKOFF_BASE_SECONDS": "0.2",
    "EDITRON_JOB_SHUTDOWN_GRACE_SECONDS": "0.5",
}


def _redis_reachable() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """EDITRON_QUEUE_URL (and a unique EDITRON_QUEUE_NAME) for one storage."""
    name = f"editron-test-{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        require_service(_redis_reachable(), "Redis (127.0.0.1:6379)")
        url = REDIS_URL
    monkeypatch.setenv("EDITRON_QUEUE_URL", url)
    monkeypatch.setenv("EDITRON_QUEUE_NAME", name)
    reset_settings()
    yield url
    if request.param == "redis":
        from editron.jobs.app import clear_queues

        clear_queues(get_settings())  # only this test's keys


@pytest.fixture()
def queue_settings(queue_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for the queue under test, migrated, with fast lease timings."""
    from editron.db.runtime import ready

    for key, value in FAST_QUEUE_ENV.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return ready(get_settings())


def sqlite_queue_settings(home: Path, queue_dir: Path,
                          monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings (and the environment worker processes inherit) for ``home`` with a fresh
    SQLite queue in ``queue_dir`` and fast lease timings, migrated."""
    from editron.db.runtime import ready

    monkeypatch.setenv("EDITRON_HOME", str(home))
    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{queue_dir / 'queue.db'}")
    for key, value in FAST_QUEUE_ENV.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return ready(get_settings())


class WorkerProcesses:
    """Real ``python -m tests.queue_backends`` worker processes, stopped after the test."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, workers: int = 1, queues: str = "", clock_skew: float = 0.0,
              new_session: bool = False) -> subprocess.Popen[bytes]:
        """A worker process (``queues``: comma separated, default all; ``clock_skew``: its
        host clock runs that many seconds ahead, as on a badly synchronised host;
        ``new_session``: it leads a process group of its own, like a service that systemd
        stops by signalling every process in it)."""
        stderr = (self._log_dir / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "tests.queue_backends", str(workers),
                                 queues, str(clock_skew)],
                                cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                                stderr=stderr, start_new_session=new_session)
        stderr.close()
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self._log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture()
def workers(tmp_path: Path) -> Iterator[WorkerProcesses]:
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    procs = WorkerProcesses(log_dir)
    yield procs
    procs.stop_all()
    print(procs.logs())  # captured: pytest shows it only when the test failed


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0, *,
             what: str = "condition") -> None:
    """Poll ``predicate`` until it holds. The default deadline is generous: it only costs
    time when the test is failing anyway, and a loaded two-core machine starts a worker
    process (its imports, its migration check) in seconds, not milliseconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def job_run(settings: Settings, job_id: str) -> JobRun:
    """The job's row, detached from its session (read it after the session closed)."""
    with session_scope(settings.resolved_database_url) as s:
        run = s.get(JobRun, job_id)
        assert run is not None, f"no job {job_id}"
        s.expunge(run)
        return run


def file_lines(path: Path) -> list[str]:
    """The lines a test operation appended to ``path`` (none when it was never written)."""
    return path.read_text().splitlines() if path.exists() else []


# ---- test operations (registered in the test process and in worker processes) ----

def _append(path: str | Path, line: str) -> None:
    with Path(path).open("a") as handle:
        handle.write(f"{line}\n")


class TestJob(JobPayload):
    """The arguments every test operation takes (each uses what it needs)."""

    log: str
    tag: str | None = None
    release: str | None = None
    fail_times: int = 0


def _record(job: TestJob, settings: Settings) -> None:
    """Append the tag: the log's order is the execution order."""
    _append(job.log, str(job.tag))


def _record_settings(job: TestJob, settings: Settings) -> None:
    """Append the log level of the settings the job ran with."""
    _append(job.log, settings.log_level)


def _block(job: TestJob, settings: Settings) -> None:
    """Run until the ``release`` file exists (so a test can kill the worker mid-job)."""
    _append(job.log, "started")
    release = Path(str(job.release))
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    _append(job.log, "finished")


def _ffmpeg(job: TestJob, settings: Settings) -> None:
    """Encode a test pattern at real-time speed for up to a minute, through the media layer
    (so a test can stop the worker while its ffmpeg runs)."""
    from editron.media.ffmpeg import run_ffmpeg

    _append(job.log, "started")
    run_ffmpeg(["-re", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=60",
                "-f", "null", "-"], label="test encode")
    _append(job.log, "finished")


def _flaky(job: TestJob, settings: Settings) -> None:
    """Fail with a transient error until the ``fail_times``-th attempt has passed."""
    log = Path(job.log)
    seen = len(log.read_text().splitlines()) if log.exists() else 0
    _append(log, f"attempt {seen + 1} at {time.monotonic():.3f}")
    if seen < job.fail_times:
        raise ConnectionResetError(f"simulated network drop on attempt {seen + 1}")


def _broken(job: TestJob, settings: Settings) -> None:
    _append(job.log, "ran")
    raise EditronError("the source is corrupt", path=job.log)


def _gave_up(job: TestJob, reason: str, settings: Settings) -> None:
    _append(job.log, f"gave up: {reason}")


register_operation("test.record", _record, payload=TestJob)
register_operation("test.settings", _record_settings, payload=TestJob)
register_operation("test.block", _block, payload=TestJob, on_give_up=_gave_up)
register_operation("test.flaky", _flaky, payload=TestJob, on_give_up=_gave_up)
register_operation("test.broken", _broken, payload=TestJob, on_give_up=_gave_up)
register_operation("test.ffmpeg", _ffmpeg, payload=TestJob, on_give_up=_gave_up,
                   queue="render")
register_operation("test.render_block", _block, payload=TestJob, on_give_up=_gave_up,
                   queue="render")


def _skew_clock(seconds: float) -> None:
    """Make this process's clock run ``seconds`` ahead, for Editron's code and Huey's: any
    lease still stamped or judged by the host clock then looks alive (or dead) wrongly."""
    import datetime as dt

    import editron.db.orm

    real_time = time.time

    class Skewed(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Skewed:
            moved = dt.datetime.fromtimestamp(real_time() + seconds, tz)
            return cls.fromtimestamp(moved.timestamp(), tz)

    time.time = lambda: real_time() + seconds
    editron.db.orm.datetime = Skewed  # type: ignore[misc]


if __name__ == "__main__":
    import logging

    from editron import services  # noqa: F401  (registers the operations, as `editron worker`)
    from editron.jobs.worker import run_worker

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = [*sys.argv[1:], "", "", ""]
    if float(args[2] or 0):
        _skew_clock(float(args[2]))
    run_worker(get_settings(), workers=int(args[0] or 1),
               queues=args[1].split(",") if args[1] else None)
