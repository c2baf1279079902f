"""Watched Dropbox folders: register, list, pause and resume them, queue their polls (the
poll itself is ``dropbox_poll``), answer Dropbox's webhook, and poll every active folder on the
sweeper's schedule.

The access token is stored for the poller but never leaves this module: ``SourcePublic``
says only ``has_token``, events carry no token, and job arguments carry only the source id.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from editron.config import Settings, get_settings
from editron.db import repos
from editron.db.models_ops import DropboxSource
from editron.db.runtime import db, ready
from editron.domain.status import StorageTier
from editron.dropbox.webhook import check_signature, notified_accounts
from editron.errors import (
    InputError,
    InvalidStateError,
)
from editron.jobs.app import enqueue
from editron.jobs.registry import JobPayload, register_periodic
from editron.services.schemas import documented

__all__ = [
    "POLL_OPERATION",
    "SourcePublic",
    "add_dropbox_source",
    "get_source",
    "handle_dropbox_webhook",
    "list_sources",
    "remove_source",
    "request_poll",
    "set_source_active",
]

log = logging.getLogger(__name__)
POLL_OPERATION = "poll_dropbox_source"


class PollJob(JobPayload):
    """A queued poll of one watched folder (the row carries the folder and its cursor)."""

    source_id: str


class SourcePublic(BaseModel):
    """A watched Dropbox folder as callers see it: never the access token."""

    model_config = documented({
        "id": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", "folder_path": "/Events/Gala 2026",
        "project_id": "4f1c9a2e-7b3d-4e8f-9a1b-2c3d4e5f6a7b",
        "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "storage_tier": "hot",
        "active": True, "has_token": True, "watching": True,
        "last_polled_at": "2026-05-14T18:30:00Z", "created_at": "2026-05-01T09:05:00Z",
        "last_error": "Dropbox answered 429 Too Many Requests; the next poll retries"})

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
    last_error: str | None = Field(default=None, description="why the newest poll failed "
                                                              "(none once a poll succeeds)")

    @classmethod
    def of(cls, row: DropboxSource, *, last_error: str | None = None) -> SourcePublic:
        return cls(id=row.id, folder_path=row.folder_path, project_id=row.project_id,
                   account_id=row.account_id, storage_tier=row.storage_tier, active=row.active,
                   has_token=row.has_token, watching=row.cursor is not None,
                   last_polled_at=row.last_polled_at, created_at=row.created_at,
                   last_error=last_error)


def _last_error(session: Session, source_id: str) -> str | None:
    """The error of the newest poll of a source when that poll failed."""
    run = repos.job_runs.latest_for(session, entity_id=source_id, operations=(POLL_OPERATION,))
    return run.last_error if run is not None and run.status == "failed" else None


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
        row = repos.dropbox_sources.get_dropbox_source(session, source_id)
        return SourcePublic.of(row, last_error=_last_error(session, row.id))


def list_sources(*, settings: Settings | None = None, active: bool | None = None,
                 project_id: str | None = None) -> list[SourcePublic]:
    settings = ready(settings)
    with db(settings) as session:
        return [SourcePublic.of(row, last_error=_last_error(session, row.id)) for row in
                repos.dropbox_sources.list_dropbox_sources(session, active=active,
                                                           project_id=project_id)]


def remove_source(source_id: str, *, settings: Settings | None = None) -> None:
    """Stop watching a folder for good (pausing keeps it); the batches it made stay."""
    settings = ready(settings)
    with db(settings) as session:
        repos.dropbox_sources.delete_dropbox_source(
            session, repos.dropbox_sources.get_dropbox_source(session, source_id))


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


def _monitor_dropbox(settings: Settings) -> None:
    """Queue a poll of every active Dropbox source (a poll already waiting is reused, so
    several workers doing this at once still make one poll per source)."""
    for source in list_sources(settings=settings, active=True):
        request_poll(source.id, settings=settings)


register_periodic("dropbox_monitor", lambda s: s.dropbox_poll_seconds, _monitor_dropbox)
