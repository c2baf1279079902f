"""The work the multi-host tests put through a cluster, over its HTTP API as a client would:
footage made with ffmpeg's lavfi sources (the demo's sample event at 320x180, fixed
parameters), batches ingested, analysed (the fast analysers, one pass), edited into two
6-second social cuts in two aspect ratios each, and every timeline rendered (preview profile)
and delivered to the object store. Plus what the tests observe: the job a worker runs now,
and how long until a dead worker's job runs elsewhere."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from editron.db.models_ops import JobRun
from editron.db.session import session_scope
from editron.demo import make_sample_event
from tests.multihost.cluster import DELIVERIES, Cluster, wait_until

__all__ = ["ANALYSERS", "RENDERS_PER_SESSION", "analyse", "edit", "footage", "ingest",
           "job_run", "render", "running_job", "statuses", "taken_over"]

ANALYSERS = ["shots_fast", "audio_energy", "crowd"]
RENDERS_PER_SESSION = 4  # two variants x two aspect ratios, one format


def footage(root: Path, batches: int) -> list[Path]:
    """``batches`` event folders holding the sample event (made once, then copied)."""
    master = root / "footage-master"
    make_sample_event(master, size="320x180", fps=25)
    folders = []
    for n in range(batches):
        folder = root / "footage" / f"event-{n + 1}"
        shutil.copytree(master, folder)
        folders.append(folder)
    return folders


def _post(cluster: Cluster, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with cluster.http() as http:
        answer = http.post(path, json=body)
    assert answer.status_code == 202, f"POST {path}: {answer.status_code} {answer.text}"
    doc: dict[str, Any] = answer.json()
    return doc


def _get(cluster: Cluster, path: str) -> dict[str, Any]:
    with cluster.http() as http:
        answer = http.get(path)
    answer.raise_for_status()
    doc: dict[str, Any] = answer.json()
    return doc


def statuses(cluster: Cluster, kind: str, ids: Sequence[str]) -> list[str]:
    """The API's status of each batch (``batches``) or edit session (``edit-sessions``)."""
    return [str(_get(cluster, f"/api/{kind}/{i}")["status"]) for i in ids]


def _settle(cluster: Cluster, kind: str, ids: Sequence[str], want: str,
            timeout: float) -> None:
    def done() -> bool:
        found = statuses(cluster, kind, ids)
        stuck = [s for s in found if s == "failed"]
        assert not stuck, f"{kind} failed: {found}"
        return all(s == want for s in found)

    wait_until(done, timeout, f"every one of {kind} {want}", every=0.5)


def ingest(cluster: Cluster, folders: Sequence[Path], *, wait: float = 180.0) -> list[str]:
    ids = [str(_post(cluster, "/api/batches", {"source_url": str(f), "storage_tier": "warm"}
                     )["id"]) for f in folders]
    if wait:
        _settle(cluster, "batches", ids, "ready", wait)
    return ids


def analyse(cluster: Cluster, batch_ids: Sequence[str], *, wait: float = 0.0) -> None:
    for batch_id in batch_ids:
        _post(cluster, f"/api/batches/{batch_id}/analyses",
              {"max_iterations": 1, "analysers": ANALYSERS})
    if wait:
        _settle(cluster, "batches", batch_ids, "analyzed", wait)


def edit(cluster: Cluster, batch_ids: Sequence[str], *, wait: float = 180.0) -> list[str]:
    ids = [str(_post(cluster, f"/api/batches/{b}/edit-sessions", {
        "deliverable_type": "social", "aspect_ratios": ["16:9", "9:16"], "variants": 2,
        "duration": 6, "previews": False})["id"]) for b in batch_ids]
    if wait:
        _settle(cluster, "edit-sessions", ids, "needsreview", wait)
    return ids


def render(cluster: Cluster, session_ids: Sequence[str]) -> list[str]:
    """Queue every session's renders, delivered to ``s3://deliveries/<session>``."""
    jobs: list[str] = []
    for sid in session_ids:
        made = _post(cluster, f"/api/edit-sessions/{sid}/renders", {
            "profile": "preview", "destinations": [f"s3://{DELIVERIES}/{sid}"],
            "no_review": True})
        jobs += [str(j) for j in made["render_job_ids"]]
    return jobs


def job_run(cluster: Cluster, job_id: str) -> JobRun:
    with session_scope(cluster.db_url) as s:
        run = s.get(JobRun, job_id)
        assert run is not None, job_id
        s.expunge(run)
        return run


def running_job(cluster: Cluster, operation: str, timeout: float = 120.0
                ) -> tuple[int, str, str]:
    """A worker running a job of ``operation`` right now, found as an operator would (its
    liveness row's current jobs): (worker index, worker id, job id)."""
    hosts = [h.name for h in cluster.worker_hosts]

    def find() -> tuple[int, str, str] | None:
        for worker in cluster.live_workers():
            for job_id in worker["current_jobs"]:
                run = job_run(cluster, job_id)
                if run.operation == operation and run.status == "running":
                    return hosts.index(worker["host"]), str(worker["id"]), job_id
        return None

    found: tuple[int, str, str] = wait_until(find, timeout, f"a worker running {operation}",
                                             every=0.1)
    return found


def taken_over(cluster: Cluster, job_id: str, dead_worker: str, timeout: float = 90.0
               ) -> float:
    """Seconds until another worker holds (or finished) the dead worker's job."""
    started = time.monotonic()

    def moved() -> bool:
        run = job_run(cluster, job_id)
        return run.worker_id not in (None, dead_worker) and run.status in ("running", "done")

    wait_until(moved, timeout, f"job {job_id} taken over from {dead_worker}", every=0.2)
    return time.monotonic() - started


def finishers(cluster: Cluster) -> dict[str, list[str]]:
    """Job run ids by the worker that holds or finished them."""
    with session_scope(cluster.db_url) as s:
        rows = s.execute(select(JobRun.id, JobRun.worker_id)).all()
    out: dict[str, list[str]] = {}
    for job_id, worker in rows:
        out.setdefault(str(worker), []).append(str(job_id))
    return out
