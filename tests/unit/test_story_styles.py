"""Style presets and the bundled open-licence font."""

from __future__ import annotations

import pytest

from editron.errors import InputError
from editron.story.styles import PRESETS, bundled_font_path, default_brand, get_style


def test_presets_cover_pace_transitions_and_caption_styles() -> None:
    assert {p.pace for p in PRESETS.values()} == {"slow", "medium", "fast"}
    assert {p.transition for p in PRESETS.values()} == {"cut", "crossfade", "dip_to_black"}
    assert {p.caption_style for p in PRESETS.values()} == {"standard", "karaoke"}
    for p in PRESETS.values():
        assert 0 < p.min_shot_seconds < p.max_shot_seconds
        assert (p.transition == "cut") == (p.transition_seconds == 0)
    fast, slow = get_style("energetic"), get_style("cinematic")
    assert fast.max_shot_seconds < slow.min_shot_seconds * 2


def test_get_style_defaults_and_rejects_unknown() -> None:
    assert get_style(None).name == "standard"
    assert get_style(" Cinematic ").name == "cinematic"
    with pytest.raises(InputError, match="known styles"):
        get_style("vaporwave")


def test_bundled_font_is_a_truetype_file_under_the_ofl() -> None:
    path = bundled_font_path()
    assert path.is_absolute() and path.suffix == ".ttf"
    assert path.read_bytes()[:4] in (b"\x00\x01\x00\x00", b"true")
    licence = (path.parent / "LICENSE.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License" in licence


def test_default_brand_uses_the_bundled_font() -> None:
    brand = default_brand(primary_color="#112233")
    assert brand.font_path == str(bundled_font_path())
    assert brand.primary_color == "#112233"
    assert 0 < brand.logo_opacity <= 1
