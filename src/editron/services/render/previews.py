"""Review previews: a small, fast render of every timeline of a session from the proxies
(originals where a proxy is missing), stored on the session as preview_paths. Captions are
not burned in: they are a track beside the preview, for the reviewer to turn on and off."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.timeline import Timeline
from editron.edit.exporters import export_timeline
from editron.media.ffmpeg import run_ffmpeg
from editron.media.probe import declared_start, probe
from editron.render.graph import build_render_args
from editron.render.profiles import profile_for
from editron.render.segments import RenderSource
from editron.services.render.job import sources_for
from editron.services.timeline_exports import deliverable_filename
from editron.store import local_or_none, publish

__all__ = ["preview_render_args", "render_previews"]


def render_previews(session_id: str, *, settings: Settings | None = None,
                    should_cancel: Callable[[], bool] | None = None) -> dict[str, str]:
    """A small fast render of every timeline from the proxies (originals where a proxy is
    missing), for review in the dashboard; stored on the session as ``preview_paths``."""
    settings = ready(settings)
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id)
        timelines = [Timeline.from_dict(t) for t in edit.timelines]
        stored = {f.id: f.proxy_path for f in repos.files.list_files(session, edit.batch_id)}
        folder = settings.batch_dir(edit.batch_id) / "edits" / session_id / "previews"
        variants = edit.variants
    folder.mkdir(parents=True, exist_ok=True)
    # Keys through the media store (fetched into this worker's cache on S3); None: no proxy.
    found = {fid: local_or_none(settings, key) for fid, key in stored.items()}
    proxies = {fid: str(path) if path is not None else None for fid, path in found.items()}

    def one(tl: Timeline) -> tuple[str, str]:
        return f"{tl.aspect_ratio} v{tl.variant}", str(_preview(
            tl, proxies, folder, variants=variants, settings=settings,
            should_cancel=should_cancel))

    # Each preview's ffmpeg keeps about one core busy (a 360p ultrafast encode is cheap; the
    # graph is mostly serial), so the timelines render side by side, one per core.
    workers = max(1, min(len(timelines), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preview") as pool:
        paths = {name: publish(settings, Path(local))  # keys, in the media store
                 for name, local in pool.map(one, timelines)}
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id)
        repos.edit_sessions.update_edit_session(session, edit, preview_paths=paths)
    return paths


def preview_render_args(tl: Timeline, proxies: dict[str, str | None], output: Path, *,
                        settings: Settings | None = None) -> list[str]:
    """The ffmpeg arguments of one timeline's preview: from the proxies (originals where a
    proxy is missing), at the preview profile, and with no captions burned in. The reviewer
    turns captions on and off in the player (the dashboard serves them as a WebVTT track,
    and a desktop player picks up the ``.vtt`` written beside the preview); burned into the
    picture they could not be turned off. The final render burns them. ``settings`` finds
    the originals through the media store (a saved timeline names them by key)."""
    sources = sources_for(tl, settings=settings)
    for file_id, src in list(sources.items()):
        proxy = proxies.get(file_id)
        if proxy and Path(proxy).is_file():
            p = probe(Path(proxy))
            sources[file_id] = RenderSource(Path(proxy), p.width or src.width,
                                            p.height or src.height, src.has_audio,
                                            declared_start(Path(proxy)))
    profile = profile_for(tl.aspect_ratio, "mp4", "preview")
    return build_render_args(tl, profile, sources=sources, output=output)


def _preview(tl: Timeline, proxies: dict[str, str | None], folder: Path, *, variants: int,
             settings: Settings, should_cancel: Callable[[], bool] | None) -> Path:
    """One timeline's preview, written whole or not at all, with its captions beside it."""
    name = deliverable_filename(tl.deliverable, tl.variant, tl.aspect_ratio, "mp4",
                                variants=variants)
    # A name of its own per render: the queue's assembly and a reviewer's first request may
    # make the same preview at once, and each must finish (the last rename wins, whole).
    part = folder / f".{name}.{uuid.uuid4().hex[:8]}.part.mp4"
    try:
        run_ffmpeg(preview_render_args(tl, proxies, part, settings=settings),
                   duration=tl.duration,
                   should_cancel=should_cancel, timeout=settings.render_timeout_seconds,
                   label="preview", path=part)
        part.replace(folder / name)
    finally:
        part.unlink(missing_ok=True)
    sidecar = (folder / name).with_suffix(".vtt")
    if tl.captions:
        sidecar.write_text(str(export_timeline(tl, "vtt")), encoding="utf-8")
    else:
        sidecar.unlink(missing_ok=True)
    return folder / name
