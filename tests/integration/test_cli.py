from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    for args in (["ingest", "ftp://x/y", "--json"], ["status", "no-such-batch", "--json"],
                 ["ingest", str(tmp_path), "--tier", "tepid"]):
        proc = subprocess.run([sys.executable, "-m", "editron", *args], capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


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
