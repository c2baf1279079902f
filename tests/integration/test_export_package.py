"""``editron export SESSION --package DIR``: every format for every ratio with the media they
use, references relative to the package (it relinks after a move), hard links where the file
system allows, a README for the editor, and the proxies instead with ``--proxies``."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import opentimelineio as otio
import pytest
from typer.testing import CliRunner

from editron.cli.main import app
from editron.config import Settings
from editron.media.ffmpeg import ffmpeg_path
from editron.services.analyze import analyze_media_batch
from editron.services.edit import generate_video_edits
from editron.services.ingest import ingest_media_batch
from editron.services.package import export_package

runner = CliRunner()
RATIOS = ("16:9", "9:16", "1:1")


def _camera(path: Path, colour: str, tone: int) -> None:
    """Two days, two cameras: their own sound (one shared tone would sync them as one take)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([
        ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=c={colour}:size=1280x720:rate=25:duration=4",
        "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration=4",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-ac", "2", "-shortest", str(path)], check=True, timeout=60)


@pytest.fixture()
def session_id(settings: Settings, tmp_path: Path) -> str:
    """A recap over two cameras whose files share one name (day1/cam.mp4, day2/cam.mp4)."""
    footage = tmp_path / "footage"
    _camera(footage / "day1" / "cam.mp4", "navy", 330)
    _camera(footage / "day2" / "cam.mp4", "darkred", 523)
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    analyze_media_batch(batch_id=batch.batch_id, max_iterations=1, settings=settings)
    doc = generate_video_edits(batch_id=batch.batch_id, deliverable_type="recap",
                               duration=6.0, aspect_ratios=",".join(RATIOS),
                               settings=settings)
    assert doc.status == "needsreview"
    return doc.session_id


def _references(package: Path) -> list[tuple[Path, str]]:
    """(timeline file, media reference) for every reference in every timeline file."""
    refs: list[tuple[Path, str]] = []
    for path in sorted((package / "timelines").iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".otio":
            tl = otio.adapters.read_from_string(text, "otio_json")
            refs += [(path, c.media_reference.target_url) for c in tl.find_clips()]
        elif path.suffix == ".xml":
            refs += [(path, p.text or "") for p in ET.fromstring(text).iter("pathurl")]
        elif path.suffix == ".fcpxml":
            refs += [(path, m.get("src", "")) for m in ET.fromstring(text).iter("media-rep")]
        elif path.suffix == ".edl":
            refs += [(path, u) for u in re.findall(r"^\* FROM CLIP: (.+)$", text, re.M)]
    return refs


def _assert_relinks(package: Path) -> set[Path]:
    refs = _references(package)
    kinds = {p.suffix for p, _ in refs}
    assert kinds == {".otio", ".xml", ".fcpxml", ".edl"}, kinds
    found: set[Path] = set()
    for timeline, ref in refs:
        assert "://" not in ref, f"{timeline.name} names {ref}"
        target = (timeline.parent / unquote(ref)).resolve()
        assert target.is_file(), f"{timeline.name}: {ref} does not resolve"
        assert target.is_relative_to(package.resolve()), f"{ref} leaves the package"
        found.add(target)
    return found


def test_package_relinks_from_anywhere(session_id: str, settings: Settings,
                                       tmp_path: Path) -> None:
    package = tmp_path / "handoff"
    made = export_package(session_id=session_id, out=package, settings=settings)
    names = {Path(f["path"]).name for f in made["files"]}
    for ratio in RATIOS:
        tag = ratio.replace(":", "x")
        assert {f"recap_{tag}.{ext}" for ext in ("otio", "fcpxml", "xml", "edl")} <= names
    used = _assert_relinks(package)
    media = {p.name for p in (package / "media").iterdir()}
    assert {p.name for p in used} == media == {"cam.mp4", "cam-2.mp4"}, "one file per source"
    for item in made["media"]:  # the originals, hard-linked on one file system
        assert item["placed"] == "linked"
        assert Path(item["path"]).stat().st_ino == Path(item["source"]).stat().st_ino
    readme = (package / "README.txt").read_text(encoding="utf-8")
    assert "Final Cut" in readme and "Premiere" in readme and "01:00:00:00" in readme
    moved = tmp_path / "elsewhere" / "project"
    moved.parent.mkdir()
    package.rename(moved)
    _assert_relinks(moved)


def test_cli_package_of_proxies_scales_the_reframe(session_id: str, settings: Settings,
                                                  tmp_path: Path) -> None:
    package = tmp_path / "proxies"
    result = runner.invoke(app, ["export", session_id, "--package", str(package), "--proxies",
                                 "--start-tc", "10:00:00:00", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["package"] == str(package.resolve()) and not doc["errors"]
    _assert_relinks(package)
    originals = tmp_path / "originals"
    export_package(session_id=session_id, out=originals, settings=settings)
    for name in ("recap_9x16.xml", "recap_1x1.xml"):
        def motion(root: Path, name: str = name) -> tuple[float, int]:
            tree = ET.parse(root / "timelines" / name)
            scale = float(next(p.findtext("value") or "0" for p in tree.iter("parameter")
                               if p.findtext("parameterid") == "scale"))
            width = int(tree.findtext(".//file/media/video/samplecharacteristics/width") or 0)
            return scale, width

        proxy_scale, proxy_width = motion(package)
        full_scale, full_width = motion(originals)
        assert proxy_width < full_width, "the package holds the smaller proxies"
        # the same picture: scale times the file's width is the same on the frame
        assert proxy_scale * proxy_width == pytest.approx(full_scale * full_width, rel=0.01)
    edl = (package / "timelines" / "recap_16x9.edl").read_text(encoding="utf-8")
    assert re.search(r"^001 .* 10:00:00:00 ", edl, re.M), "the start timecode is applied"
