"""Named style presets (``reference_style``) and the default brand pod.

The caption font is Source Sans Pro (SIL OFL 1.1), shipped inside the PyPI package
``font-source-sans-pro``, so burn-in never depends on the fonts of the machine it runs on.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from editron.domain.timeline import BrandPod, StylePreset
from editron.errors import InputError

__all__ = [
    "BUNDLED_FONT_NAME",
    "PRESETS",
    "TONES",
    "bundled_font_path",
    "default_brand",
    "describe_style",
    "get_style",
    "style_for_tone",
]

BUNDLED_FONT_NAME = "Source Sans Pro"
_FONT_PACKAGE = "font_source_sans_pro"
_FONT_FILE = "SourceSansPro-Semibold.ttf"

PRESETS: dict[str, StylePreset] = {
    p.name: p
    for p in (
        StylePreset("standard", "medium", 2.0, 6.0, "cut", 0.0, "standard"),
        StylePreset("energetic", "fast", 1.0, 3.0, "cut", 0.0, "karaoke", -9.0),
        StylePreset("cinematic", "slow", 3.0, 9.0, "crossfade", 0.5, "standard", -12.0),
        StylePreset("documentary", "slow", 3.0, 12.0, "dip_to_black", 0.4, "standard", -20.0),
        StylePreset("social", "fast", 0.8, 2.5, "cut", 0.0, "karaoke", -10.0),
        StylePreset("celebratory", "fast", 1.0, 3.5, "cut", 0.0, "karaoke", -8.0),
        StylePreset("corporate", "medium", 2.5, 7.0, "crossfade", 0.3, "standard", -16.0),
    )
}

# The brief's ``tone`` in a person's words -> the preset that carries it (pace, music level,
# caption style). The first word of the tone that names one wins.
TONES: dict[str, str] = {
    **dict.fromkeys(("celebratory", "celebration", "festive", "party", "fun", "joyful",
                     "upbeat", "exciting", "hype"), "celebratory"),
    **dict.fromkeys(("energetic", "high-energy", "lively", "dynamic"), "energetic"),
    **dict.fromkeys(("corporate", "professional", "business", "formal", "polished",
                     "executive"), "corporate"),
    **dict.fromkeys(("documentary", "journalistic", "informative", "authentic", "candid",
                     "observational"), "documentary"),
    **dict.fromkeys(("cinematic", "emotional", "epic", "moody", "elegant", "dramatic"),
                    "cinematic"),
}


def style_for_tone(tone: str | None) -> StylePreset | None:
    """The preset a brief's tone names ("celebratory, fun" -> celebratory), else ``None``."""
    for word in re.findall(r"[a-z][a-z-]*", (tone or "").lower()):
        if word in TONES:
            return PRESETS[TONES[word]]
    return None


def describe_style(style: StylePreset) -> str:
    """What a preset does, in a person's words (cited on the session)."""
    return (f"{style.pace} pace ({style.min_shot_seconds:g}-{style.max_shot_seconds:g} s "
            f"shots), {style.transition.replace('_', ' ')} transitions, {style.caption_style} "
            f"captions, music at {style.music_gain_db:g} dB")


def get_style(name: str | None) -> StylePreset:
    """The preset called ``name`` (``None`` or empty means ``standard``)."""
    key = (name or "standard").strip().lower()
    try:
        return PRESETS[key]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise InputError(f"unknown style {name!r}; known styles: {known}") from None


def bundled_font_path() -> Path:
    """Absolute path of the bundled caption font."""
    try:
        root = resources.files(_FONT_PACKAGE)
    except ModuleNotFoundError as exc:
        raise InputError(f"the caption font package {_FONT_PACKAGE!r} is not installed") from exc
    path = Path(str(root / "files" / _FONT_FILE))
    if not path.is_file():
        raise InputError(f"the bundled caption font is missing: {path}", path=str(path))
    return path


def default_brand(**overrides: object) -> BrandPod:
    """The brand pod used when a project has none: bundled font, white text, amber accent."""
    fields: dict[str, object] = {"font_path": str(bundled_font_path()), **overrides}
    return BrandPod(**fields)  # type: ignore[arg-type]
