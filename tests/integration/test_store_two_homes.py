"""Two hosts that share nothing but the database and an S3 media store (issue 23.1): an API
host (home A) and a worker host (home B), each with its own home and media cache. The worker
ingests, analyses, assembles and renders; the API host asks for the render and serves the
export and the rendered file. The worker never reads anything under home A, the API host
nothing under home B, and no row of the database names a path under either home."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from editron.api.app import create_app
from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.db.session import dispose_engines, get_engine
from editron.demo import make_sample_event
from editron.domain.access import ALL_SCOPES
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits
from editron.services.ingest import ingest_media_batch
from editron.services.render import process_render_job, render_video_deliverables
from editron.services.render.stored import output_file
from editron.store import resolve_local
from tests import s3_server

s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket

ANALYSERS = ["shots_fast", "audio_energy", "crowd"]
TABLES = ("media_batches", "media_files", "media_batch_analyses", "edit_sessions",
          "render_jobs")


class _Opened:
    """Every file Python opens and every program it starts while ``watching`` (an audit
    hook: it sees ``open``/``os.open`` and the arguments ``subprocess`` runs ffmpeg with)."""

    def __init__(self) -> None:
        self.active = False
        self.seen: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open" and args and isinstance(args[0], str | Path):
            self.seen.append(str(args[0]))
        elif event == "subprocess.Popen" and len(args) > 1:
            self.seen.extend(str(a) for a in (args[1] or ()))

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        """What is opened inside the ``with`` block (the list stays readable after it)."""
        self.seen = []
        self.active = True
        try:
            yield self.seen
        finally:
            self.active = False


_OPENED = _Opened()


def _host(home: Path, database: str, bucket: str, endpoint: str) -> Settings:
    return ready(Settings(home=home, database_url=database, queue_url="immediate://",
                          media_url=f"s3://{bucket}/editron", s3_endpoint_url=endpoint,
                          download_backoff_base_seconds=0.01))


def _rows_naming(database: str, homes: tuple[Path, ...]) -> list[str]:
    """Every (table, column, row) whose text names a path under one of ``homes``."""
    marks = [str(h) + "/" for h in homes] + [str(h.resolve()) + "/" for h in homes]
    found = []
    with get_engine(database).connect() as conn:
        for table in TABLES:
            result = conn.execute(text(f"SELECT * FROM {table}"))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and any(m in str(value) for m in marks):
                        found.append(f"{table}.{column} of {row[0]}: {str(value)[:200]}")
    return found


def _under(paths: list[str], home: Path) -> list[str]:
    roots = {str(home), str(home.resolve())}
    return sorted({p for p in paths if any(p == r or p.startswith(r + "/") for r in roots)})


@pytest.mark.slow
def test_api_and_worker_share_only_the_store(s3_bucket: tuple[str, Any], s3_endpoint: str,
                                             tmp_path: Path) -> None:
    bucket, client = s3_bucket
    (tmp_path / "db").mkdir()
    database = f"sqlite:///{tmp_path / 'db' / 'editron.db'}"
    home_a, home_b = tmp_path / "home-a", tmp_path / "home-b"
    api = _host(home_a, database, bucket, s3_endpoint)
    worker = _host(home_b, database, bucket, s3_endpoint)
    footage = tmp_path / "footage"
    make_sample_event(footage, size="320x180", fps=25)

    with _OPENED.watching() as seen:  # the worker host: every stage but the request
        batch = ingest_media_batch(source_url=str(footage), settings=worker)
        assert batch.status == "ready", batch
        analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, analysers=ANALYSERS,
                            settings=worker)
        edit = generate_video_edits(batch_id=batch.batch_id, deliverable_type="social",
                                    aspect_ratios="16:9", variants=1, duration=6,
                                    settings=worker)
        assert edit.status == "needsreview", edit.last_error
    worker_opened = list(seen)
    with _OPENED.watching() as seen:  # the API host asks for the render (default place)
        request = render_video_deliverables(edit_session_id=edit.session_id, profile="preview",
                                            enqueue_jobs=False, no_review=True, settings=api)
    api_opened = list(seen)
    [job_id] = request.render_job_ids
    assert request.jobs[0].destinations == ["store:"]
    with _OPENED.watching() as seen:
        job = process_render_job(job_id, settings=worker)
    worker_opened += seen
    assert job.status == "complete", job.last_error
    key = job.output_key
    assert key == f"batches/{batch.batch_id}/renders/{job_id}/social_16x9.mp4"
    assert job.output_urls == [f"store:{key}"]
    rendered = client.get_object(Bucket=bucket, Key=f"editron/{key}")["Body"].read()
    assert len(rendered) > 1000

    with db(api) as session:
        _, token = repos.tokens.create_token(session, name="two-homes", scopes=ALL_SCOPES)
    auth = {"Authorization": f"Bearer {token}"}
    with _OPENED.watching() as seen, TestClient(create_app(api, with_mcp=False)) as http:
        got = http.get(f"/api/render-jobs/{job_id}/output", headers=auth)
        assert got.status_code == 200, got.text
        assert got.content == rendered and got.headers["content-type"] == "video/mp4"
        export = http.get(f"/api/edit-sessions/{edit.session_id}/exports/fcpxml",
                          params={"ratio": "16:9"}, headers=auth)
        assert export.status_code == 200, export.text
        assert b"<fcpxml" in export.content
        doc = http.get(f"/api/edit-sessions/{edit.session_id}", headers=auth).json()
        stored = next(f["path"] for f in doc["exports"]["files"] if f["format"] == "fcpxml")
        local = resolve_local(api, stored)  # the worker's written export, through the store
        assert local.is_relative_to(api.media_cache_dir) and b"<fcpxml" in local.read_bytes()
        assert output_file(job_id, 0, settings=api).read_bytes() == rendered  # the dashboard's
    api_opened += seen
    dispose_engines()

    assert _under(worker_opened, home_a) == [], "the worker read the API host's home"
    assert _under(api_opened, home_b) == [], "the API host read the worker's home"
    assert any(p.startswith(str(home_b)) for p in worker_opened), "the watch saw the worker"
    assert _rows_naming(database, (home_a, home_b)) == []
    objects = {o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="editron/")
               .get("Contents", [])}
    assert f"editron/{stored}" in objects and f"editron/{key}" in objects
