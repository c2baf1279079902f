"""Issue #18 point 2 clause by clause on the FCPXML: captions on the caption role, the music
bed ducked by volume keyframes, brand titles and the logo connected, and names unique per
deliverable, variant, ratio and revision."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from editron.edit.exporters import export_timeline
from editron.edit.exporters.fcpxml_story import CAPTION_ROLE
from tests.unit.test_export_golden import _timeline


def _root(tl: object) -> ET.Element:
    return ET.fromstring(str(export_timeline(tl, "fcpxml")))  # type: ignore[arg-type]


def test_captions_titles_logo_and_ducked_bed_are_in_the_story() -> None:
    tl = _timeline("standard", "9:16")
    root = _root(tl)
    captions = list(root.iter("caption"))
    assert len(captions) == len(tl.captions) and {c.get("role") for c in captions} == {
        CAPTION_ROLE}
    names = {t.get("name") for t in root.iter("title")}
    assert {"title card", "lower third"} <= names
    assert any(v.get("name") == "logo" for v in root.iter("video"))
    bed = next(c for c in root.iter("asset-clip") if c.get("audioRole") == "music")
    gain = float(bed.find("adjust-volume").get("amount", "").rstrip("dB"))  # type: ignore
    values = [float(k.get("value", "").rstrip("dB")) for k in bed.iter("keyframe")]
    assert len(values) >= 3 and min(values) < gain - 3, "the bed ducks under speech"
    assert max(values) == gain


def test_project_and_event_names_are_unique_per_deliverable_variant_ratio_revision() -> None:
    base = _timeline("standard", "16:9")
    others = [replace(base, deliverable="social"), replace(base, variant=2),
              _timeline("standard", "1:1"), replace(base, revision=2)]
    names = set()
    for tl in [base, *others]:
        root = _root(tl)
        event, project = root.find("./library/event"), root.find("./library/event/project")
        assert event is not None and project is not None
        names.add((event.get("name"), project.get("name")))
    assert len(names) == 5
