"""`editron run SOURCE` as a user types it: the lane on a folder of footage, a progress bar
per stage on stderr and the closing table of deliverables on stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import av
import opentimelineio as otio
import pytest

from tests.conftest import AnalysedEvent


@pytest.mark.slow  # 37 s: the whole lane in a subprocess (CI's slow suite runs it)
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
    # piped, every table is tab-separated with its header first (a terminal gets Rich boxes)
    lines = proc.stdout.splitlines()
    start = lines.index("deliverable\tratio\tduration\tsize\tQC\tfile") + 1
    rows = [line.split("\t") for line in lines[start:start + 2]]
    assert {(r[0], r[1], r[4], r[5]) for r in rows} == {
        ("social", "1:1", "pass", "social_1x1.mp4"), ("social", "9:16", "pass",
                                                       "social_9x16.mp4")}
    assert "nothing was \nreviewed" in proc.stdout or "nothing was reviewed" in proc.stdout
    assert all(re.fullmatch(r"\d+\.\d\d s", r[2]) and r[3].endswith("MB") for r in rows), rows
    assert re.search(r"stage times: ingest [\d.]+ s, analyse [\d.]+ s, edit [\d.]+ s, "
                     r"render [\d.]+ s, total [\d.]+ s", proc.stdout)
    sizes = {"social_1x1.mp4": (1080, 1080), "social_9x16.mp4": (1080, 1920)}
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(sizes)
    for name, size in sizes.items():
        with av.open(str(out / name)) as container:
            video = container.streams.video[0]
            assert (video.width, video.height) == size and container.streams.audio

    _check_handoff(out)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v or "" for k, v in attrs if k in ("href", "src")]


def _check_handoff(out: Path) -> None:
    """Timelines against the delivered footage, the manifest and the offline contact sheet."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    videos = [f for f in manifest["files"] if f["kind"] == "video"]
    assert sorted(f["path"] for f in videos) == ["social_1x1.mp4", "social_9x16.mp4"]
    for f in manifest["files"]:
        assert (out / f["path"]).stat().st_size == f["size_bytes"]
        if f["kind"] in ("video", "timeline", "captions"):
            assert f["deliverable"] == "social" and f["session_id"] and f["variant"] == 1
            assert f["aspect_ratio"] in ("1:1", "9:16") and f["duration_seconds"] > 0
            assert "captions" in f
    for f in videos:
        assert f["qc"] == "pass" and f["job_id"] and f["format"] == "mp4"
    kinds = {f["kind"] for f in manifest["files"]}
    assert {"video", "timeline", "media"} <= kinds
    for path in (out / "timelines").glob("*.otio"):
        tl = otio.adapters.read_from_file(str(path))
        for clip in tl.find_clips():
            url = clip.media_reference.target_url
            assert "://" not in url and (path.parent / unquote(url)).resolve().is_file()
            assert (path.parent / unquote(url)).resolve().is_relative_to(out.resolve())
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert "://" not in page and "<script" not in page, "the sheet opens offline"
    assert any(link.startswith("posters/") for link in parser.links)
    for link in parser.links:
        assert (out / unquote(link)).is_file(), link
    for name in ("social_1x1", "social_9x16"):
        assert name in page and (out / "posters" / f"{name}.jpg").stat().st_size > 0
