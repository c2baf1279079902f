"""After the database was out of reach every lease looks stale at once, the live workers'
too: the sweeper leaves stale leases alone until it has reached the database for the stale
period without a break (issue 23, point 3; review of the workers change)."""

from __future__ import annotations

import time

import pytest

import editron.jobs.recovery as recovery
from editron.config import Settings
from editron.errors import DatabaseError, QueueError
from editron.jobs.recovery import Sweeper, SweepResult


def _sweeps(monkeypatch: pytest.MonkeyPatch, failing: dict[int, Exception]
            ) -> list[tuple[float, bool]]:
    """Run a sweeper (every 20 ms, stale after 200 ms) until 0.8 s after its 10th sweep
    (however slowly a loaded machine runs it); each sweep's time and whether it took dead
    leases. Sweep n raises ``failing[n]`` when given."""
    calls: list[tuple[float, bool]] = []
    started = time.monotonic()

    def fake_recover(settings: Settings, *, queued_grace: float | None = None,
                     dead_leases: bool = True) -> SweepResult:
        calls.append((time.monotonic() - started, dead_leases))
        if len(calls) in failing:
            raise failing[len(calls)]
        return SweepResult()

    monkeypatch.setattr(recovery, "recover_jobs", fake_recover)
    monkeypatch.setattr(recovery.workers, "prune", lambda session, older_than: 0)
    settings = Settings(job_sweep_seconds=0.02, job_stale_after_seconds=0.2,
                        job_heartbeat_seconds=0.05, database_url="sqlite://")
    sweeper = Sweeper(settings).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            len(calls) > 10 and calls[-1][0] - calls[9][0] >= 0.8):
        time.sleep(0.02)
    sweeper.stop()
    assert len(calls) > 10, f"only {len(calls)} sweeps in 60 s"
    return calls


def test_dead_leases_wait_for_the_database_to_stay_reachable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _sweeps(monkeypatch, {10: DatabaseError("connection refused")})
    failed_at = calls[9][0]
    after = [(t, dead) for t, dead in calls[10:]]
    assert not any(dead for t, dead in after if t - failed_at < 0.2), \
        "a lease judged stale right after the outage"
    assert any(dead for t, dead in after if t - failed_at >= 0.3), "never taken over again"


def test_a_queue_outage_does_not_hold_back_dead_leases(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _sweeps(monkeypatch, {10: QueueError("redis is away")})
    failed_at = calls[9][0]
    assert all(dead for t, dead in calls[10:] if t > failed_at), \
        "the database was reachable all along"
