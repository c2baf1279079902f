"""Scale-out coordination on PostgreSQL and Redis with two real worker processes.

Two workers on two cores cannot show throughput scaling honestly, so this measures what
scaling out costs per job instead: the coordination overhead (the gap a worker spends between
one job's end and the next one's start, claiming and finishing through the database and the
queue, plus every SQL statement the worker process ran) as a share of job time, with each job
a real ffmpeg encode; the time a survivor takes to start a SIGKILLed worker's job (default
lease timings); the API's p99 latency while both workers are busy; and 1,000 queued jobs
leaving the queue in priority order. Prints one JSON document.

    PYTHONPATH=src .venv/bin/python benchmarks/scale.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/12"  # a database of its own, emptied at the end
ENCODE = ["-nostdin", "-v", "error", "-f", "lavfi", "-i",
          "testsrc2=size=1280x720:rate=30", "-t", "12", "-c:v", "libx264", "-preset", "veryfast",
          "-threads", "1", "-f", "null", "-"]


def _register() -> None:
    """The benchmark's operations (in this process and in each worker process)."""
    from editron.jobs.registry import JobPayload, register_operation

    class BenchJob(JobPayload):
        log: str
        tag: str = ""
        release: str = ""

    def stamp(job: BenchJob, line: str) -> None:
        with Path(job.log).open("a") as handle:
            handle.write(f"{line}\n")

    def encode(job: BenchJob, _settings: Any) -> None:
        from editron.media.ffmpeg import ffmpeg_path

        start = time.time()
        subprocess.run([ffmpeg_path(), *ENCODE], check=True)
        stamp(job, f"{job.tag} {os.getpid()} {start:.6f} {time.time():.6f}")

    def block(job: BenchJob, _settings: Any) -> None:
        stamp(job, f"started {os.getpid()} {time.time():.6f}")
        while not Path(job.release).exists():
            time.sleep(0.02)

    def record(job: BenchJob, _settings: Any) -> None:
        stamp(job, job.tag)

    register_operation("bench.encode", encode, payload=BenchJob, queue="render")
    register_operation("bench.block", block, payload=BenchJob, queue="render")
    register_operation("bench.record", record, payload=BenchJob, queue="analysis")


def _worker_main(stats: Path) -> None:
    """A worker process counting every SQL statement it runs and the time they take."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from editron import services  # noqa: F401  (the operations, as `editron worker`)
    from editron.config import get_settings
    from editron.jobs.worker import run_worker

    _register()
    counts = {"statements": 0, "seconds": 0.0}
    local = threading.local()

    @event.listens_for(Engine, "before_cursor_execute")
    def before(*_args: Any) -> None:
        local.began = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def after(*_args: Any) -> None:
        counts["statements"] += 1
        counts["seconds"] += time.perf_counter() - getattr(local, "began", time.perf_counter())

    try:
        run_worker(get_settings())
    finally:
        stats.write_text(json.dumps(counts))


class Harness:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []
        self.api_port = 0
        self.db_name = f"editron_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.env = {
            **os.environ, "EDITRON_HOME": str(root / "home"),
            "EDITRON_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{self.db_name}",
            "EDITRON_QUEUE_URL": REDIS_URL, "EDITRON_QUEUE_NAME": f"scale-{uuid.uuid4().hex[:8]}",
            "EDITRON_JOB_SHUTDOWN_GRACE_SECONDS": "1", "EDITRON_LOG_LEVEL": "WARNING"}

    def _admin(self, sql: str) -> None:
        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def __enter__(self) -> Harness:
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        os.environ.update(self.env)
        from editron.config import reset_settings
        from editron.db.runtime import ready

        reset_settings()
        self.settings = ready()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:  # the processes' own words first
            for log in sorted(self.root.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        from editron.db.session import dispose_engines
        from editron.jobs.app import clear_queues

        clear_queues(self.settings)
        dispose_engines()
        self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, __file__, "--worker", str(self.root / name)],
                                env=self.env, stdout=subprocess.DEVNULL,
                                stderr=(self.root / f"{name}.log").open("wb"))
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    def status(self, job_id: str) -> str:
        from editron.db.repos import job_runs
        from editron.db.runtime import db

        with db(self.settings) as session:
            snap = job_runs.get_run(session, job_id)
        return "" if snap is None else snap.status


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _api_probe(h: Harness, stop: threading.Event, latencies: list[float]) -> None:
    from editron.db import repos
    from editron.db.runtime import db
    from editron.domain.access import ALL_SCOPES

    with db(h.settings) as session:
        _, token = repos.tokens.create_token(session, name="bench", scopes=ALL_SCOPES)
    port = h.api_port
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        paths = ["/api/health", "/api/workers", "/api/batches?limit=20"]
        n = 0
        while not stop.is_set():
            began = time.perf_counter()
            answer = http.get(paths[n % len(paths)], headers=headers)
            latencies.append(time.perf_counter() - began)
            if answer.status_code != 200:
                raise SystemExit(f"API answered {answer.status_code}: {answer.text}")
            n += 1
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - began)))  # 20 requests/s


def overhead_and_api(h: Harness, jobs: int) -> dict[str, Any]:
    from editron.jobs.app import enqueue

    a, b = h.worker("w-a"), h.worker("w-b")
    log = h.root / "encode.log"
    ids = [enqueue("bench.encode", {"log": str(log), "tag": f"e{n}"}, settings=h.settings)
           for n in range(jobs)]
    latencies: list[float] = []
    stop = threading.Event()
    _wait(lambda: len(_lines(log)) >= 1, 120, "the first encode")
    probe = threading.Thread(target=_api_probe, args=(h, stop, latencies))
    probe.start()
    _wait(lambda: all(h.status(i) == "done" for i in ids), 900, "every encode")
    stop.set()
    probe.join()
    h.stop(a)
    h.stop(b)
    rows = [line.split() for line in _lines(log)]
    runs = [float(r[3]) - float(r[2]) for r in rows]
    gaps: list[float] = []
    for pid in {r[1] for r in rows}:
        mine = sorted((float(r[2]), float(r[3])) for r in rows if r[1] == pid)
        gaps += [nxt[0] - prev[1] for prev, nxt in itertools.pairwise(mine)]
    stats = [json.loads((h.root / n).read_text()) for n in ("w-a", "w-b")]
    statements = sum(s["statements"] for s in stats)
    sql_seconds = sum(s["seconds"] for s in stats)
    job_time = statistics.mean(runs)
    gap = statistics.mean(gaps) if gaps else 0.0
    ordered = sorted(latencies)
    return {
        "jobs": jobs, "job_seconds_mean": round(job_time, 3),
        "gap_between_jobs_ms_mean": round(gap * 1000, 2),
        "gap_between_jobs_ms_max": round(max(gaps, default=0.0) * 1000, 2),
        "db_statements_per_job": round(statements / jobs, 1),
        "db_ms_per_job": round(sql_seconds / jobs * 1000, 2),
        "coordination_share_of_job_time_percent": round(
            (gap + sql_seconds / jobs) / job_time * 100, 3),
        "api_requests": len(ordered),
        "api_p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "api_p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
    }


def idle_latency(h: Harness, samples: int) -> dict[str, Any]:
    """Enqueue to start with an idle worker (polling backs off to 4 times a second)."""
    from editron.jobs.app import enqueue

    proc = h.worker("w-idle")
    log = h.root / "idle.log"
    found: list[float] = []
    time.sleep(3.0)  # started (imports, migration check, start-up sweep)
    for n in range(samples):
        time.sleep(1.0)  # let the worker settle into its idle back-off
        began = time.time()
        enqueue("bench.block", {"log": str(log), "release": str(h.root / "go")},
                settings=h.settings)
        _wait(lambda n=n: len(_lines(log)) > n, 30, "an idle start")  # type: ignore[misc]
        found.append(float(_lines(log)[-1].split()[2]) - began)
        (h.root / "go").touch()
        time.sleep(0.2)
        (h.root / "go").unlink()
    h.stop(proc)
    return {"idle_queue_latency_ms_p50": round(statistics.median(found) * 1000, 1),
            "idle_queue_latency_ms_max": round(max(found) * 1000, 1)}


def recovery(h: Harness) -> dict[str, Any]:
    from editron.jobs.app import enqueue

    log, release = h.root / "block.log", h.root / "release"
    first = h.worker("w-dead")
    job = enqueue("bench.block", {"log": str(log), "release": str(release)},
                  settings=h.settings)
    _wait(lambda: len(_lines(log)) == 1, 60, "the job to start")
    survivor = h.worker("w-survivor")
    time.sleep(3.0)  # the survivor is up and idle
    first.kill()
    first.wait()
    killed = time.time()
    _wait(lambda: len(_lines(log)) == 2, 120, "the survivor to take over")
    took = float(_lines(log)[1].split()[2]) - killed
    release.touch()
    _wait(lambda: h.status(job) == "done", 60, "the job to finish")
    h.stop(survivor)
    return {"dead_worker_job_restarted_after_seconds": round(took, 2)}


def priority_order(h: Harness, count: int) -> dict[str, Any]:
    from editron.jobs.app import enqueue

    log = h.root / "order.log"
    rng = random.Random(23)
    ranks = {"rush": 0, "standard": 1, "low": 2}
    began = time.monotonic()
    sent = []
    for n in range(count):
        priority = rng.choice(list(ranks))
        sent.append(enqueue("bench.record", {"log": str(log), "tag": f"{priority}:{n}"},
                            settings=h.settings, priority=priority))
    enqueued = time.monotonic() - began
    proc = h.worker("w-order")
    began = time.monotonic()
    _wait(lambda: len(_lines(log)) >= count, 600, "every queued job")
    drained = time.monotonic() - began
    h.stop(proc)
    done = [(ranks[t.split(":")[0]], int(t.split(":")[1])) for t in _lines(log)]
    return {"queued_jobs": count, "enqueue_seconds": round(enqueued, 2),
            "drain_seconds": round(drained, 2), "ran_each_once": len(set(done)) == count,
            "in_priority_order": done == sorted(done)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=20, help="encodes for the overhead run")
    parser.add_argument("--queued", type=int, default=1000)
    args = parser.parse_args()
    if args.worker:
        _worker_main(args.worker)
        return
    _register()
    from editron import services  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="editron-scale-") as tmp, Harness(Path(tmp)) as h:
        h.api_port = _serve(h)
        result: dict[str, Any] = {"cores": len(os.sched_getaffinity(0)),
                                  "database": "postgresql", "queue": "redis"}
        result |= overhead_and_api(h, args.jobs)
        result |= idle_latency(h, 5)
        result |= recovery(h)
        result |= priority_order(h, args.queued)
        result["coordination_target_met"] = result["coordination_share_of_job_time_percent"] < 1
    print(json.dumps(result, indent=2))


def _serve(h: Harness) -> int:
    """``editron serve --workers 0`` on a free port, as the API host of a scaled deployment."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [sys.executable, "-c", "from editron.cli.main import main; main()", "serve",
               "--workers", "0", "--port", str(port)]
    proc = subprocess.Popen(command, env=h.env, stdout=subprocess.DEVNULL,
                            stderr=(h.root / "api.log").open("wb"))
    h.procs.append(proc)

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    _wait(up, 60, "the API")
    return port


if __name__ == "__main__":
    main()
