"""The handoff package: an edit session's timelines in every format and ratio with the media
they use, in one folder an editor can move anywhere and open.

Layout of ``DIR``::

    README.txt              what is here and which file each editor opens
    timelines/              <deliverable>[-<variant>]_<ratio>.<otio|fcpxml|xml|edl|srt|vtt|ass>
    media/                  the files the timelines use: hard links where the file system
                            allows, else copies (originals, or the proxies with ``proxies``)

Every media reference in ``timelines/`` is relative (``../media/<file>``), so the package
relinks wherever it goes. Proxies are smaller than the originals: a package of proxies has its
timelines' frame sizes and crop windows scaled to them, so the reframe still matches.
``editron run --out`` writes its timelines the same way, against the footage it delivers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import SessionStatus
from editron.domain.timeline import BrandPod, CropKeyframe, Timeline
from editron.errors import InvalidStateError
from editron.media.probe import probe
from editron.services.edit import session_timelines
from editron.services.timeline_exports import write_exports
from editron.services.timeline_media import localised
from editron.store import local_or_none

__all__ = ["README_NAME", "export_package", "package_timelines"]

README_NAME = "README.txt"


def _link(source: Path, target: Path) -> str:
    """Hard-link ``source`` as ``target`` (copy across file systems); how it was placed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if target.samefile(source) or target.stat().st_size == source.stat().st_size:
            return "kept"
        target.unlink()
    try:
        os.link(source, target)
        return "linked"
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)
        return "copied"


def _names(paths: Sequence[str]) -> dict[str, str]:
    """A unique file name in ``media/`` for each source path (a clash gets a number)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for path in dict.fromkeys(paths):
        name = Path(path).name
        stem, suffix = Path(name).stem, Path(name).suffix
        n = 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}{suffix}"
        taken.add(name.lower())
        out[path] = name
    return out


def _scaled(tl: Timeline, sizes: Mapping[str, tuple[int, int]]) -> Timeline:
    """The timeline against files of other sizes (proxies): crops scaled to them."""
    media = dict(tl.media)
    factors: dict[str, tuple[float, float]] = {}
    for fid, (w, h) in sizes.items():
        if fid in media:
            info = media[fid]
            factors[fid] = (w / info.width, h / info.height)
            media[fid] = replace(info, width=w, height=h)
    clips = tuple(replace(c, crop=tuple(
        CropKeyframe(k.frame, k.x * factors[c.file_id][0], k.y * factors[c.file_id][1],
                     k.w * factors[c.file_id][0], k.h * factors[c.file_id][1])
        for k in c.crop)) if c.file_id in factors else c for c in tl.clips)
    return replace(tl, media=media, clips=clips)


def _relocated(tl: Timeline, moved: Mapping[str, Path]) -> Timeline:
    media = {fid: replace(m, path=str(moved.get(m.path, Path(m.path)))) for fid, m in
             tl.media.items()}
    music = tl.music
    if music is not None and music.path in moved:
        music = replace(music, path=str(moved[music.path]))
    brand: BrandPod | None = tl.brand
    if brand is not None and brand.logo_path and brand.logo_path in moved:
        brand = replace(brand, logo_path=str(moved[brand.logo_path]))
    return replace(tl, media=media, music=music, brand=brand)


def package_timelines(root: Path, timelines: Sequence[Timeline], *, variants: int,
                      sources: Mapping[str, str] | None = None,
                      sizes: Mapping[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """Place the media of ``timelines`` in ``root/media`` and write every export into
    ``root/timelines`` against them. ``sources`` replaces a file's path (a proxy's, by file
    id) and ``sizes`` gives that file's frame size. Earlier files in ``timelines/`` stay, so
    several sessions can share one package."""
    sources = dict(sources or {})
    chosen = [_scaled(tl, sizes) if sizes else tl for tl in timelines]
    chosen = [replace(tl, media={fid: replace(m, path=sources.get(fid, m.path))
                                 for fid, m in tl.media.items()}) for tl in chosen]
    used: list[str] = []
    for tl in chosen:
        used += [tl.media[c.file_id].path for c in tl.clips]
        if tl.music is not None:
            used.append(tl.music.path)
        if tl.brand is not None and tl.brand.logo_path:
            used.append(tl.brand.logo_path)
    names = _names([p for p in used if Path(p).is_file()])
    media_dir = root / "media"
    placed = {path: _link(Path(path), media_dir / name) for path, name in names.items()}
    moved = {path: media_dir / name for path, name in names.items()}
    relocated = [_relocated(tl, moved) for tl in chosen]
    exports = write_exports(root / "timelines", relocated, variants=variants, relative=True,
                            merge=True)
    exports["media"] = [{"path": str(moved[p]), "source": p, "placed": how}
                        for p, how in placed.items()]
    return exports


def _proxies(session_id: str, file_ids: Sequence[str], settings: Settings
             ) -> tuple[dict[str, str], dict[str, tuple[int, int]]]:
    with db(settings) as session:
        rows = repos.files.get_files(session, file_ids)
        stored = {r.id: r.proxy_path for r in rows if r.proxy_path}
    found = {fid: local_or_none(settings, key) for fid, key in stored.items()}
    paths = {fid: str(path) for fid, path in found.items() if path is not None}
    missing = sorted(set(file_ids) - set(paths))
    if missing:
        raise InvalidStateError(f"edit session {session_id}: no proxy on disk for "
                                f"{len(missing)} file(s); package the originals instead")
    sizes = {}
    for fid, path in paths.items():
        p = probe(Path(path))
        sizes[fid] = (p.width or 0, p.height or 0)
    return paths, sizes


def _readme(tls: Sequence[Timeline], exports: Mapping[str, Any], proxies: bool) -> str:
    first = tls[0]
    lines = [
        f"{first.name}: {first.deliverable} edit, revision {first.revision}",
        "",
        "timelines/ holds one file per format, variant and aspect ratio:",
        "  .fcpxml  Final Cut Pro (File > Import > XML), FCPXML 1.10",
        "  .xml     Premiere Pro and DaVinci Resolve (Final Cut Pro 7 XML)",
        "  .otio    OpenTimelineIO (Resolve, Hiero, RV, otioview)",
        "  .edl     CMX3600 edit decision list, one per ratio; reframes are in its comments",
        "  .srt .vtt .ass  the captions, timed to the edit",
        "media/ holds the " + ("proxies" if proxies else "original files") +
        " the timelines use; every reference is relative, so keep the two folders side by "
        "side and move them together. If an editor asks where a file is, point it at media/.",
        f"Record timecode starts at {first.start_timecode} (drop-frame at 29.97 and 59.94).",
        "Clip names give the source file and the timecode of the clip's first frame.",
    ]
    if proxies:
        lines.append("These are proxies: relink to the originals before finishing.")
    for err in exports.get("errors", []):
        lines.append(f"Not written: {err['format']} for {err['aspect_ratio']} "
                     f"v{err['variant']}: {err['error']}")
    return "\n".join(lines) + "\n"


def export_package(*, session_id: str, out: Path, proxies: bool = False,
                   start_tc: str | None = None, settings: Settings | None = None
                   ) -> dict[str, Any]:
    """Write the handoff package of one edit session into ``out`` (see the module docstring).
    Returns ``{session_id, package, readme, files, media, errors}``."""
    settings = ready(settings)
    public, timelines = session_timelines(session_id, settings=settings)
    if public.status in (SessionStatus.ASSEMBLING, SessionStatus.FAILED) or not timelines:
        raise InvalidStateError(f"edit session {session_id} is {public.status}; nothing to "
                                "package yet")
    timelines = [localised(t, settings) for t in timelines]  # the media copied in below
    if start_tc:
        timelines = [replace(t, start_timecode=start_tc) for t in timelines]
    sources: dict[str, str] = {}
    sizes: dict[str, tuple[int, int]] = {}
    if proxies:
        ids = list(dict.fromkeys(c.file_id for t in timelines for c in t.clips))
        sources, sizes = _proxies(session_id, ids, settings)
    out = out.expanduser().absolute()
    exports = package_timelines(out, timelines, variants=public.variants, sources=sources,
                                sizes=sizes)
    readme = out / README_NAME
    readme.write_text(_readme(timelines, exports, proxies), encoding="utf-8")
    return {"session_id": session_id, "package": str(out), "readme": str(readme),
            "files": exports["files"], "media": exports["media"], "errors": exports["errors"]}

