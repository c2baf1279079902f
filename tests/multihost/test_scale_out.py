"""Scale-out across hosts (issue 23.4), for real: network namespaces on this machine as an
API host (PostgreSQL, Redis, ``editron serve --workers 0``), an S3 host and two worker hosts
with their own homes and no shared disk but the media store. Five batches are ingested and
analysed through the API, one worker is SIGKILLed mid-analysis, then a burst of 20 renders
with one worker SIGKILLed mid-render. Every job completes exactly once on the survivors,
within the 30 s recovery target; every render is delivered exactly once; nothing is stuck;
and the consistency check over every row passes."""

from __future__ import annotations

import pytest

from editron.db import repos
from editron.db.session import session_scope
from editron.services.analyze import ANALYZE_OPERATION
from editron.services.render.public import RENDER_OPERATION
from tests import consistency
from tests.multihost import workload as wl
from tests.multihost.cluster import DELIVERIES, Cluster, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.alone]
RECOVERY_BUDGET = 30.0
BATCHES = 5


def _kill_mid(cluster: Cluster, operation: str) -> tuple[str, str, float]:
    """SIGKILL a worker host running ``operation``: (its worker id, the job, seconds until
    another worker took the job)."""
    n, dead, job = wl.running_job(cluster, operation)
    cluster.kill_worker(n)
    took = wl.taken_over(cluster, job, dead)
    print(f"{operation} job {job} of {cluster.worker_hosts[n].name} taken over in {took:.1f} s")
    assert took < RECOVERY_BUDGET, f"a dead worker's {operation} re-ran after {took:.1f} s"
    return dead, job, took


def _restart(cluster: Cluster, dead: str) -> None:
    host = dead.split(":", 1)[0]
    n = [h.name for h in cluster.worker_hosts].index(host)
    cluster.start_worker(n)
    wait_until(lambda: len(cluster.live_workers()) == len(cluster.worker_hosts), 60,
               "the restarted worker is back")


def test_two_worker_hosts_survive_each_others_death(cluster: Cluster) -> None:
    batch_ids = wl.ingest(cluster, wl.footage(cluster.root, BATCHES))
    wl.analyse(cluster, batch_ids)
    dead_a, analysis_job, _ = _kill_mid(cluster, ANALYZE_OPERATION)
    wait_until(lambda: set(wl.statuses(cluster, "batches", batch_ids)) == {"analyzed"}, 240,
               "every batch analysed by the survivor", every=0.5)
    _restart(cluster, dead_a)

    sessions = wl.edit(cluster, batch_ids)
    renders = wl.render(cluster, sessions)
    assert len(renders) == BATCHES * wl.RENDERS_PER_SESSION == 20
    dead_r, render_job, _ = _kill_mid(cluster, RENDER_OPERATION)
    wait_until(lambda: set(wl.statuses(cluster, "edit-sessions", sessions)) == {"complete"},
               300, "every session rendered and delivered", every=0.5)
    wait_until(lambda: all(wl.job_run(cluster, j).status == "done"
                           for j in (analysis_job, render_job)), 30, "the taken-over jobs done")

    # Exactly once: the killed jobs ran again (attempt 2) and finished on a survivor.
    for job, dead in ((analysis_job, dead_a), (render_job, dead_r)):
        run = wl.job_run(cluster, job)
        assert (run.status, run.attempts) == ("done", 2), (job, run.status, run.attempts)
        assert run.worker_id != dead
    with session_scope(cluster.db_url) as s:
        jobs = repos.render_jobs.list_render_jobs(s)
        urls = [u for j in jobs for u in j.output_urls]
        assert sorted(j.id for j in jobs) == sorted(renders)
        assert {j.status for j in jobs} == {"complete"}
    keys = cluster.delivered_keys()
    assert len(keys) == len(set(keys)) == 20, keys
    assert sorted(f"s3://{DELIVERIES}/{k}" for k in keys) == sorted(urls), "one file a render"
    hosts = {w.split(":", 1)[0] for w in wl.finishers(cluster)}
    assert {h.name for h in cluster.worker_hosts} <= hosts, "both hosts did work"

    problems = consistency.check(cluster.db_url, media=cluster.media_path,
                                 delivered=cluster.delivered, settled=True)
    assert problems == [], "\n".join(map(str, problems))
    assert consistency.partial_files(*cluster.visible_stores()) == []
