"""`editron run SOURCE` as a user types it: the lane on a folder of footage, a progress bar
per stage on stderr and the closing table of deliverables on stdout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import av

from tests.conftest import AnalysedEvent


def test_run_delivers_into_out_with_stage_bars_and_a_closing_table(
        analysed_event: AnalysedEvent, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "EDITRON_HOME": str(tmp_path / "home"), "COLUMNS": "160"}
    env.pop("EDITRON_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "editron", "run", str(analysed_event.footage),
         "--deliverables", "social", "--ratios", "1:1,9:16", "--out", str(out)],
        capture_output=True, text=True, env=env, check=False, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for stage in ("analyse", "edit", "render"):  # one Rich bar per stage, run to the end
        assert re.search(rf"^{stage}\b.*━+ 100/100", proc.stderr, re.MULTILINE), stage
    table = proc.stdout[proc.stdout.index("deliverables in"):]
    title = "".join(table.split("┏")[0].split())  # Rich wraps a long title over lines
    assert title == f"deliverablesin{out.resolve()}", title
    header = next(line for line in table.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == [
        "deliverable", "ratio", "duration", "size", "QC", "file"]
    rows = [[c.strip() for c in line.strip("│ ").split("│")]
            for line in table.splitlines() if line.startswith("│")]
    assert {(r[0], r[1], r[4], r[5]) for r in rows} == {
        ("social", "1:1", "pass", "social_1x1.mp4"), ("social", "9:16", "pass",
                                                       "social_9x16.mp4")}
    assert all(re.fullmatch(r"\d+\.\d\d s", r[2]) and r[3].endswith("MB") for r in rows), rows
    assert re.search(r"stage times: ingest [\d.]+ s, analyse [\d.]+ s, edit [\d.]+ s, "
                     r"render [\d.]+ s, total [\d.]+ s", proc.stdout)
    sizes = {"social_1x1.mp4": (1080, 1080), "social_9x16.mp4": (1080, 1920)}
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(sizes)
    for name, size in sizes.items():
        with av.open(str(out / name)) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == size and container.streams.audio
