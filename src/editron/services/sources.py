"""Watched Dropbox folders: register, list, pause, poll, and the webhook that triggers polls.

A poll asks Dropbox what is new in the folder (the whole folder, recursively, the first time;
``list_folder/continue`` from the saved cursor after that), downloads the new media files
through temporary links into a staging folder, checks each against Dropbox's ``content_hash``,
and ingests that folder as ONE batch, so an event's clips arrive together for analysis and
editing. Non-media files are skipped. A poll that finds nothing creates no batch.

The staging folder is named after the cursor the poll started from, so a poll retried after a
crash resumes its partial downloads and finds the batch it already made instead of making a
second one. The cursor only moves once the batch exists. Staging folders are removed by a
later poll once their batch has finished ingesting (hot and warm copy the files in); for the
cold tier the staging folder *is* the kept-at-source copy, so it stays.

The access token is stored for the poller but never leaves this module: ``SourcePublic``
says only ``has_token``, events carry no token, and job arguments carry only the source id.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from editron.config import Settings, get_settings
from editron.db import repos
from editron.db.models import DropboxSource, MediaBatch
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.status import BatchStatus, StorageTier
from editron.dropbox.client import DropboxClient, DropboxEntry
from editron.dropbox.content_hash import content_hash
from editron.dropbox.webhook import check_signature, notified_accounts
from editron.errors import (
    DownloadError,
    DropboxCursorReset,
    IngestError,
    InputError,
    InvalidStateError,
)
from editron.ingest.download import download_to
from editron.ingest.mediatypes import is_media_name
from editron.jobs.app import enqueue
from editron.jobs.registry import JobPayload, operation, register_periodic
from editron.services.ingest import ingest_media_batch

__all__ = [
    "POLL_OPERATION",
    "PollResult",
    "SourcePublic",
    "add_dropbox_source",
    "get_source",
    "handle_dropbox_webhook",
    "list_sources",
    "poll_all_active",
    "poll_dropbox_source",
    "request_poll",
    "set_source_active",
]

log = logging.getLogger(__name__)
POLL_OPERATION = "poll_dropbox_source"


class PollJob(JobPayload):
    """A queued poll of one watched folder (the row carries the folder and its cursor)."""

    source_id: str
_UNFINISHED = (BatchStatus.QUEUED.value, BatchStatus.DOWNLOADING.value)


class SourcePublic(BaseModel):
    """A watched Dropbox folder as callers see it: never the access token."""

    id: str
    folder_path: str = Field(examples=["/Events/Gala 2026"])
    project_id: str | None
    account_id: str | None = Field(description="Dropbox account id the webhook names")
    storage_tier: str
    active: bool
    has_token: bool = Field(description="the source has its own access token (else "
                                        "EDITRON_DROPBOX_TOKEN is used)")
    watching: bool = Field(description="a first poll has recorded a cursor")
    last_polled_at: str | None
    created_at: str

    @classmethod
    def of(cls, row: DropboxSource) -> SourcePublic:
        return cls(id=row.id, folder_path=row.folder_path, project_id=row.project_id,
                   account_id=row.account_id, storage_tier=row.storage_tier, active=row.active,
                   has_token=bool(row.access_token), watching=row.cursor is not None,
                   last_polled_at=row.last_polled_at, created_at=row.created_at)


class PollResult(BaseModel):
    """What one poll found: the batch it made (if any), the files in it, what it skipped."""

    source_id: str
    first_poll: bool = False
    batch_id: str | None = None
    new_files: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    paused: bool = False
    error: str | None = None


def _folder(text: str) -> str:
    """``/Events/Gala`` from what the user typed, or InputError saying what to write."""
    folder = text.strip()
    if not folder.startswith("/"):
        raise InputError(f"Dropbox folder {text!r} must start with '/', as /Events/Gala")
    segments = [s for s in folder.strip("/").split("/")]
    if segments == [""]:
        raise InputError("watching the whole Dropbox is not supported; give a folder such as "
                         "/Events/Gala")
    bad = [s for s in segments if s in ("", ".", "..") or "\\" in s
           or any(ord(c) < 32 or ord(c) == 127 for c in s)]
    if bad:
        raise InputError(f"Dropbox folder {text!r}: {bad[0]!r} is not a usable folder name; "
                         "write a path such as /Events/Gala 2026")
    if len(folder) > 1024:
        raise InputError("Dropbox folder path is longer than 1024 characters")
    return "/" + "/".join(segments)


def _tier(value: str) -> StorageTier:
    try:
        return StorageTier(value)
    except ValueError:
        raise InputError(f"unknown storage tier {value!r}: use one of hot, warm, cold") from None


def add_dropbox_source(*, folder_path: str, project_id: str | None = None,
                       account_id: str | None = None, access_token: str | None = None,
                       storage_tier: str = "hot",
                       settings: Settings | None = None) -> SourcePublic:
    """Start watching ``folder_path``; the first poll ingests what is already there."""
    folder = _folder(folder_path)
    tier = _tier(storage_tier)
    account = (account_id or "").strip() or None
    if account is not None and (len(account) > 128 or any(c.isspace() for c in account)):
        raise InputError(f"Dropbox account id {account_id!r} is not valid; it looks like "
                         "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc")
    settings = ready(settings)
    with db(settings) as session:
        if project_id is not None:
            repos.projects.get_project(session, project_id)
        for other in repos.dropbox_sources.list_dropbox_sources(session, account_id=account):
            if other.account_id == account and other.folder_path.lower() == folder.lower():
                raise InvalidStateError(f"{folder} is already watched (source {other.id}); "
                                        "resume that source instead")
        token = (access_token or "").strip() or None
        row = repos.dropbox_sources.create_dropbox_source(
            session, folder_path=folder, project_id=project_id, account_id=account,
            access_token=token, storage_tier=tier)
        return SourcePublic.of(row)


def get_source(source_id: str, *, settings: Settings | None = None) -> SourcePublic:
    settings = ready(settings)
    with db(settings) as session:
        return SourcePublic.of(repos.dropbox_sources.get_dropbox_source(session, source_id))


def list_sources(*, settings: Settings | None = None, active: bool | None = None,
                 project_id: str | None = None) -> list[SourcePublic]:
    settings = ready(settings)
    with db(settings) as session:
        return [SourcePublic.of(row) for row in
                repos.dropbox_sources.list_dropbox_sources(session, active=active,
                                                           project_id=project_id)]


def set_source_active(source_id: str, active: bool, *,
                      settings: Settings | None = None) -> SourcePublic:
    """Pause (``False``) or resume watching; a paused source is skipped by webhooks and polls."""
    settings = ready(settings)
    with db(settings) as session:
        source = repos.dropbox_sources.get_dropbox_source(session, source_id)
        row = repos.dropbox_sources.set_source_active(session, source, active)
        return SourcePublic.of(row)


def request_poll(source_id: str, *, settings: Settings | None = None) -> str:
    """Queue a poll of one active source; the id of its job (an already waiting one is reused,
    so a burst of webhooks makes one poll)."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.dropbox_sources.get_dropbox_source(session, source_id)
        if not row.active:
            raise InvalidStateError(f"Dropbox source {source_id} is paused; resume it first")
        waiting = repos.job_runs.find_queued(session, operation=POLL_OPERATION,
                                             entity_id=source_id)
    if waiting is not None:
        return waiting
    return enqueue(POLL_OPERATION, PollJob(source_id=source_id), settings=settings,
                   entity_type="dropbox_source", entity_id=source_id)


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
    if cursor is None:
        listing = client.list_folder(folder)
    else:
        try:
            listing = client.list_folder_continue(folder, cursor)
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
    wanted: list[tuple[DropboxEntry, str]] = []
    for entry in listing.files:
        relative = _relative(folder, entry)
        if relative is None or not is_media_name(entry.name):
            result.skipped.append(relative or entry.path_display)
        else:
            wanted.append((entry, relative))
    staging = _staging_root(settings, source_id) / key
    if wanted:
        with db(settings) as session:
            made = _batch_from(session, staging) if staging.is_dir() else None
            result.batch_id = made.id if made is not None else None
        if result.batch_id is None:
            for entry, relative in wanted:
                _fetch(client, entry, staging / relative, settings=settings)
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            batch = ingest_media_batch(
                source_url=str(staging.resolve()),
                reference_name=f"{folder.rsplit('/', 1)[-1]} {stamp}",
                storage_tier=tier, project_id=project_id, settings=settings,
                defer=defer_ingest)
            result.batch_id = batch.batch_id
            with db(settings) as session:  # what this poll brought in, for a cursor reset
                made = repos.batches.get_batch(session, batch.batch_id)
                repos.batches.update_batch(session, made, metadata={"dropbox_files": {
                    relative: entry.content_hash for entry, relative in wanted}})
        result.new_files = [relative for _, relative in wanted]
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
    return result


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
        except (IngestError, InputError) as exc:
            log.warning("poll of dropbox:%s failed: %s", source.folder_path, exc)
            results.append(PollResult(source_id=source.id, error=str(exc)))
    return results


def _app_secret(settings: Settings) -> str | None:
    configured: Any = getattr(settings, "dropbox_app_secret", None)
    if hasattr(configured, "get_secret_value"):  # a pydantic SecretStr
        configured = configured.get_secret_value()
    secret = configured if isinstance(configured, str) else None
    return (secret or os.environ.get("EDITRON_DROPBOX_APP_SECRET") or "").strip() or None


def handle_dropbox_webhook(body: bytes, signature: str | None, *,
                           settings: Settings | None = None) -> int:
    """Check a webhook's signature, queue a poll of every active source it concerns (sources
    without an account id are polled on any notification), and say how many were queued."""
    settings = settings or get_settings()
    secret = _app_secret(settings)  # checked before the database is touched
    if secret is None:
        log.warning("a Dropbox webhook arrived but EDITRON_DROPBOX_APP_SECRET is not set")
    check_signature(body, signature, secret)
    accounts = notified_accounts(body)
    settings = ready(settings)
    chosen = [s.id for s in list_sources(settings=settings, active=True)
              if s.account_id is None or s.account_id in accounts]
    for source_id in chosen:
        request_poll(source_id, settings=settings)
    return len(chosen)


# Dropbox or a temporary link out of reach after every retry is worth a later attempt.
@operation(POLL_OPERATION, PollJob, transient=(OSError, TimeoutError, DownloadError))
def _run_poll(job: PollJob, settings: Settings) -> None:
    # A source paused after the poll was queued is left alone, not failed.
    poll_dropbox_source(job.source_id, settings=settings, skip_paused=True)


def _monitor_dropbox(settings: Settings) -> None:
    """Queue a poll of every active Dropbox source (a poll already waiting is reused, so
    several workers doing this at once still make one poll per source)."""
    for source in list_sources(settings=settings, active=True):
        request_poll(source.id, settings=settings)


register_periodic("dropbox_monitor", lambda s: s.dropbox_poll_seconds, _monitor_dropbox)
