"""One poll of a watched Dropbox folder: what is new in it (the whole folder, recursively, the
first time; ``list_folder/continue`` from the saved cursor after that) is downloaded through
temporary links into a staging folder, checked against Dropbox's ``content_hash``, and
ingested as ONE batch, so an event's clips arrive together. Non-media files are skipped; a
poll that finds nothing creates no batch.

The staging folder is named after the cursor the poll started from, so a poll retried after a
crash resumes its partial downloads and finds the batch it already made instead of making a
second one. The cursor only moves once the batch exists. Staging folders are removed by a
later poll once their batch has finished ingesting (hot and warm copy the files in); for the
cold tier the staging folder *is* the kept-at-source copy, so it stays."""

from __future__ import annotations

import hashlib
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.models import MediaBatch
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.status import BatchStatus, StorageTier
from editron.dropbox.client import DropboxClient, DropboxEntry, FolderListing
from editron.dropbox.content_hash import content_hash
from editron.errors import (
    DownloadError,
    DropboxCursorReset,
    IngestError,
    InputError,
    InvalidStateError,
    LimitExceededError,
)
from editron.ingest.download import download_to
from editron.ingest.limits import BatchBudget
from editron.ingest.mediatypes import is_media_name
from editron.jobs.registry import operation
from editron.services.ingest import ingest_media_batch
from editron.services.sources import POLL_OPERATION, PollJob, list_sources

__all__ = ["PollResult", "poll_all_active", "poll_dropbox_source"]

log = logging.getLogger(__name__)


_UNFINISHED = (BatchStatus.QUEUED.value, BatchStatus.DOWNLOADING.value)


class PollResult(BaseModel):
    """What one poll found: the batch it made (if any), the files in it, what it skipped."""

    source_id: str
    first_poll: bool = False
    batch_id: str | None = None
    new_files: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    paused: bool = False
    error: str | None = None


def _relative(folder: str, entry: DropboxEntry) -> str | None:
    """The entry's path inside ``folder`` (as Dropbox displays it), or None if it is outside
    the folder or has a name that cannot be a local path."""
    base = folder.lower().rstrip("/") + "/"
    if not entry.path_lower.startswith(base):
        return None
    depth = len([s for s in folder.split("/") if s])
    segments = [s for s in entry.path_display.split("/") if s][depth:]
    if not segments or any(s in (".", "..") or "\\" in s or s.startswith(".")
                           for s in segments):
        return None
    return "/".join(segments)


def _staging_root(settings: Settings, source_id: str) -> Path:
    return settings.home_dir / "dropbox" / source_id


def _staging_key(cursor: str | None) -> str:
    return "poll-" + hashlib.sha256((cursor or "first").encode()).hexdigest()[:16]


def _batch_from(session: Session, folder: Path) -> MediaBatch | None:
    return repos.batches.find_by_source(session, str(folder.resolve()))


def _ingested_files(session: Session, settings: Settings, source_id: str
                    ) -> set[tuple[str | None, str | None]]:
    """(relative path, content hash) of every file the source's polls brought in."""
    root = str(_staging_root(settings, source_id).resolve())
    batches = repos.batches.list_by_source_prefix(session, root + "/")
    return {(relative, content_hash) for batch in batches
            for relative, content_hash in ((batch.batch_metadata or {}).get("dropbox_files")
                                           or {}).items()}


def _clean_staging(settings: Settings, source_id: str, *, keep: str) -> None:
    """Remove staging folders whose batch copied them in (or that a moved cursor orphaned)."""
    root = _staging_root(settings, source_id)
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != keep):
        with db(settings) as session:
            batch = _batch_from(session, folder)
            done = batch is None or (batch.status not in _UNFINISHED
                                     and batch.storage_tier != StorageTier.COLD.value)
        if done:
            shutil.rmtree(folder, ignore_errors=True)


def _fetch(client: DropboxClient, entry: DropboxEntry, dest: Path, *,
           settings: Settings) -> None:
    if dest.is_file() and entry.content_hash and content_hash(dest) == entry.content_hash:
        return  # fetched by an earlier attempt of this poll
    link = client.get_temporary_link(entry.path_lower)
    download_to(link, dest, settings=settings, checksum=True)
    if entry.content_hash and content_hash(dest) != entry.content_hash:
        dest.unlink(missing_ok=True)
        raise IngestError(f"dropbox:{entry.path_display}: the downloaded bytes do not match "
                          "Dropbox's content_hash; the file may have changed while it "
                          "downloaded. Poll again", path=f"dropbox:{entry.path_display}")


def _check_size(wanted: list[tuple[DropboxEntry, str]], *, settings: Settings,
                folder: str) -> None:
    """Refuse a poll whose new files pass the batch limit before any is downloaded (the
    ingest of the staged folder would refuse it anyway, after the downloads)."""
    BatchBudget(settings.max_batch_bytes, f"dropbox:{folder}").spend(
        sum(entry.size for entry, _ in wanted))


def poll_dropbox_source(source_id: str, *, settings: Settings | None = None,
                        defer_ingest: bool = True, skip_paused: bool = False,
                        client: DropboxClient | None = None) -> PollResult:
    """Bring in what is new in one watched folder as one batch (see the module docstring).

    ``defer_ingest`` queues the batch's ingest (as a poll on the queue does); without it the
    batch is ingested here. ``skip_paused`` makes a paused source a no-op rather than an error.
    """
    settings = ready(settings)
    with db(settings) as session:
        row = repos.dropbox_sources.get_dropbox_source(session, source_id)
        if not row.active:
            if skip_paused:
                return PollResult(source_id=source_id, paused=True)
            raise InvalidStateError(f"Dropbox source {source_id} is paused; resume it first")
        folder, token, cursor = row.folder_path, row.access_token, row.cursor
        tier, project_id = row.storage_tier, row.project_id
    client = client or DropboxClient.for_settings(settings, token=token)
    key = _staging_key(cursor)
    _clean_staging(settings, source_id, keep=key)
    result = PollResult(source_id=source_id, first_poll=cursor is None)
    listing = _list_changes(client, settings, source_id, folder, cursor)
    wanted: list[tuple[DropboxEntry, str]] = []
    for entry in listing.files:
        relative = _relative(folder, entry)
        if relative is None or not is_media_name(entry.name):
            result.skipped.append(relative or entry.path_display)
        else:
            wanted.append((entry, relative))
    staging = _staging_root(settings, source_id) / key
    if wanted:
        result.batch_id = _batch_of_new_files(client, settings, wanted, staging, folder=folder,
                                              tier=tier, project_id=project_id,
                                              defer_ingest=defer_ingest)
        result.new_files = [relative for _, relative in wanted]
    _record_poll(settings, source_id, folder, listing, result)
    return result


def _list_changes(client: DropboxClient, settings: Settings, source_id: str, folder: str,
                  cursor: str | None) -> FolderListing:
    """The folder's files on a first poll, else what changed since ``cursor``."""
    if cursor is None:
        return client.list_folder(folder)
    try:
        return client.list_folder_continue(folder, cursor)
    except DropboxCursorReset:
        # The cursor expired: list again, keeping only files this source has not already
        # ingested with the same content (Dropbox's times are to the second, too coarse
        # to tell a file added just after the last poll from one added just before it).
        log.warning("Dropbox cursor of source %s expired; listing %s again", source_id,
                    folder)
        listing = client.list_folder(folder)
        with db(settings) as session:
            known = _ingested_files(session, settings, source_id)
        listing.files = [f for f in listing.files
                         if (_relative(folder, f), f.content_hash) not in known]
        return listing


def _batch_of_new_files(client: DropboxClient, settings: Settings,
                        wanted: list[tuple[DropboxEntry, str]], staging: Path, *, folder: str,
                        tier: str, project_id: str | None, defer_ingest: bool) -> str:
    """The batch of ``wanted``: the one an earlier try of this poll made from ``staging``,
    else one made now from the files fetched into it."""
    with db(settings) as session:
        made = _batch_from(session, staging) if staging.is_dir() else None
        batch_id = made.id if made is not None else None
    if batch_id is not None:
        return batch_id
    _check_size(wanted, settings=settings, folder=folder)
    for entry, relative in wanted:
        _fetch(client, entry, staging / relative, settings=settings)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    batch = ingest_media_batch(
        source_url=str(staging.resolve()),
        reference_name=f"{folder.rsplit('/', 1)[-1]} {stamp}",
        storage_tier=tier, project_id=project_id, settings=settings,
        defer=defer_ingest)
    with db(settings) as session:  # what this poll brought in, for a cursor reset
        made = repos.batches.get_batch(session, batch.batch_id)
        repos.batches.update_batch(session, made, metadata={"dropbox_files": {
            relative: entry.content_hash for entry, relative in wanted}})
    return batch.batch_id


def _record_poll(settings: Settings, source_id: str, folder: str, listing: FolderListing,
                 result: PollResult) -> None:
    """Keep the new cursor and log the poll as an event."""
    with db(settings) as session:
        row = repos.dropbox_sources.get_dropbox_source(session, source_id)
        repos.dropbox_sources.mark_polled(session, row, cursor=listing.cursor)
        append_event(session, entity_type="dropbox_source", entity_id=source_id,
                     event_type="dropbox_source.polled", project_id=row.project_id,
                     batch_id=result.batch_id,
                     payload={"folder_path": folder, "first_poll": result.first_poll,
                              "batch_id": result.batch_id, "new_files": len(result.new_files),
                              "skipped": len(result.skipped)})
    log.info("polled dropbox:%s: %d new media file(s), %d skipped%s", folder,
             len(result.new_files), len(result.skipped),
             f", batch {result.batch_id}" if result.batch_id else "")


def poll_all_active(settings: Settings | None = None, *,
                    defer_ingest: bool = True) -> list[PollResult]:
    """Poll every active source here, one after another; a failing source does not stop the
    others (its reason is in its result). The periodic monitor's body."""
    settings = ready(settings)
    results = []
    for source in list_sources(settings=settings, active=True):
        try:
            results.append(poll_dropbox_source(source.id, settings=settings,
                                               defer_ingest=defer_ingest, skip_paused=True))
        except (IngestError, InputError, LimitExceededError) as exc:
            log.warning("poll of dropbox:%s failed: %s", source.folder_path, exc)
            results.append(PollResult(source_id=source.id, error=str(exc)))
    return results


# Dropbox or a temporary link out of reach after every retry is worth a later attempt.
@operation(POLL_OPERATION, PollJob, transient=(OSError, TimeoutError, DownloadError),
           queue="ingest")
def _run_poll(job: PollJob, settings: Settings) -> None:
    # A source paused after the poll was queued is left alone, not failed.
    poll_dropbox_source(job.source_id, settings=settings, skip_paused=True)
