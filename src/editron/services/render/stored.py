"""A finished render in the media store: the file that passed QC (and, for a timeline with
captions, its ``.srt`` and ``.vtt`` sidecars) under ``batches/<batch>/renders/<job>/``, and
the job's ``output_key`` naming it, so any host serves the download from the store rather
than the disk of the worker that rendered it (or of the API host, where the old default
destination lay)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.timeline import Timeline
from editron.edit.exporters import export_timeline
from editron.errors import InputError, NotFoundError
from editron.store import batch_key, join_key, local_or_none, media_store

__all__ = ["output_file", "render_folder", "render_output", "store_render"]

SIDECARS = ("srt", "vtt")


def render_folder(batch_id: str, job_id: str) -> str:
    """The job's folder key in the media store."""
    return batch_key(batch_id, "renders", job_id)


def store_render(settings: Settings, *, batch_id: str, job_id: str, output: Path,
                 timeline: Timeline) -> str:
    """Put the rendered ``output`` (and its caption sidecars, written beside it) into the
    media store; the file's key. Replaces what an earlier attempt of the job put there."""
    folder = render_folder(batch_id, job_id)
    store = media_store(settings)
    if timeline.captions:
        for fmt in SIDECARS:
            side = output.with_suffix(f".{fmt}")
            side.write_text(str(export_timeline(timeline, fmt)), encoding="utf-8")
            store.put_file(join_key(folder, side.name), side)
    key = join_key(folder, output.name)
    store.put_file(key, output)  # last: once the key is there, the whole set is
    return key


def render_output(job_id: str, *, settings: Settings | None = None) -> Path:
    """A local, readable copy of the job's rendered file, through the media store (fetched
    into this host's cache on S3); a job from before the store by its delivered file."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        key, status = row.output_key, row.status
    if key:
        local = local_or_none(settings, key)
        if local is None:
            raise NotFoundError("render output", key)
        return local
    if status != "complete":
        raise NotFoundError("render output", f"{job_id} ({status}: nothing rendered yet)")
    return output_file(job_id, 0, settings=settings)


def output_file(job_id: str, index: int, *, settings: Settings | None = None) -> Path:
    """A render job's delivered file: in the media store (``store:<key>``), or delivered to
    a folder on this machine."""
    settings = ready(settings)
    with db(settings) as session:
        urls = list(repos.render_jobs.get_render_job(session, job_id).output_urls)
    if not 0 <= index < len(urls):
        raise NotFoundError("render output", f"{job_id} #{index}")
    url = str(urls[index])
    parts = urlsplit(url)
    if parts.scheme == "store":
        found = local_or_none(settings, parts.path)
        if found is None:
            raise NotFoundError("render output", url)
        return found
    if parts.scheme not in ("", "file"):
        raise InputError(f"output {url} is not on this machine; open it at its destination")
    local = Path(unquote(parts.path))
    if not local.is_file():
        raise NotFoundError("render output", url)
    return local
