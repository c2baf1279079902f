"""Golden files for every export format in every ratio. Regenerate with
``UPDATE_GOLDEN=1 pytest tests/unit/test_export_golden.py`` and read the diff before committing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from editron.domain.analysis import Brief
from editron.domain.timeline import Timeline
from editron.edit.exporters import EXPORTERS, export_timeline
from editron.edit.timeline import build_timelines
from editron.story.blueprints import build_blueprints
from editron.story.styles import default_brand, get_style
from tests.timeline_fixtures import make_event

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
FORMATS = ["otio", "fcpxml", "xmeml", "edl", "srt", "vtt", "ass"]


def _timeline(style: str, ratio: str) -> Timeline:
    ev = make_event(files=2, seconds=40.0, fps=29.97, root="/media/event")
    preset = get_style(style)
    # must-use terms pull two spoken sentences in, so the caption formats have content
    brief = Brief(must_use=["community", "sponsoring"])
    bp = build_blueprints(ev.analysis, brief, deliverable="recap", variants=1, duration=20.0,
                          style=preset, media=ev.media)[0]
    brand = default_brand(font_path="/fonts/SourceSansPro-Semibold.ttf", primary_color="#F5F5F5",
                          accent_color="#FFC400", title_card="Gala Night 2026",
                          lower_third="Live from the main stage", logo_path="/media/brand/logo.png")
    tl = build_timelines(bp, aspect_ratios=[ratio], analysis=ev.analysis, media=ev.media,
                         style=preset, brand=brand, include_captions=True,
                         project_name="Gala Night", music_path="/media/music/bed.wav",
                         music_beats=[0.5 * i for i in range(80)])[0]
    assert len(tl.captions) >= 2
    return tl


def _check(name: str, text: str | bytes) -> None:
    path = GOLDEN / name
    data = text.encode("utf-8") if isinstance(text, str) else text
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.is_file(), f"missing golden file {path}: run with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from its golden file"


def test_every_format_has_a_golden_test() -> None:
    assert set(FORMATS) == set(EXPORTERS)


@pytest.mark.parametrize("ratio", ["16:9", "9:16", "1:1"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_recap_matches_golden_in_every_ratio(fmt: str, ratio: str) -> None:
    tl = _timeline("standard", ratio)
    name = f"recap_{ratio.replace(':', 'x')}.{EXPORTERS[fmt].EXTENSION}"
    _check(name, export_timeline(tl, fmt))


@pytest.mark.parametrize("fmt", ["xmeml", "fcpxml", "edl"])
def test_each_ratio_is_its_own_timeline(fmt: str) -> None:
    """The 9:16 and 1:1 exports are not the 16:9 one renamed (the frame size and the reframe
    differ), and the sequence says its frame size."""
    texts = {r: str(export_timeline(_timeline("standard", r), fmt)) for r in ("16:9", "9:16",
                                                                           "1:1")}
    assert len(set(texts.values())) == 3
    if fmt == "edl":  # the reframe the render makes, in the comments of each event
        assert "* REFRAME 16:9 1920X1080: WHOLE FRAME" in texts["16:9"]
        assert "* REFRAME 9:16 1080X1920: CROP 606X1080" in texts["9:16"]
        assert "* PAN: TO X " in texts["9:16"] and "* REFRAME 1:1 1080X1080" in texts["1:1"]
    if fmt == "xmeml":
        for ratio, text in texts.items():
            w, h = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}[ratio]
            chars = "<samplecharacteristics>" in text and f"<width>{w}</width>" in text
            assert chars and f"<height>{h}</height>" in text, ratio
            assert "<pixelaspectratio>square</pixelaspectratio>" in text, ratio


@pytest.mark.parametrize("fmt", ["otio", "fcpxml", "xmeml"])
def test_relative_paths_match_golden(fmt: str) -> None:
    tl = _timeline("cinematic", "16:9")
    out = export_timeline(tl, fmt, path_mode="relative", relative_to="/media")
    _check(f"recap_16x9_relative.{EXPORTERS[fmt].EXTENSION}", out)


def test_karaoke_ass_matches_golden() -> None:
    _check("recap_1x1_karaoke.ass", export_timeline(_timeline("energetic", "1:1"), "ass"))
