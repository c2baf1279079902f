"""Faults on a running cluster (issue 23.5): PostgreSQL restarted mid-render, Redis emptied
(FLUSHALL: it keeps nothing on disk, the job table is the truth), the object store down for
30 s, a disk full during a copy onto it, and ffmpeg crashing mid-render.
Each job is retried or fails with a clear error, nothing half-written is visible (no partial
files in the media store, no delivery of a render that did not pass, no row pointing at a
missing file), and work resumes within the 30 s recovery target.

Both media modes run: over the shared path a full disk is the share's (a small tmpfs),
filling during an ingest's copy into it; over S3 it is a worker's cache (a small tmpfs over
each worker's ``<home>/cache``), filling during the download of an original into it, and
the object store going down is its host cut off the network.

One cluster per mode serves the module (its start is most of the cost); each test brings its
own edit session or batch and ends with the consistency check over every row (over S3 also
every worker's cache: each copy whole, no download left half-done), so the tests hold in any
order. An ``ffmpeg`` wrapper on the workers' PATH crashes (SIGSEGV) the next N render
encodes, N read from a file the test writes."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from editron.db import repos
from editron.db.session import dispose_engines, session_scope
from editron.media.ffmpeg import ffmpeg_path
from tests import consistency
from tests.multihost import workload as wl
from tests.multihost.cluster import Cluster, ClusterSpec, running_cluster, wait_until
from tests.multihost.conftest import media_modes
from tests.multihost.netns import require_root

pytestmark = [pytest.mark.slow, pytest.mark.alone]
RECOVERY_BUDGET = 30.0
MEDIA_TMPFS_MB = 160  # the share, over the shared path
WORKER_CACHE_MB = 96  # each worker's cache, over S3
ANALYSIS = "analyze_media_batch"
_WRAPPER = """#!/bin/sh
# Crash (SIGSEGV) a render encode while crashes are budgeted in $EDITRON_TEST_CRASHES.
budget="$EDITRON_TEST_CRASHES"
case " $* " in
  *" -progress "*)
    if mkdir "$budget.lock" 2>/dev/null; then
      left=$(cat "$budget" 2>/dev/null || echo 0)
      if [ "$left" -gt 0 ]; then
        echo $((left - 1)) > "$budget"; rmdir "$budget.lock"
        "{real}" "$@" & child=$!
        sleep 0.5; kill -KILL "$child"; kill -SEGV $$
      fi
      rmdir "$budget.lock"
    fi;;
esac
exec "{real}" "$@"
"""


@dataclass
class Faults:
    cluster: Cluster
    batch_id: str  # analysed once for the module
    crashes: Path  # how many render encodes crash next


FAULT_MODES = media_modes()


@pytest.fixture(scope="module", params=FAULT_MODES)
def faults(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    require_root()
    root = tmp_path_factory.mktemp("faults")
    bin_dir, crashes = root / "bin", root / "crashes"
    bin_dir.mkdir()
    wrapper = bin_dir / "ffmpeg"
    wrapper.write_text(_WRAPPER.replace("{real}", ffmpeg_path()))
    wrapper.chmod(0o755)
    crashes.write_text("0")
    shared = root / "cluster" / "nas"
    shared.mkdir(parents=True)
    over_s3 = request.param is not None
    if not over_s3:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={MEDIA_TMPFS_MB}m", "tmpfs",
                        str(shared)], check=True)
    spec = ClusterSpec(media_url=request.param, worker_env=(
        ("PATH", f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"),
        ("EDITRON_TEST_CRASHES", str(crashes)),
        ("EDITRON_WORKER_MIN_FREE_BYTES", str(1024 * 1024))),
        worker_cache_mb=WORKER_CACHE_MB if over_s3 else 0)
    try:
        with running_cluster(spec, root / "cluster") as cluster:
            (batch,) = wl.ingest(cluster, wl.footage(cluster.root, 1))
            wl.analyse(cluster, [batch], wait=180)
            yield Faults(cluster, batch, crashes)
    finally:
        if not over_s3:
            subprocess.run(["umount", "-l", str(shared)], check=False)


def _renders(f: Faults) -> tuple[str, list[str]]:
    (session,) = wl.edit(f.cluster, [f.batch_id])
    return session, wl.render(f.cluster, [session])


def _settled(f: Faults, session: str, timeout: float = 240.0) -> str:
    status: str = wait_until(
        lambda: next(s for s in wl.statuses(f.cluster, "edit-sessions", [session])
                     if s not in ("assembling", "needsreview", "rendering")),
        timeout, f"session {session} settled", every=0.5)
    return status


def _consistent(f: Faults) -> None:
    problems = consistency.check(f.cluster.db_url, media=f.cluster.media_path,
                                 delivered=f.cluster.delivered, settled=True)
    assert problems == [], "\n".join(map(str, problems))
    assert consistency.partial_files(*f.cluster.visible_stores()) == []
    assert f.cluster.cached_copies_not_whole() == []


def _render_rows(f: Faults, session: str) -> list[tuple[str, str, list[str], str | None]]:
    with session_scope(f.cluster.db_url) as s:
        return [(j.id, j.status, list(j.output_urls), j.last_error)
                for j in repos.render_jobs.list_render_jobs(s, edit_session_id=session)]


def _job_runs(f: Faults, render_ids: list[str]) -> list[wl.JobRun]:
    with session_scope(f.cluster.db_url) as s:
        found = [repos.job_runs.latest_for(s, entity_id=r) for r in render_ids]
    return [wl.job_run(f.cluster, run.id) for run in found if run is not None]


def _one_running(f: Faults, renders: list[str]) -> None:
    """Until one of ``renders`` runs, read from the job rows rather than the workers'
    liveness (renewed every few seconds): over S3 with the originals cached a render takes
    about a second."""
    wait_until(lambda: any(r.status == "running" for r in _job_runs(f, renders)), 120,
               "a render running", every=0.05)


def test_postgres_restarted_mid_render(faults: Faults) -> None:
    session, renders = _renders(faults)
    _one_running(faults, renders)
    faults.cluster.stop_postgres()
    dispose_engines()
    time.sleep(3.0)
    faults.cluster.start_postgres()
    back = time.monotonic()
    wait_until(lambda: any(r.status == "done" for r in _job_runs(faults, renders)),
               RECOVERY_BUDGET, "a render finished after PostgreSQL came back")
    print(f"first render done {time.monotonic() - back:.1f} s after PostgreSQL came back")
    assert _settled(faults, session) == "complete", _render_rows(faults, session)
    assert all(status == "complete" for _, status, _, _ in _render_rows(faults, session))
    _consistent(faults)


def test_redis_emptied_under_queued_renders(faults: Faults) -> None:
    session, renders = _renders(faults)
    client = redis.Redis.from_url(faults.cluster.queue_url)
    try:
        client.flushall()
    finally:
        client.close()
    flushed = time.monotonic()
    # At most one render runs per host: the rest waited in Redis and were lost with it.
    wait_until(lambda: all(r.status in ("running", "done") for r in _job_runs(faults, renders)),
               RECOVERY_BUDGET + 60, "every lost render was sent again and started")
    took = time.monotonic() - flushed
    assert _settled(faults, session) == "complete"
    assert all(r.status == "done" for r in _job_runs(faults, renders))
    print(f"every lost render started within {took:.1f} s of FLUSHALL")
    _consistent(faults)


def test_stores_down_for_30_s(faults: Faults) -> None:
    session, renders = _renders(faults)
    _one_running(faults, renders)
    with faults.cluster.stores_down():
        time.sleep(30.0)
        waiting = wl.statuses(faults.cluster, "edit-sessions", [session])
    back = time.monotonic()
    assert waiting != ["complete"], "the renders had work left for the stores"
    status = _settled(faults, session, timeout=300)
    rows = _render_rows(faults, session)
    print(f"settled {time.monotonic() - back:.1f} s after the store came back: {rows}")
    for _, job_status, urls, error in rows:
        assert job_status in ("complete", "failed"), rows
        if job_status == "failed":  # a clear reason, and nothing delivered
            assert error and any(said in error.lower() for said in (
                "delivery", "s3", "missing from storage")), error
            assert urls == []
    assert status == ("complete" if all(r[1] == "complete" for r in rows) else "failed")
    _consistent(faults)


def _big_original(cluster: Cluster) -> Path:
    """A folder holding one 12 s raw-video original (about 35 MB)."""
    folder = cluster.root / "big"
    folder.mkdir()
    subprocess.run([ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=25:duration=12", "-c:v", "rawvideo",
                    "-pix_fmt", "yuv420p", str(folder / "raw.mkv")], check=True)
    return folder


def _batch_said(f: Faults, batch: str) -> tuple[dict[str, Any], str]:
    with f.cluster.http() as http:
        doc: dict[str, Any] = http.get(f"/api/batches/{batch}").json()
    return doc, " ".join([str(doc.get("last_error")), *(str(e) for e in doc.get("errors", []))])


def test_disk_full_during_a_copy(faults: Faults) -> None:
    """The disk a copy writes fills half-way: over the shared path the share, during an
    ingest's copy into it; over S3 every worker's cache, during the download of an original
    into it (and the ingest's upload, which needs no room there, still succeeds)."""
    if faults.cluster.spec.media_url:
        _cache_full_during_a_download(faults)
    else:
        _share_full_during_an_ingest(faults)
    _consistent(faults)


def _share_full_during_an_ingest(f: Faults) -> None:
    cluster = f.cluster
    folder = _big_original(cluster)
    size = (folder / "raw.mkv").stat().st_size
    ballast = cluster.shared / "ballast"
    free = shutil.disk_usage(cluster.shared).free
    ballast.write_bytes(b"\0" * max(0, free - size // 2 - 2 * 1024 * 1024))
    try:
        (batch,) = wl.ingest(cluster, [folder], wait=0)
        status = wait_until(lambda: next(s for s in wl.statuses(cluster, "batches", [batch])
                                         if s in ("ready", "failed")), 120, "ingest ended")
    finally:
        ballast.unlink()
    doc, said = _batch_said(f, batch)
    assert "No space left on device" in said, doc
    assert status == "failed" or doc["file_count"] == 0, doc


def _cache_full_during_a_download(f: Faults) -> None:
    cluster = f.cluster
    folder = _big_original(cluster)
    size = (folder / "raw.mkv").stat().st_size
    # Half the original's room left in every worker's cache, well over the workers' 1 MiB
    # free-disk floor: the ingest's upload needs none, and its copy kept for reading back is
    # skipped. The ballast lies beside the media cache, as anything else filling that disk
    # would, so the cache cannot evict it.
    ballasts = [cluster.worker_cache(n) / "ballast" for n in range(len(cluster.worker_hosts))]
    for ballast in ballasts:
        ballast.write_bytes(b"\0" * max(0, shutil.disk_usage(ballast.parent).free - size // 2))
    filler = _Filler(cluster)
    try:
        (batch,) = wl.ingest(cluster, [folder], wait=120)
        copies = [p for n in range(len(cluster.worker_hosts))
                  for p in (cluster.worker_cache(n) / "media").rglob("raw.mkv")]
        assert copies == [], "no copy kept without room for it"
        for ballast in ballasts:  # room for the original now; it fills during the download
            os.truncate(ballast, max(0, ballast.stat().st_size - size))
        filler.start()
        wl.analyse(cluster, [batch])  # reads the original: downloaded into the cache
        error = wait_until(lambda: _disk_full_error(f, batch), 120,
                           "the analysis stopped for want of cache room")
        assert "No space left on device" in error and filler.filled, (error, filler.filled)
        assert cluster.cached_copies_not_whole() == []
    finally:
        filler.stop()
        for ballast in [*ballasts, *filler.ballasts]:
            ballast.unlink(missing_ok=True)
    print(f"the analysis stopped: {error}")
    assert "media cache" in error, error
    wait_until(lambda: wl.statuses(cluster, "batches", [batch]) == ["analyzed"], 120,
               "the analysis, tried again once the caches had room, finished")
    with session_scope(cluster.db_url) as s:
        run = repos.job_runs.latest_for(s, entity_id=batch, operations=(ANALYSIS,))
    assert run is not None and run.status == "done" and run.attempts >= 2, run


class _Filler:
    """Fills a worker's cache disk to the last byte as soon as a download into it starts
    (a file appears in the cache's temporary folder), as another writer on that disk would."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.filled: list[int] = []
        self.ballasts: list[Path] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _watch(self) -> None:
        hosts = range(len(self.cluster.worker_hosts))
        while not self._stop.is_set():
            for n in hosts:
                temp = self.cluster.worker_cache(n) / "media" / ".tmp"
                if n not in self.filled and temp.is_dir() and any(temp.iterdir()):
                    self._fill(self.cluster.worker_cache(n) / f"ballast-{len(self.filled)}")
                    self.filled.append(n)
            self._stop.wait(0.002)

    def _fill(self, path: Path) -> None:
        self.ballasts.append(path)
        block = b"\0" * (256 * 1024)
        with path.open("wb", buffering=0) as out:
            try:
                while not self._stop.is_set():
                    out.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


def _disk_full_error(f: Faults, batch: str) -> str | None:
    """The batch's job's error once it is about a full disk (or, if the job finished
    without one, saying so); None while neither."""
    with session_scope(f.cluster.db_url) as s:
        run = repos.job_runs.latest_for(s, entity_id=batch, operations=(ANALYSIS,))
    if run is None:
        return None
    if run.last_error and "No space left on device" in run.last_error:
        return run.last_error
    return f"{run.operation} {run.status} without one" if run.status == "done" else None


def test_ffmpeg_crashing_mid_render(faults: Faults) -> None:
    faults.crashes.write_text("2")  # the next two encodes crash
    session, renders = _renders(faults)
    assert _settled(faults, session) == "complete", _render_rows(faults, session)
    assert faults.crashes.read_text().strip() == "0", "both crashes happened"
    runs = _job_runs(faults, renders)
    retried = [r for r in runs if r.attempts > 1]
    assert retried and all("ffmpeg crashed (killed by SIGSEGV)" in str(r.last_error)
                           for r in retried), [(r.attempts, r.last_error) for r in runs]
    assert all(r.status == "done" for r in runs)

    faults.crashes.write_text("100")  # every encode crashes: the job gives up, saying why
    try:
        (session,) = wl.edit(faults.cluster, [faults.batch_id])
        wl.render(faults.cluster, [session])
        assert _settled(faults, session, timeout=300) == "failed"
    finally:
        faults.crashes.write_text("0")
    for _, status, urls, error in _render_rows(faults, session):
        assert status == "failed" and urls == [], (status, urls)
        assert "ffmpeg crashed (killed by SIGSEGV)" in str(error), error
    _consistent(faults)
