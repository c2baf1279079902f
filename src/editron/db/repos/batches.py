"""Media batches: creation, lookup, filtered paging, the status machine, counters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from editron.db.models import MediaBatch
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise, page_bounds, set_status
from editron.db.repos.events import append_event
from editron.db.secrets import seal_url
from editron.domain.redact import redact_text
from editron.domain.status import BATCH_TRANSITIONS, BatchStatus
from editron.errors import InputError

__all__ = [
    "all_batch_ids",
    "batch_cursor",
    "create_batch",
    "delete_batch",
    "find_by_source",
    "get_batch",
    "list_batches",
    "list_by_source_prefix",
    "list_expired",
    "set_batch_status",
    "unfinished_by_source",
    "update_batch",
]

_CURSOR_SEP = "|"


def create_batch(session: Session, **fields: Any) -> MediaBatch:
    """A new batch in ``queued``; ``fields`` are MediaBatch columns (reference_name,
    source_url, source_type, storage_tier, checksum_required, project_id, ...). A source URL
    with credentials is stored redacted, the whole of it sealed beside (``fetch_url``)."""
    fields["source_url"], fields["source_secret"] = seal_url(session, fields["source_url"])
    batch = MediaBatch(status=BatchStatus.QUEUED.value, **fields)
    session.add(batch)
    session.flush()
    append_event(session, entity_type="batch", entity_id=batch.id, event_type="batch.created",
                 payload={"status": batch.status, "reference_name": batch.reference_name,
                          "source_type": batch.source_type, "storage_tier": batch.storage_tier},
                 project_id=batch.project_id)
    return batch


def get_batch(session: Session, batch_id: str) -> MediaBatch:
    return get_or_raise(session, MediaBatch, "media batch", batch_id)


def batch_cursor(batch: MediaBatch) -> str:
    """An opaque position after ``batch`` in ``list_batches`` order, for ``after=``."""
    return f"{batch.created_at}{_CURSOR_SEP}{batch.id}"


def list_batches(session: Session, *, status: str | None = None, project_id: str | None = None,
                 limit: int = 50, offset: int = 0, after: str | None = None) -> list[MediaBatch]:
    """Newest first. Page with ``offset``, or with ``after=batch_cursor(last_row)``, which stays
    stable while new batches arrive."""
    limit, offset = page_bounds(limit, offset)
    query = select(MediaBatch)
    if status is not None:
        query = query.where(MediaBatch.status == status)
    if project_id is not None:
        query = query.where(MediaBatch.project_id == project_id)
    if after is not None:
        created_at, sep, batch_id = after.partition(_CURSOR_SEP)
        if not sep or not batch_id:
            raise InputError(f"malformed batch cursor {after!r}")
        query = query.where(or_(MediaBatch.created_at < created_at,
                                and_(MediaBatch.created_at == created_at,
                                     MediaBatch.id < batch_id)))
    query = query.order_by(MediaBatch.created_at.desc(), MediaBatch.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def find_by_source(session: Session, source_url: str) -> MediaBatch | None:
    """The oldest batch made from exactly ``source_url`` (a poll's staging folder)."""
    query = select(MediaBatch).where(MediaBatch.source_url == source_url)
    return session.scalars(query.order_by(MediaBatch.created_at).limit(1)).first()


def unfinished_by_source(session: Session, source_url: str) -> list[MediaBatch]:
    """Batches made from exactly ``source_url`` whose ingest has not ended (queued or
    downloading), newest first."""
    query = select(MediaBatch).where(MediaBatch.source_url == source_url,
                                     MediaBatch.status.in_(("queued", "downloading")))
    return list(session.scalars(query.order_by(MediaBatch.created_at.desc(),
                                               MediaBatch.id.desc())))


def list_by_source_prefix(session: Session, prefix: str) -> list[MediaBatch]:
    """Batches whose source lies under ``prefix`` (every staging folder of one Dropbox
    source)."""
    query = select(MediaBatch).where(MediaBatch.source_url.startswith(prefix, autoescape=True))
    return list(session.scalars(query.order_by(MediaBatch.created_at)))


def all_batch_ids(session: Session) -> set[str]:
    """Every batch id (gc tells its folders from orphans)."""
    return set(session.scalars(select(MediaBatch.id)))


def list_expired(session: Session, *, before: str) -> list[MediaBatch]:
    """Batches whose retention date is before ``before`` (an ISO-8601 UTC stamp)."""
    query = select(MediaBatch).where(MediaBatch.retention_until.is_not(None),
                                     MediaBatch.retention_until < before)
    return list(session.scalars(query.order_by(MediaBatch.retention_until, MediaBatch.id)))


def set_batch_status(session: Session, batch: MediaBatch, status: BatchStatus, *,
                     last_error: str | None = None) -> None:
    """Move along the batch status machine and log it; an illegal move raises
    InvalidStateError and changes nothing. Credentials quoted in ``last_error`` are redacted
    before they reach the row or the event."""
    last_error = redact_text(last_error)
    set_status(session, batch, status.value, entity_type="batch", label="batch",
               machine=BATCH_TRANSITIONS, scope={"project_id": batch.project_id},
               payload={"error": last_error} if last_error else None)
    if status is BatchStatus.FAILED:
        batch.last_error = last_error
    elif last_error is None and status in (BatchStatus.READY, BatchStatus.ANALYZED):
        batch.last_error = None


def update_batch(session: Session, batch: MediaBatch, *, file_count: int | None = None,
                 total_size_bytes: int | None = None,
                 metadata: Mapping[str, Any] | None = None, last_error: str | None = None,
                 storage_path: str | None = None, retention_until: str | None = None,
                 ) -> MediaBatch:
    """Counters and bookkeeping (not status: use set_batch_status). ``metadata`` is merged
    into the existing document key by key."""
    if file_count is not None:
        batch.file_count = file_count
    if total_size_bytes is not None:
        batch.total_size_bytes = total_size_bytes
    if metadata is not None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        batch.batch_metadata = {**(batch.batch_metadata or {}), **metadata}
    if last_error is not None:
        batch.last_error = redact_text(last_error)
    if storage_path is not None:
        batch.storage_path = storage_path
    if retention_until is not None:
        batch.retention_until = retention_until
    batch.updated_at = utcnow()
    session.flush()
    return batch


def delete_batch(session: Session, batch: MediaBatch) -> None:
    """Delete a batch; the database cascades to its files, analyses, sessions, renders and
    task cards."""
    append_event(session, entity_type="batch", entity_id=batch.id, event_type="batch.deleted",
                 payload={"reference_name": batch.reference_name},
                 project_id=batch.project_id)
    session.delete(batch)
    session.flush()
