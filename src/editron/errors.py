"""Editron's one exception tree.

Third-party failures (ffmpeg exit codes, PyAV errors, HTTP errors, SQL errors) are
translated into these at the boundary, carrying the file or URL and the reason. The CLI maps
them to exit codes (2: the caller must change something, 1: a job failed) and the API to HTTP
statuses with one table (``api/errors.py``)::

    EditronError                      base; ``message`` is one line a person can act on
    ├── InputError                    the caller asked for something invalid (exit 2, HTTP 422)
    │   ├── UnsupportedSourceError    unknown scheme, malformed URL, missing path
    │   │   └── SourceNotAllowedError a network caller named a path outside the import roots
    │   ├── UnsafeURLError            URL resolves to a loopback/private/link-local address
    │   ├── InvalidStateError         not allowed in the entity's current status (HTTP 409)
    │   ├── ConfigError               a setting or the home folder cannot be used as given
    │   │   └── SecretKeyError        a stored credential cannot be decrypted with the key
    │   ├── ExportUnavailableError    this export format cannot express this timeline (its rate)
    │   ├── WebhookSignatureError     a webhook whose signature is missing or wrong (HTTP 403)
    │   ├── MissingScopeError         the API token lacks the scope this needs (HTTP 403)
    │   └── RateLimitedError          too many failed authentications from one address (429)
    ├── NotFoundError                 no entity with that id (exit 2, HTTP 404)
    ├── LimitExceededError            batch, archive or body larger than allowed (HTTP 413)
    ├── IngestError                   a batch could not be brought in
    │   ├── DownloadError             network failure after every retry
    │   │   └── DropboxUnavailableError   Dropbox did not answer usefully after every retry
    │   ├── ArchiveError              unsafe or malformed archive (traversal, symlink, bomb)
    │   └── DropboxApiError           Dropbox refused a request (bad token, missing folder)
    │       └── DropboxCursorReset    a watched folder's saved cursor expired
    ├── MediaError                    one media file cannot be read
    │   └── ProbeError                corrupt, truncated, zero-byte or not media
    ├── ProcessError                  an external program (ffmpeg) failed; keeps its stderr tail
    │   ├── ProcessCancelledError     stopped on request (a job was cancelled)
    │   └── ProcessTimeoutError       killed after running longer than allowed
    ├── QcFailedError                 a render does not meet its profile (the flags say how)
    ├── DeliveryError                 a rendered file could not be delivered (HTTP 502)
    ├── QueueError                    the job queue is unreachable or misconfigured (HTTP 503)
    ├── StoreError                    the media store (editron.store) cannot give a file
    │   ├── StoreUnavailableError     unreachable after every retry (HTTP 503; the job retried)
    │   └── StoreMissingError         no object under that key (HTTP 404; permanent)
    └── DatabaseError                 the database cannot be used (HTTP 503)
        ├── DatabaseBusyError         locked by another writer past the busy timeout
        ├── DatabaseUnavailableError  the server cannot be reached or the connection dropped
        └── DatabaseConflictError     a write broke a constraint (a duplicate, a vanished parent)
"""

from __future__ import annotations

from editron.domain.redact import redact_text

__all__ = [
    "ArchiveError",
    "ConfigError",
    "DatabaseBusyError",
    "DatabaseConflictError",
    "DatabaseError",
    "DatabaseUnavailableError",
    "DeliveryError",
    "DownloadError",
    "DropboxApiError",
    "DropboxCursorReset",
    "DropboxUnavailableError",
    "EditronError",
    "ExportUnavailableError",
    "IngestError",
    "InputError",
    "InvalidStateError",
    "LimitExceededError",
    "MediaError",
    "MissingScopeError",
    "NotFoundError",
    "ProbeError",
    "ProcessCancelledError",
    "ProcessError",
    "ProcessTimeoutError",
    "QcFailedError",
    "QueueError",
    "RateLimitedError",
    "SecretKeyError",
    "SourceNotAllowedError",
    "StoreError",
    "StoreMissingError",
    "StoreUnavailableError",
    "UnsafeURLError",
    "UnsupportedSourceError",
    "WebhookSignatureError",
]


class EditronError(Exception):
    """Base of every error Editron raises on purpose."""

    # A stable, machine-readable name for the kind of failure (``--json`` error documents,
    # API problem types); subclasses set their own.
    code = "error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        # Messages reach responses, rows, events and logs: no URL in one keeps a credential.
        message = redact_text(message) or message
        super().__init__(message)
        self.message = message
        self.path = redact_text(path)

    def __str__(self) -> str:
        if self.path and self.path not in self.message:
            return f"{self.path}: {self.message}"
        return self.message


class InputError(EditronError):
    """The request itself is wrong; nothing was started."""

    code = "invalid_input"


class UnsupportedSourceError(InputError):
    """The source is not a local path, file://, http(s):// or Dropbox shared link."""

    code = "unsupported_source"


class SourceNotAllowedError(UnsupportedSourceError):
    """A caller over HTTP or MCP named a local path or ``file://`` URL outside the operator's
    import roots. The message is the same whether the path exists or not."""

    code = "source_not_allowed"


class UnsafeURLError(InputError):
    """The URL points at this machine or a private network."""

    code = "unsafe_url"


class InvalidStateError(InputError):
    """The entity is not in a status that allows the operation."""

    code = "invalid_state"


class ReviewRequiredError(InvalidStateError):
    """Rendering a cut nobody approved, without saying so."""

    code = "review_required"


class ConfigError(InputError):
    """A setting, or the home folder it names, cannot be used as configured."""

    code = "config"


class SecretKeyError(ConfigError):
    """A stored credential cannot be decrypted: the key (EDITRON_SECRET_KEY or the home
    folder's key file) is missing or is not the one it was stored with."""

    code = "secret_key"


class ExportUnavailableError(InputError):
    """One export format cannot express a timeline (CMX3600 has no 15 fps timecode); the
    other formats are still written."""

    code = "export_unavailable"


class WebhookSignatureError(InputError):
    """A webhook whose ``X-Dropbox-Signature`` is missing or wrong (the API answers 403)."""

    code = "bad_signature"


class MissingScopeError(InputError):
    """An API token without the scope a route or tool needs (the API answers 403)."""

    code = "missing_scope"


class RateLimitedError(InputError):
    """A client address that failed authentication too often lately (the API answers 429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(EditronError):
    """No entity with the given id."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: str, *, hint: str = "") -> None:
        super().__init__(f"no {entity} with id {entity_id!r}" + (f"; {hint}" if hint else ""))
        self.entity = entity
        self.entity_id = entity_id


class LimitExceededError(EditronError):
    """A configured size limit would be exceeded."""

    code = "too_large"


class IngestError(EditronError):
    """A batch, or part of it, could not be brought in."""

    code = "ingest_failed"


class DownloadError(IngestError):
    """A transfer failed after every retry."""

    code = "download_failed"


class DropboxUnavailableError(DownloadError):
    """Dropbox did not answer usefully after every retry."""

    code = "dropbox_unavailable"


class ArchiveError(IngestError):
    """An archive is unsafe or malformed."""

    code = "bad_archive"


class DropboxApiError(IngestError):
    """Dropbox refused a request (bad token, missing folder, ...); carries its summary."""

    code = "dropbox_refused"

    def __init__(self, message: str, *, summary: str = "", path: str | None = None) -> None:
        super().__init__(message, path=path)
        self.summary = summary


class DropboxCursorReset(DropboxApiError):
    """The saved cursor expired (``reset``): the folder must be listed again from the start."""

    code = "dropbox_cursor_reset"


class MediaError(EditronError):
    """A media file cannot be used."""

    code = "bad_media"


class ProbeError(MediaError):
    """A file is corrupt, truncated, empty or not media."""

    code = "unreadable_media"


class ProcessError(EditronError):
    """An external program failed."""

    code = "process_failed"

    def __init__(self, message: str, *, path: str | None = None, stderr_tail: str = "") -> None:
        super().__init__(message, path=path)
        self.stderr_tail = stderr_tail


class ProcessCancelledError(ProcessError):
    """The program was killed because its job was cancelled."""

    code = "cancelled"


class ProcessTimeoutError(ProcessError):
    """The program was killed because it ran past its time limit."""

    code = "timed_out"


class ProcessCrashedError(ProcessError):
    """The program was killed by a signal nobody here sent (a segfault, the OOM killer, an
    operator's kill): worth another attempt, unlike a program that refused its input."""

    code = "process_crashed"

    def __init__(self, message: str, *, signal_number: int, path: str | None = None,
                 stderr_tail: str = "") -> None:
        super().__init__(message, path=path, stderr_tail=stderr_tail)
        self.signal_number = signal_number


class QcFailedError(EditronError):
    """A render that does not meet its profile (the flags say how)."""

    code = "qc_failed"


class DeliveryError(EditronError):
    """A rendered file could not be delivered (after every retry, where retrying helps).

    ``transient`` is True when trying again later may succeed (the service was down or
    throttling past every retry, the disk was full); False when it will not until someone
    changes something (a refused token, a folder in the way)."""

    code = "delivery_failed"

    def __init__(self, message: str, *, path: str | None = None, transient: bool = False) -> None:
        super().__init__(message, path=path)
        self.transient = transient


class QueueError(EditronError):
    """The job queue cannot be used."""

    code = "queue_unavailable"


class StoreError(EditronError):
    """The media store cannot give or take a file."""

    code = "store_error"


class StoreUnavailableError(StoreError):
    """The media store (a share, an S3 endpoint) could not be reached after every retry.
    Transient: a job that meets it goes back to the queue, perhaps to another worker."""

    code = "store_unavailable"


class StoreMissingError(StoreError):
    """No object under a key in a reachable store: deleted, never uploaded, or the hosts do
    not all name the same store. Permanent."""

    code = "store_missing"

    def __init__(self, key: str, store_url: str) -> None:
        super().__init__(f"{key} is not in the media store {store_url}: it was removed or "
                         "never stored; ingest the batch again, or check that "
                         "EDITRON_MEDIA_URL names the same store on every host", path=key)
        self.key = key
        self.store_url = store_url


class DatabaseError(EditronError):
    """The database cannot be reached, or its schema cannot be brought up to date."""

    code = "database_error"


class DatabaseBusyError(DatabaseError):
    """Another writer held the database past the busy timeout."""

    code = "database_busy"


class DatabaseUnavailableError(DatabaseError):
    """The database server cannot be reached, or the connection dropped mid-transaction."""

    code = "database_unavailable"


class DatabaseConflictError(DatabaseError):
    """A write broke a constraint: a duplicate, or a row whose parent was deleted meanwhile."""

    code = "database_conflict"
