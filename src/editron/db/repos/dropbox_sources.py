"""Registered Dropbox folders the monitor polls. The access token is stored sealed with the
session's key (``db.secrets``; ``row.access_token`` opens it when read) and never put in an
event; callers must not return it either."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models_ops import DropboxSource
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise
from editron.db.repos.events import append_event
from editron.db.secrets import box_of
from editron.domain.status import StorageTier

__all__ = [
    "create_dropbox_source",
    "delete_dropbox_source",
    "get_dropbox_source",
    "list_dropbox_sources",
    "mark_polled",
    "set_source_active",
]


def create_dropbox_source(session: Session, *, folder_path: str,
                          project_id: str | None = None, account_id: str | None = None,
                          shared_link: str | None = None, access_token: str | None = None,
                          storage_tier: StorageTier = StorageTier.HOT) -> DropboxSource:
    sealed = box_of(session).seal(access_token) if access_token is not None else None
    row = DropboxSource(folder_path=folder_path, project_id=project_id, account_id=account_id,
                        shared_link=shared_link, sealed_access_token=sealed,
                        storage_tier=storage_tier.value, active=True)
    session.add(row)
    session.flush()
    append_event(session, entity_type="dropbox_source", entity_id=row.id,
                 event_type="dropbox_source.created", project_id=project_id,
                 payload={"folder_path": folder_path, "account_id": account_id,
                          "active": True})
    return row


def get_dropbox_source(session: Session, source_id: str) -> DropboxSource:
    return get_or_raise(session, DropboxSource, "Dropbox source", source_id)


def list_dropbox_sources(session: Session, *, active: bool | None = None,
                         project_id: str | None = None,
                         account_id: str | None = None) -> list[DropboxSource]:
    """Filtered by any of the arguments; ``account_id`` finds the folders a webhook names."""
    query = select(DropboxSource)
    if active is not None:
        query = query.where(DropboxSource.active.is_(active))
    if project_id is not None:
        query = query.where(DropboxSource.project_id == project_id)
    if account_id is not None:
        query = query.where(DropboxSource.account_id == account_id)
    return list(session.scalars(query.order_by(DropboxSource.created_at, DropboxSource.id)))


def mark_polled(session: Session, row: DropboxSource, *, cursor: str | None) -> DropboxSource:
    """Remember where the last listing ended, so the next poll only sees new files."""
    row.cursor = cursor
    row.last_polled_at = utcnow()
    session.flush()
    return row


def set_source_active(session: Session, row: DropboxSource, active: bool) -> DropboxSource:
    if row.active != active:
        row.active = active
        append_event(session, entity_type="dropbox_source", entity_id=row.id,
                     event_type="dropbox_source.status_changed", project_id=row.project_id,
                     payload={"active": active})
    session.flush()
    return row


def delete_dropbox_source(session: Session, row: DropboxSource) -> None:
    """Stop watching for good: the row goes, an event says so (batches it made stay)."""
    append_event(session, entity_type="dropbox_source", entity_id=row.id,
                 event_type="dropbox_source.removed", project_id=row.project_id,
                 payload={"folder_path": row.folder_path})
    session.delete(row)
    session.flush()
