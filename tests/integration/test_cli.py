from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from editron.cli.main import app

runner = CliRunner()


def test_ingest_json_contract(footage: Path) -> None:
    result = runner.invoke(app, ["ingest", str(footage), "--name", "Gala", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"batch_id", "status", "file_count", "total_size_bytes", "files", "errors"}
    assert doc["status"] == "ready" and doc["file_count"] == 2
    for f in doc["files"]:
        assert set(f) >= {"id", "filename", "size_bytes", "checksum_sha256", "duration_seconds",
                          "resolution", "codec", "fps", "has_audio"}
    assert doc["errors"][0]["filename"] == "broken.mp4"
    listed = json.loads(runner.invoke(app, ["batches", "--json"]).stdout)
    assert [b["batch_id"] for b in listed["batches"]] == [doc["batch_id"]]
    status = json.loads(runner.invoke(app, ["status", doc["batch_id"], "--json"]).stdout)
    assert status["batch_id"] == doc["batch_id"]


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    for args, code in ((["ingest", "ftp://x/y", "--json"], "unsupported_source"),
                       (["status", "no-such-batch", "--json"], "not_found"),
                       (["ingest", str(tmp_path), "--tier", "tepid"], None)):
        proc = subprocess.run([sys.executable, "-m", "editron", *args], capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        if code is None:
            assert proc.stdout == ""
        else:  # with --json, the failure is a JSON document on stdout too
            error = json.loads(proc.stdout)["error"]
            assert (error["code"], error["exit_code"]) == (code, 2)
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_failed_batch_exits_1(media_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "zero.mp4").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(bad), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "failed"


def test_gc_json(footage: Path) -> None:
    result = runner.invoke(app, ["gc", "--dry-run", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["freed_bytes"] == 0


def test_ingest_through_the_queue_with_wait(footage: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """EDITRON_QUEUE_URL set: the CLI enqueues; --wait follows events until the batch is ready
    (a worker runs in this process, as `editron serve` would)."""
    from editron.config import Settings, reset_settings
    from editron.jobs.worker import start_embedded_worker

    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    reset_settings()
    queued = runner.invoke(app, ["ingest", str(footage), "--json"])
    assert queued.exit_code == 0 and json.loads(queued.stdout)["status"] == "queued"
    worker = start_embedded_worker(Settings())
    try:
        waited = runner.invoke(app, ["ingest", str(footage), "--wait", "--json"])
    finally:
        worker.stop()
    doc = json.loads(waited.stdout)
    assert waited.exit_code == 0 and doc["status"] == "ready" and doc["file_count"] == 2


def test_analyze_through_the_queue_with_wait(footage: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from editron.config import Settings, reset_settings
    from editron.jobs.worker import start_embedded_worker

    monkeypatch.setenv("EDITRON_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    reset_settings()
    worker = start_embedded_worker(Settings())
    try:
        batch = json.loads(runner.invoke(app, ["ingest", str(footage), "--wait",
                                               "--json"]).stdout)
        result = runner.invoke(app, ["analyze", batch["batch_id"], "--passes", "1", "--wait",
                                     "--json"])
    finally:
        worker.stop()
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["batch_id"] == batch["batch_id"] and doc["passes_completed"] == 1
