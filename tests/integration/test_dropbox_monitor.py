"""The Dropbox monitor: every worker's sweeper queues polls of the active sources on a timer
(a periodic task registered by the services), without piling up duplicate polls."""

from __future__ import annotations

from pathlib import Path

import pytest

from editron.config import Settings, get_settings, reset_settings
from editron.db.models_ops import JobRun
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.jobs.recovery import Sweeper
from editron.jobs.registry import periodic_tasks, register_periodic
from editron.services.sources import add_dropbox_source, set_source_active


@pytest.fixture()
def queued_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv("EDITRON_DROPBOX_TOKEN", "sl.test-token")
    reset_settings()
    return ready(get_settings())


def _polls(settings: Settings) -> list[JobRun]:
    with session_scope(settings.resolved_database_url) as s:
        runs = s.query(JobRun).filter(JobRun.operation == "poll_dropbox_source").all()
        s.expunge_all()
        return runs


def test_periodic_tasks_run_on_their_interval(queued_settings: Settings,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from editron.jobs import registry

    periodic_tasks()  # the services register theirs first, into the real registry
    monkeypatch.setattr(registry, "_PERIODIC", dict(registry._PERIODIC))  # undone after
    calls: list[str] = []
    register_periodic("test.tick", lambda s: 3600.0, lambda s: calls.append("tick"))
    register_periodic("test.off", lambda s: 0.0, lambda s: calls.append("off"))
    sweeper = Sweeper(queued_settings)
    last_run: dict[str, float] = {}
    sweeper._run_periodic(last_run)
    sweeper._run_periodic(last_run)
    assert calls == ["tick"], "runs once per interval; an interval of 0 is off"
    assert "dropbox_monitor" in {t.name for t in periodic_tasks()}


def test_monitor_queues_one_poll_per_active_source(queued_settings: Settings) -> None:
    watched = add_dropbox_source(folder_path="/Events/Gala", settings=queued_settings)
    paused = add_dropbox_source(folder_path="/Events/Old", settings=queued_settings)
    set_source_active(paused.id, False, settings=queued_settings)
    monitor = next(t for t in periodic_tasks() if t.name == "dropbox_monitor")
    assert monitor.interval(queued_settings) == 300.0
    monitor.run(queued_settings)
    monitor.run(queued_settings)  # a second worker's sweep: the waiting poll is reused
    polls = _polls(queued_settings)
    assert [p.arguments["source_id"] for p in polls] == [watched.id]
    assert polls[0].status == "queued"
