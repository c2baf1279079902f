"""The FCPXML exports against the elements and attributes of FCPXML 1.10 (``tests/
fcpxml_structure.py``), and that check itself catching what Final Cut would reject."""

from __future__ import annotations

import pytest

from editron.edit.exporters import export_timeline
from tests.fcpxml_structure import check
from tests.unit.test_export_golden import _timeline


@pytest.mark.parametrize("ratio", ["16:9", "9:16", "1:1"])
@pytest.mark.parametrize("style", ["standard", "cinematic", "energetic"])
def test_every_ratio_conforms_to_fcpxml_1_10(ratio: str, style: str) -> None:
    text = str(export_timeline(_timeline(style, ratio), "fcpxml"))
    for tag in ("<caption ", "<title ", "<video ", 'audioRole="music"'):
        assert tag in text, f"{tag} is exported"
    assert check(text) == []


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t.replace('tcFormat="DF"', 'tcFormat="drop"', 1), "tcFormat='drop'"),
    (lambda t: t.replace("<asset-clip ", '<asset-clip colour="red" ', 1), "'colour'"),
    (lambda t: t.replace('role="iTT?captionFormat=ITT.en"', 'role="x" rol="y"', 1), "'rol'"),
    (lambda t: t.replace('<media-rep kind="original-media" ', "<media-rep ", 1)
     .replace(' src="file:///media/event/clip_1.mp4"', "", 1), "'src' is missing"),
    (lambda t: t.replace('ref="r3"', 'ref="r99"', 1), "names no id"),
    (lambda t: t.replace("<spine>", "<spine><flash />", 1), "not an element"),
])
def test_the_check_finds_what_final_cut_rejects(change: object, problem: str) -> None:
    text = str(export_timeline(_timeline("standard", "9:16"), "fcpxml"))
    assert check(text) == []
    broken = change(text)  # type: ignore[operator]
    assert broken != text
    assert any(problem in p for p in check(broken)), check(broken)


def test_the_check_enforces_child_order() -> None:
    text = str(export_timeline(_timeline("standard", "9:16"), "fcpxml"))
    # an adjust-transform after a connected caption breaks the asset-clip content model
    start = text.index("<adjust-transform")
    end = text.index("</asset-clip>", start)
    clip_body = text[start:end]
    first_transform_end = clip_body.index("/>") + 2 if clip_body.startswith(
        "<adjust-transform scale") and "/>" in clip_body.split("\n")[0] else None
    assert first_transform_end is not None
    transform, rest = clip_body[:first_transform_end], clip_body[first_transform_end:]
    moved = text[:start] + rest + transform + text[end:]
    assert any("too late" in p for p in check(moved))
