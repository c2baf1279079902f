"""The README's main job, end to end: sample event footage made offline, then the lane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_makes_sample_event_ingests_and_analyses_it(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "editron", "demo", "--out", str(out), "--json"],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    batch = doc["batch"]
    analysis = doc["analysis"]
    assert analysis["passes_completed"] == 3 and analysis["hero_moments"]
    assert any("crowd cheer" in r for m in analysis["hero_moments"] for r in m["reasons"])
    assert any(m["name"] == "Northwind Energy" for m in analysis["sponsor_moments"])
    for name in ("brief.md", "brief.json", "energy.png", "transcript.md"):
        assert (out / "analysis" / name).stat().st_size > 0
    assert batch["status"] == "ready" and batch["file_count"] == 3
    assert all(f["has_audio"] and f["resolution"] == "1280x720" for f in batch["files"])
    assert {f["filename"] for f in batch["files"]} == {"keynote_open.mp4", "main_stage.mp4",
                                                       "awards.mp4"}
    for f in batch["files"]:
        assert Path(f["proxy_path"]).exists() and Path(f["waveform_path"]).exists()
