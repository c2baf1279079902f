"""Media files of a batch: add, list, dedupe by checksum, update after probing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models import MediaBatch, MediaFile
from editron.db.repos.base import get_or_raise
from editron.db.repos.events import append_event
from editron.db.secrets import seal_url
from editron.domain.status import FileStatus

__all__ = ["add_file", "delete_files", "find_file_by_checksum", "get_file", "get_files",
           "list_files", "update_file"]

_UPDATABLE = frozenset(c.key for c in MediaFile.__mapper__.column_attrs) - {"id", "batch_id",
                                                                             "created_at"}


def add_file(session: Session, batch: MediaBatch, *, event_type: str = "file.added",
             detail: Mapping[str, Any] | None = None, **fields: Any) -> MediaFile:
    """A new file row (``fields`` are MediaFile columns), logged as ``event_type`` with its
    status (``file.added``, or ``file.duplicate`` / ``file.failed`` for rows that arrive in
    those states) and ``detail``. Credentials in a source URL are kept out of the row's
    shown columns (``_guarded``) and the event (``events.scrub``)."""
    row = MediaFile(batch_id=batch.id, **_guarded(session, fields))
    session.add(row)
    session.flush()
    append_event(session, entity_type="file", entity_id=row.id, event_type=event_type,
                 batch_id=batch.id, project_id=batch.project_id,
                 payload={"status": row.status, "filename": row.relative_path,
                          **(detail or {})})
    return row


def _guarded(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with a credentialed ``source_url`` stored redacted, the whole URL sealed in
    ``source_secret`` (the ``error`` column is redacted on any write: ``base``)."""
    if "source_url" in fields:
        fields["source_url"], fields["source_secret"] = seal_url(session, fields["source_url"])
    return fields


def delete_files(session: Session, batch: MediaBatch) -> int:
    """Remove every file row of the batch (a retried ingest starts from a clean slate)."""
    stale = list(batch.files)
    for row in stale:
        session.delete(row)
    session.flush()
    return len(stale)


def get_file(session: Session, file_id: str) -> MediaFile:
    return get_or_raise(session, MediaFile, "media file", file_id)


def get_files(session: Session, file_ids: Sequence[str]) -> list[MediaFile]:
    """The files with these ids (those that exist), in the order they were added."""
    query = select(MediaFile).where(MediaFile.id.in_(list(file_ids)))
    return list(session.scalars(query.order_by(MediaFile.created_at, MediaFile.id)))


def list_files(session: Session, batch_id: str, *, status: FileStatus | None = None
               ) -> list[MediaFile]:
    """A batch's files in the order they were added."""
    query = select(MediaFile).where(MediaFile.batch_id == batch_id)
    if status is not None:
        query = query.where(MediaFile.status == status.value)
    return list(session.scalars(query.order_by(MediaFile.created_at, MediaFile.id)))


def find_file_by_checksum(session: Session, batch_id: str, checksum: str | None
                          ) -> MediaFile | None:
    """The usable file in this batch with this SHA-256, if any (dedupe on ingest)."""
    if checksum is None:
        return None
    query = select(MediaFile).where(
        MediaFile.batch_id == batch_id, MediaFile.checksum_sha256 == checksum,
        MediaFile.status.in_((FileStatus.READY.value, FileStatus.REMOTE.value)),
    ).order_by(MediaFile.created_at, MediaFile.id).limit(1)
    return session.scalars(query).first()


def update_file(session: Session, row: MediaFile, **fields: Any) -> MediaFile:
    """Set columns by attribute name (``file_metadata`` for the JSON document); an unknown
    name is a programming error and raises TypeError."""
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise TypeError(f"MediaFile has no updatable column(s) {sorted(unknown)}")
    for key, value in _guarded(session, dict(fields)).items():
        setattr(row, key, value)
    session.flush()
    return row
