"""The README's main job, end to end: sample event footage made offline, then the lane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_makes_sample_event_and_ingests_it(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "editron", "demo", "--out", str(out), "--json"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    batch = doc["batch"]
    assert batch["status"] == "ready" and batch["file_count"] == 3
    assert all(f["has_audio"] and f["resolution"] == "1280x720" for f in batch["files"])
    assert {f["filename"] for f in batch["files"]} == {"keynote_open.mp4", "main_stage.mp4",
                                                       "awards.mp4"}
    for f in batch["files"]:
        assert Path(f["proxy_path"]).exists() and Path(f["waveform_path"]).exists()
