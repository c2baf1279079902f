"""Every status a row takes is in the event log, in order: the whole lane (ingest, analyse,
edit, render, deliver) and a queued job run on footage, with SQLite triggers recording every
status each row was written with, independently of the code under test."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import text

from editron.config import Settings
from editron.db.repos.events import events_after
from editron.db.runtime import db, ready
from editron.db.session import get_engine
from editron.services.analyze import request_analysis
from editron.services.lane import run_lane
from tests import media_factory as mf

ENTITIES = {"media_batches": "batch", "media_files": "file",
            "media_batch_analyses": "analysis", "edit_sessions": "edit_session",
            "render_jobs": "render_job", "job_runs": "job", "tasks": "task"}


def _audit(url: str) -> None:
    """Triggers that copy every written status into ``status_audit`` (insert and update)."""
    with get_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE status_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "tbl TEXT, row_id TEXT, status TEXT)"))
        for table in ENTITIES:
            for when, event in (("ins", "INSERT"), ("upd", "UPDATE OF status")):
                conn.execute(text(
                    f"CREATE TRIGGER audit_{when}_{table} AFTER {event} ON {table} BEGIN "
                    f"INSERT INTO status_audit (tbl, row_id, status) "
                    f"VALUES ('{table}', NEW.id, NEW.status); END"))


def _written(url: str) -> dict[tuple[str, str], list[str]]:
    with get_engine(url).connect() as conn:
        rows = conn.execute(text("SELECT tbl, row_id, status FROM status_audit ORDER BY seq"))
        history: dict[tuple[str, str], list[str]] = defaultdict(list)
        for table, row_id, status in rows:
            history[(ENTITIES[table], row_id)].append(status)
    return history


def _logged(settings: Settings) -> dict[tuple[str, str], list[str]]:
    history: dict[tuple[str, str], list[str]] = defaultdict(list)
    last = 0
    with db(settings) as session:
        while events := events_after(session, last, limit=1000):
            for event in events:
                if "status" in event.payload:
                    history[(event.entity_type, event.entity_id)].append(
                        event.payload["status"])
            last = events[-1].id
    return history


def test_every_status_each_row_took_is_logged_in_order(settings: Settings,
                                                       tmp_path: Path) -> None:
    settings = ready(settings)
    _audit(settings.resolved_database_url)
    footage = tmp_path / "footage"
    footage.mkdir()
    mf.make_clip(footage / "stage.mp4", seconds=8.0, tone_hz=500)
    mf.make_clip(footage / "crowd.mp4", seconds=6.0, tone_hz=700, source="smptebars")
    (footage / "notes.txt").write_text("not media")
    result = run_lane(source=str(footage), out=tmp_path / "out", deliverables=["social"],
                      ratios=["16:9"], passes=2, settings=settings)
    assert result.ok, result.to_dict()
    # A job through the queue too (run inline), so job runs and a re-analysis are covered.
    request_analysis(batch_id=result.batch.batch_id, max_iterations=1,
                     settings=settings.model_copy(update={"queue_url": "immediate://"}))

    written, logged = _written(settings.resolved_database_url), _logged(settings)
    kinds = {kind for kind, _ in written}
    assert kinds == set(ENTITIES.values()), kinds  # the lane touched every kind of row
    for key, statuses in written.items():
        assert logged.get(key) == statuses, (key, statuses, logged.get(key))
    assert written[("batch", result.batch.batch_id)] == [
        "queued", "downloading", "ready", "analyzing", "analyzed", "analyzing", "analyzed"]
