"""The consistency checker (tests/consistency.py): a consistent world passes, and each rule
fires on a row built to break it (written around the database's own constraints, as a crash
or a bug in some other code path would leave it)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from editron.db import repos
from editron.db.session import dispose_engines, session_scope
from editron.domain.status import BatchStatus, JobStatus, SessionStatus
from tests import consistency, db_backends

sqlite_template = db_backends.sqlite_template


@dataclass(frozen=True)
class World:
    url: str
    db: Path
    original: Path
    proxy: Path
    delivered: Path
    file_id: str
    render_id: str
    run_id: str
    batch_id: str

    def sql(self, statement: str, *params: object) -> None:
        """Write around the constraints (no foreign keys, no CHECKs)."""
        dispose_engines()
        with sqlite3.connect(self.db) as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("PRAGMA ignore_check_constraints = ON")
            conn.execute(statement, params)


def _finished_batch(s: Session, folder: Path) -> tuple[str, str, Path, Path]:
    batch = repos.batches.create_batch(s, reference_name="gala", source_url=str(folder),
                                       source_type="local_folder")
    for status in (BatchStatus.DOWNLOADING, BatchStatus.READY, BatchStatus.ANALYZING,
                   BatchStatus.ANALYZED):
        repos.batches.set_batch_status(s, batch, status)
    repos.tasks.ensure_tasks(s, batch)
    original, proxy = folder / "keynote.mp4", folder / "keynote.proxy.mp4"
    original.write_bytes(b"not really a film, but bytes with a checksum")
    proxy.write_bytes(b"proxy")
    row = repos.files.add_file(s, batch, filename=original.name, relative_path=original.name,
                               storage_path=str(original), size_bytes=original.stat().st_size,
                               checksum_sha256=hashlib.sha256(original.read_bytes()).hexdigest(),
                               proxy_path=str(proxy))
    return batch.id, row.id, original, proxy


@pytest.fixture()
def world(sqlite_template: Path, tmp_path: Path) -> World:
    """A batch ingested and analysed, a session rendered and delivered, its job done."""
    db = tmp_path / "editron.db"
    shutil.copyfile(sqlite_template, db)
    url = f"sqlite:///{db}"
    delivered = tmp_path / "deliveries" / "social_16x9.mp4"
    delivered.parent.mkdir()
    delivered.write_bytes(b"a delivered film")
    with session_scope(url) as s:
        batch_id, file_id, original, proxy = _finished_batch(s, tmp_path)
        analysis = repos.analyses.create_analysis(s, batch_id=batch_id)
        repos.analyses.update_analysis(s, analysis, artifacts_path=str(tmp_path))
        repos.analyses.set_analysis_status(s, analysis, "complete")
        edit = repos.edit_sessions.create_edit_session(s, batch_id=batch_id,
                                                       deliverable_type="social",
                                                       aspect_ratios=["16:9"],
                                                       analysis_id=analysis.id)
        for status in (SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED,
                       SessionStatus.RENDERING, SessionStatus.COMPLETE):
            repos.edit_sessions.set_session_status(s, edit, status)
        render = repos.render_jobs.create_render_job(
            s, edit_session_id=edit.id, aspect_ratio="16:9", format="mp4", profile="preview",
            destination=json.dumps([str(delivered.parent)]))
        for job_status in (JobStatus.RENDERING, JobStatus.COMPLETE):
            repos.render_jobs.set_job_status(s, render, job_status)
        repos.render_jobs.update_render_job(s, render, output_urls=[delivered.as_uri()])
        run = repos.job_runs.create_run(s, operation="render", arguments={}, priority="standard",
                                        entity_type="render_job", entity_id=render.id,
                                        max_attempts=3)
        run_id, render_id = run.id, render.id
    with session_scope(url) as s:
        repos.job_runs.claim(s, run_id, worker_id="w:1:a")
    with session_scope(url) as s:
        repos.job_runs.finish(s, run_id, worker_id="w:1:a", status="done")
    return World(url, db, original, proxy, delivered, file_id, render_id, run_id, batch_id)


def _rules(world: World, *, settled: bool = True) -> set[str]:
    return {p.rule for p in consistency.check(world.url, settled=settled)}


def test_a_consistent_world_passes(world: World) -> None:
    assert consistency.check(world.url, settled=True) == []
    assert consistency.partial_files(world.delivered.parent, world.original.parent) == []


Breaker = Callable[[World], None]
CASES: dict[str, tuple[str, Breaker]] = {
    "unknown render status": ("status", lambda w: w.sql(
        "UPDATE render_jobs SET status = 'exploded'")),
    "render of a missing session": ("reference", lambda w: w.sql(
        "UPDATE render_jobs SET edit_session_id = 'gone'")),
    "job of a missing render": ("reference", lambda w: w.sql(
        "UPDATE job_runs SET entity_id = 'gone'")),
    "complete render never delivered": ("delivery", lambda w: w.sql(
        "UPDATE render_jobs SET output_urls = '[]'")),
    "complete render delivered twice": ("delivery", lambda w: w.sql(
        "UPDATE render_jobs SET output_urls = ?",
        json.dumps([w.delivered.as_uri(), w.delivered.with_name("copy.mp4").as_uri()]))),
    "delivered file gone": ("delivery", lambda w: w.delivered.unlink()),
    "running on a dead lease": ("lease", lambda w: w.sql(
        "UPDATE job_runs SET status = 'running', heartbeat_at = '2020-01-01T00:00:00.000000'")),
    "rendering with no job": ("lease", lambda w: w.sql(
        "UPDATE render_jobs SET status = 'rendering'")),
    "original missing": ("file", lambda w: w.original.unlink()),
    "original changed": ("file", lambda w: w.original.write_bytes(
        bytes(reversed(w.original.read_bytes())))),
    "original truncated": ("file", lambda w: w.original.write_bytes(b"short")),
    "proxy missing": ("file", lambda w: w.proxy.unlink()),
    "job done twice": ("once", lambda w: w.sql(
        "INSERT INTO events (entity_type, entity_id, event_type, payload, created_at) "
        "VALUES ('job', ?, 'job.status_changed', '{\"status\": \"done\"}', '2026')",
        w.run_id)),
    "card left in progress": ("settled", lambda w: w.sql(
        "UPDATE tasks SET status = 'in_progress' WHERE stage = 'render'")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_fires_on_a_row_that_breaks_it(world: World, case: str) -> None:
    rule, breaker = CASES[case]
    breaker(world)
    # A run's end (settled) is asked for only where that is the rule: a lease case is also
    # work still running.
    problems = consistency.check(world.url, settled=rule == "settled")
    assert problems, f"{case}: nothing found"
    assert {p.rule for p in problems} == {rule}, [str(p) for p in problems]


def test_settled_is_asked_for_and_partial_files_are_found(world: World) -> None:
    world.sql("UPDATE render_jobs SET status = 'queued'")
    assert _rules(world, settled=False) == set(), "a queued render is fine mid-run"
    assert _rules(world) == {"settled"}
    (world.delivered.parent / "social_9x16.mp4.part").write_bytes(b"half")
    assert [p.name for p in consistency.partial_files(world.delivered.parent)] == [
        "social_9x16.mp4.part"]
