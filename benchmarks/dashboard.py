"""Dashboard pages with real amounts of data: server time per page and the batches page's size.

Fills a fresh Editron home (SQLite) with 500 batches, 5,000 files and 2,000 render jobs (500
edit sessions, four jobs each, in every state), signs in through the login form, then asks
for every page ``--rounds`` times in-process (no network between, so the time is the
server's) and prints one JSON document. Targets: p95 under 200 ms for every page, the batches
page under 1 MB.

    .venv/bin/python benchmarks/dashboard.py --rounds 30
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus
from editron.services.tokens import create_token

BATCHES, FILES_PER_BATCH, SESSIONS, JOBS_PER_SESSION = 500, 10, 500, 4
TARGET_MS, TARGET_BYTES = 200.0, 1_000_000
STATES = (JobStatus.QUEUED, JobStatus.RENDERING, JobStatus.COMPLETE, JobStatus.FAILED)


def seed(settings: Settings) -> tuple[str, str]:
    """The data set; returns one batch id and one session id to open."""
    batch_ids: list[str] = []
    with db(settings) as session:
        for b in range(BATCHES):
            batch = repos.batches.create_batch(
                session, reference_name=f"Event {b:03d} day {b % 3 + 1}",
                source_url=f"https://www.dropbox.com/scl/fo/{b:06x}/event-{b}?rlkey=k&dl=0",
                source_type="dropbox", storage_tier="hot")
            repos.tasks.ensure_tasks(session, batch)
            for f in range(FILES_PER_BATCH):
                repos.files.add_file(session, batch, filename=f"cam{f}.mp4",
                                     relative_path=f"day1/cam{f}.mp4", size_bytes=2_000_000_000,
                                     duration_seconds=1800.0, resolution="3840x2160",
                                     codec="h264", fps=29.97)
            batch_ids.append(batch.id)
    session_ids: list[str] = []
    with db(settings) as session:
        for s in range(SESSIONS):
            edit = repos.edit_sessions.create_edit_session(
                session, batch_id=batch_ids[s], deliverable_type="recap",
                aspect_ratios=["16:9", "9:16"])
            session_ids.append(edit.id)
            for j in range(JOBS_PER_SESSION):
                job = repos.render_jobs.create_render_job(
                    session, edit_session_id=edit.id, aspect_ratio="16:9" if j % 2 else "9:16",
                    format="mp4", profile="standard", variant=j // 2 + 1)
                state = STATES[(s + j) % len(STATES)]
                if state is not JobStatus.QUEUED:
                    repos.render_jobs.set_job_status(session, job, JobStatus.RENDERING)
                if state in (JobStatus.COMPLETE, JobStatus.FAILED):
                    repos.render_jobs.set_job_status(session, job, state,
                                                     last_error="QC: black frames"
                                                     if state is JobStatus.FAILED else None)
    return batch_ids[0], session_ids[0]


def sign_in(http: TestClient, token: str) -> None:
    form = http.get("/login").text
    nonce = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert nonce, "no csrf_token on /login"
    done = http.post("/login", data={"token": token, "csrf_token": nonce.group(1)},
                     follow_redirects=False)
    assert done.status_code == 303, done.text


def measure(http: TestClient, path: str, rounds: int) -> dict[str, Any]:
    times, size = [], 0
    http.get(path)  # warm caches (templates, first queries)
    for _ in range(rounds):
        start = time.perf_counter()
        answer = http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        size = len(answer.content)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "max_ms": round(times[-1], 1), "bytes": size, "met": p95 < TARGET_MS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="editron-dashboard-bench-") as home:
        os.environ["EDITRON_HOME"] = home
        settings = ready(Settings(home=Path(home), queue_url="immediate://"))
        started = time.perf_counter()
        batch_id, session_id = seed(settings)
        seeded = time.perf_counter() - started
        token = create_token(name="bench", settings=settings).token
        pages = {"batches": "/", "batches (failed)": "/?status=failed",
                 "batch": f"/batches/{batch_id}", "review": f"/sessions/{session_id}",
                 "renders": "/renders", "sources": "/sources", "board": "/board",
                 "login": "/login"}
        with TestClient(create_app(settings, with_mcp=False)) as http:
            sign_in(http, token)
            results = {name: measure(http, path, args.rounds) for name, path in pages.items()}
    batches_bytes = results["batches"]["bytes"]
    report = {"data": {"batches": BATCHES, "files": BATCHES * FILES_PER_BATCH,
                       "render_jobs": SESSIONS * JOBS_PER_SESSION},
              "seed_seconds": round(seeded, 1), "rounds": args.rounds, "pages": results,
              "batches_page_bytes": batches_bytes,
              "targets": {"p95_ms": TARGET_MS, "batches_page_bytes": TARGET_BYTES},
              "met": all(r["met"] for r in results.values()) and batches_bytes < TARGET_BYTES}
    json.dump(report, sys.stdout, indent=2)
    print()
    sys.exit(0 if report["met"] else 1)


if __name__ == "__main__":
    main()
