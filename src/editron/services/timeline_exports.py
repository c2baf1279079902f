"""The timeline exports written beside every edit session, one file per format and timeline.

A format that cannot express one timeline (CMX3600 at 15 fps) or fails on it is recorded on
the session's ``exports`` document under ``errors`` (format, variant, ratio, kind, reason),
and every other file is still written: an edit session never fails because of one export.

A session's exports are written under the storage folder
(``batches/<batch>/edits/<session>/<name>``) and put into the media store
(:func:`publish_exports`); the ``exports`` document keeps their keys, so any host (an API
host with no shared disk) reads them through the store.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from editron.config import Settings
from editron.domain.timeline import Timeline
from editron.edit.exporters import EXPORTERS, export_formats, export_timeline
from editron.errors import ExportUnavailableError
from editron.store import publish, stored_value

__all__ = ["deliverable_filename", "publish_exports", "write_exports"]

log = logging.getLogger(__name__)


def deliverable_filename(deliverable: str, variant: int, ratio: str, ext: str,
                         *, variants: int = 1) -> str:
    """``highlight-2_9x16.mp4``: the variant shows when the deliverable has several."""
    stem = f"{deliverable}-{variant}" if variants > 1 else deliverable
    return f"{stem}_{ratio.replace(':', 'x')}.{ext}"


def _write(target: Path, data: str | bytes) -> None:
    if isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, encoding="utf-8")


def write_exports(folder: Path, timelines: Sequence[Timeline], *, variants: int,
                  formats: Sequence[str] | None = None, relative: bool = False,
                  merge: bool = False) -> dict[str, Any]:
    """Every format (by default every registered one: the editor picks the one their tool
    opens) for every timeline, written under a temporary folder and swapped in whole, so a
    crash never leaves half a set behind. With ``relative`` the media references are
    relative to ``folder``; with ``merge`` the files join those already in ``folder``."""
    staging = folder.with_name(folder.name + ".part")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    exports: dict[str, Any] = {"folder": str(folder), "files": [], "errors": []}
    chosen = [EXPORTERS[f] for f in (formats or export_formats()) if f in EXPORTERS]
    for tl in timelines:
        for exporter in chosen:
            if exporter.CAPTIONS and not tl.captions:
                continue
            fmt = exporter.NAME
            name = deliverable_filename(tl.deliverable, tl.variant, tl.aspect_ratio,
                                        exporter.EXTENSION, variants=variants)
            where = {"format": fmt, "variant": tl.variant, "aspect_ratio": tl.aspect_ratio}
            try:
                data = export_timeline(tl, fmt, path_mode="relative" if relative else
                                       "absolute",
                                       relative_to=str(folder.absolute()) if relative else None)
            except ExportUnavailableError as exc:
                exports["errors"].append({**where, "kind": "unavailable", "error": exc.message})
                continue
            except Exception as exc:  # one format's bug must not cost the session its others
                log.warning("export %s of %s %s failed: %s", fmt, tl.deliverable,
                            tl.aspect_ratio, exc)
                exports["errors"].append({**where, "kind": "failed",
                                          "error": f"{type(exc).__name__}: {exc}"})
                continue
            _write(staging / name, data)
            exports["files"].append({**where, "path": str(folder / name)})
    if merge:
        folder.mkdir(parents=True, exist_ok=True)
        for item in staging.iterdir():
            item.replace(folder / item.name)
        staging.rmdir()
        return exports
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return exports


def publish_exports(settings: Settings, exports: dict[str, Any]) -> dict[str, Any]:
    """Put every file ``write_exports`` wrote (under the storage folder) into the media
    store; the document with keys in place of this host's paths (``folder`` and each
    file's ``path``)."""
    files = [{**item, "path": publish(settings, Path(item["path"]))}
             for item in exports.get("files", [])]
    return {**exports, "folder": stored_value(settings, exports["folder"]), "files": files}
