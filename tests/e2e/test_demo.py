"""The README's main job, end to end: sample event footage made offline, then the whole lane
(ingest → analyse → edit → render → QC → deliver) through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import pytest


@pytest.mark.slow
@pytest.mark.timeout(2700)  # the whole lane; a shared 2-core CI machine took over 5 minutes
def test_demo_delivers_every_deliverable_in_every_ratio(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "editron", "demo", "--out", str(out), "--json"],
                          capture_output=True, text=True, check=False, timeout=2400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True
    assert doc["batch"]["status"] == "ready" and doc["batch"]["file_count"] == 3
    analysis = doc["analysis"]
    assert analysis["passes_completed"] == 3 and analysis["hero_moments"]
    assert any("crowd cheer" in r for m in analysis["hero_moments"] for r in m["reasons"])
    assert any(m["name"] == "Northwind Energy" for m in analysis["sponsor_moments"])
    for name in ("brief.md", "brief.json", "energy.png", "transcript.md"):
        assert (out / "analysis" / name).stat().st_size > 0
    rows = doc["deliverables"]
    kinds = {(r["deliverable"], r["aspect_ratio"]) for r in rows}
    assert kinds == {(d, r) for d in ("recap", "highlight", "social")
                     for r in ("16:9", "9:16", "1:1")}
    sizes = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
    for row in rows:
        assert row["qc"] == "pass", row
        path = Path(row["path"])
        assert path.parent == out.resolve()
        stem = row["deliverable"] + (f"-{row['variant']}" if row["deliverable"] == "highlight"
                                     else "")
        assert path.name == f"{stem}_{row['aspect_ratio'].replace(':', 'x')}.mp4"
        with av.open(str(path)) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == sizes[row["aspect_ratio"]]
            assert container.streams.audio
        if row["deliverable"] == "recap":
            assert abs(row["duration_seconds"] - 59.0) <= 1 / 30 + 0.03
        elif row["deliverable"] == "social":
            assert row["duration_seconds"] <= 15.05
        else:
            assert 10.0 <= row["duration_seconds"] <= 30.05
    timelines = {p.name for p in (out / "timelines").iterdir()}
    assert {"recap_16x9.fcpxml", "recap_9x16.otio", "social_1x1.xml", "recap_16x9.edl"} <= timelines
    assert (out / "recap_16x9.srt").stat().st_size > 0
    assert set(doc["stage_seconds"]) >= {"ingest", "analyse", "edit", "render", "total"}
