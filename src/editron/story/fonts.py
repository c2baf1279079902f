"""The caption font for each script: the brand's font (Source Sans Pro unless the project
chose another) for Latin, Greek and Cyrillic, and a Noto font from the Debian packages
``fonts-noto-core`` and ``fonts-noto-cjk`` (``scripts/setup.sh`` installs them) for Arabic,
Hebrew, Chinese and Japanese, Korean, Thai and Devanagari, which a Latin font does not cover.

``fonts_folder`` gathers the files a burn-in needs into one folder (links, nothing copied),
which the render hands libass as ``fontsdir``, so the fonts used are exactly these.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from editron.domain.timeline import BrandPod
from editron.errors import ConfigError

__all__ = ["FONT_ROOTS", "CaptionFont", "caption_font", "fonts_folder"]

# Where Debian puts the Noto packages' files (EDITRON_FONT_ROOTS, os.pathsep-separated,
# adds folders before them).
FONT_ROOTS: tuple[Path, ...] = (Path("/usr/share/fonts/truetype/noto"),
                                Path("/usr/share/fonts/opentype/noto"),
                                Path("/usr/local/share/fonts"), Path.home() / ".fonts")


@dataclass(frozen=True, slots=True)
class CaptionFont:
    family: str  # the name libass looks the font up by (the ASS style's Fontname)
    files: tuple[str, ...]  # the regular file first, then the bold one (or the same)
    package: str  # what provides it, for the message when it is missing


# script -> (family, regular file, bold file, Debian package)
_NOTO: dict[str, tuple[str, str, str, str]] = {
    "arabic": ("Noto Sans Arabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
               "fonts-noto-core"),
    "hebrew": ("Noto Sans Hebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf",
               "fonts-noto-core"),
    "thai": ("Noto Sans Thai", "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf",
             "fonts-noto-core"),
    "devanagari": ("Noto Sans Devanagari", "NotoSansDevanagari-Regular.ttf",
                   "NotoSansDevanagari-Bold.ttf", "fonts-noto-core"),
    # one collection holds every CJK face; the family picks the regional glyph forms
    "cjk": ("Noto Sans CJK SC", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc",
            "fonts-noto-cjk"),
    "japanese": ("Noto Sans CJK JP", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc",
                 "fonts-noto-cjk"),
    "hangul": ("Noto Sans CJK KR", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc",
               "fonts-noto-cjk"),
}


def _roots() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("EDITRON_FONT_ROOTS", "").split(os.pathsep) if p]
    return [*extra, *FONT_ROOTS]


def _find(name: str) -> Path | None:
    for root in _roots():
        if (root / name).is_file():
            return root / name
    return None


def caption_font(script: str, brand: BrandPod, *, japanese: bool = False) -> CaptionFont:
    """The font for captions in ``script`` (``edit.scripts.Script``); ``japanese``: CJK text
    with kana, drawn with Japanese glyph forms. ConfigError naming the package when the font
    a script needs is not installed."""
    key = "japanese" if script == "cjk" and japanese else script
    if key not in _NOTO:
        return CaptionFont(brand.font_name, (brand.font_path,), "the brand")
    family, regular, bold, package = _NOTO[key]
    found = [_find(regular), _find(bold)]
    if found[0] is None:
        raise ConfigError(f"captions in {script} need the {family} font ({regular}), which is "
                          f"not installed; install the Debian package {package} "
                          "(scripts/setup.sh does) or add its folder to EDITRON_FONT_ROOTS")
    return CaptionFont(family, tuple(str(p) for p in found if p is not None), package)


def fonts_folder(fonts: Iterable[CaptionFont], folder: Path) -> Path:
    """``folder`` holding a link to every file of ``fonts`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for font in fonts:
        for file in font.files:
            link = folder / Path(file).name
            if not link.exists():
                link.symlink_to(Path(file).resolve())
    return folder
