"""Editron's one exception tree.

Third-party failures (ffmpeg exit codes, PyAV errors, HTTP errors, SQL errors) are
translated into these at the boundary, carrying the file or URL and the reason::

    EditronError                      base; ``message`` is one line a person can act on
    ├── InputError                    the caller asked for something invalid (exit 2, HTTP 422)
    │   ├── UnsupportedSourceError    unknown scheme, malformed URL, missing path
    │   ├── UnsafeURLError            URL resolves to a loopback/private/link-local address
    │   ├── InvalidStateError         not allowed in the entity's current status (HTTP 409)
    │   └── ExportUnavailableError    this export format cannot express this timeline (its rate)
    ├── NotFoundError                 no entity with that id (HTTP 404)
    ├── LimitExceededError            batch or archive larger than the configured limit
    ├── IngestError                   a batch could not be brought in
    │   ├── DownloadError             network failure after every retry
    │   └── ArchiveError              unsafe or malformed archive (traversal, symlink, bomb)
    ├── MediaError                    one media file cannot be read
    │   └── ProbeError                corrupt, truncated, zero-byte or not media
    ├── ProcessError                  an external program (ffmpeg) failed; keeps its stderr tail
    │   ├── ProcessCancelledError     stopped on request (a job was cancelled)
    │   └── ProcessTimeoutError       killed after running longer than allowed
    ├── QueueError                    the job queue is unreachable or misconfigured
    └── DatabaseError                 the database is unreachable or its schema cannot be migrated
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "DatabaseError",
    "DownloadError",
    "EditronError",
    "ExportUnavailableError",
    "IngestError",
    "InputError",
    "InvalidStateError",
    "LimitExceededError",
    "MediaError",
    "NotFoundError",
    "ProbeError",
    "ProcessCancelledError",
    "ProcessError",
    "ProcessTimeoutError",
    "QueueError",
    "UnsafeURLError",
    "UnsupportedSourceError",
]


class EditronError(Exception):
    """Base of every error Editron raises on purpose."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        if self.path and self.path not in self.message:
            return f"{self.path}: {self.message}"
        return self.message


class InputError(EditronError):
    """The request itself is wrong; nothing was started."""


class UnsupportedSourceError(InputError):
    """The source is not a local path, file://, http(s):// or Dropbox shared link."""


class UnsafeURLError(InputError):
    """The URL points at this machine or a private network."""


class InvalidStateError(InputError):
    """The entity is not in a status that allows the operation."""


class ExportUnavailableError(InputError):
    """One export format cannot express a timeline (CMX3600 has no 15 fps timecode); the
    other formats are still written."""


class NotFoundError(EditronError):
    """No entity with the given id."""

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"no {entity} with id {entity_id!r}")
        self.entity = entity
        self.entity_id = entity_id


class LimitExceededError(EditronError):
    """A configured size limit would be exceeded."""


class IngestError(EditronError):
    """A batch, or part of it, could not be brought in."""


class DownloadError(IngestError):
    """A transfer failed after every retry."""


class ArchiveError(IngestError):
    """An archive is unsafe or malformed."""


class MediaError(EditronError):
    """A media file cannot be used."""


class ProbeError(MediaError):
    """A file is corrupt, truncated, empty or not media."""


class ProcessError(EditronError):
    """An external program failed."""

    def __init__(self, message: str, *, path: str | None = None, stderr_tail: str = "") -> None:
        super().__init__(message, path=path)
        self.stderr_tail = stderr_tail


class ProcessCancelledError(ProcessError):
    """The program was killed because its job was cancelled."""


class ProcessTimeoutError(ProcessError):
    """The program was killed because it ran past its time limit."""


class QueueError(EditronError):
    """The job queue cannot be used."""


class DatabaseError(EditronError):
    """The database cannot be reached, or its schema cannot be brought up to date."""
