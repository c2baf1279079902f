"""Reading a Dropbox folder through the HTTP API v2: what is in it, and links to fetch it.

``list_folder`` walks a folder recursively, following ``has_more`` through
``/2/files/list_folder/continue``, and returns its files with the cursor that ends the listing;
``list_folder_continue`` returns only what changed since a cursor. ``get_temporary_link`` gives
a plain HTTPS URL (valid about four hours, no token needed) that the ordinary ingest download
fetches, so Dropbox files get the same resume, retries and SHA-256 as any other source.

Requests, retries and error summaries come from ``dropbox/http.py`` (shared with the
uploads in ``render/destinations/dropbox.py``): connection errors, 429 and 5xx wait with
exponential backoff (or ``Retry-After``); other answers fail at once with Dropbox's
``error_summary``. The access token goes in the ``Authorization`` header only and is
never put in a message. The API host comes from the operator's configuration, so it is not put
through ``netguard``; plain ``http://`` is accepted for local test servers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from editron.dropbox.http import DEFAULT_API_HOST, DropboxHttp, check_host, json_answer
from editron.errors import (
    DropboxApiError,
    DropboxCursorReset,
    DropboxUnavailableError,
    InputError,
)

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = ["DropboxClient", "DropboxEntry", "FolderListing"]

log = logging.getLogger(__name__)
PAGE_LIMIT = 2000  # entries per list_folder answer (Dropbox's maximum)
MAX_PAGES = 10_000  # a listing that never ends is a server fault, not a big folder


@dataclass(frozen=True, slots=True)
class DropboxEntry:
    """One file in a listing."""

    path_display: str
    path_lower: str
    size: int
    content_hash: str | None = None
    server_modified: str | None = None
    id: str | None = None

    @property
    def name(self) -> str:
        return self.path_display.rsplit("/", 1)[-1]


@dataclass(slots=True)
class FolderListing:
    """Files (folders and deletions are left out) and the cursor that ends the listing."""

    cursor: str
    files: list[DropboxEntry] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # path_display of removed entries


def _api_path(folder: str) -> str:
    # The API names the root "" and every other folder "/a/b" without a trailing slash.
    stripped = folder.strip().rstrip("/")
    return stripped if stripped.startswith("/") or not stripped else f"/{stripped}"


def _describe(folder: str) -> str:
    return f"dropbox:{_api_path(folder) or '/'}"


class DropboxClient(DropboxHttp):
    """A bearer-token session against the API host (one connection per request)."""

    _log = log

    def __init__(self, token: str, *, api_host: str = DEFAULT_API_HOST, max_attempts: int = 6,
                 backoff_base_seconds: float = 0.5, backoff_max_seconds: float = 30.0,
                 timeout_seconds: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not token:
            raise InputError("no Dropbox access token: give the source one or set "
                             "EDITRON_DROPBOX_TOKEN")
        super().__init__(token, max_attempts=max_attempts,
                         backoff_base_seconds=backoff_base_seconds,
                         backoff_max_seconds=backoff_max_seconds,
                         timeout_seconds=timeout_seconds, sleep=sleep)
        self.api_host = check_host(api_host)

    def __repr__(self) -> str:  # never the token
        return f"DropboxClient(api_host={self.api_host!r})"

    @classmethod
    def for_settings(cls, settings: Settings, *, token: str | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> DropboxClient:
        """``token`` (a source's own) or ``EDITRON_DROPBOX_TOKEN``; retries as for downloads."""
        return cls(token or settings.dropbox_token or "", api_host=settings.dropbox_api_host,
                   max_attempts=settings.download_max_attempts,
                   backoff_base_seconds=settings.download_backoff_base_seconds,
                   backoff_max_seconds=settings.download_backoff_max_seconds,
                   timeout_seconds=settings.download_timeout_seconds, sleep=sleep)

    def list_folder(self, folder: str) -> FolderListing:
        """Every file under ``folder`` (recursively) and the cursor for later changes."""
        answer = self._call("/2/files/list_folder", {
            "path": _api_path(folder), "recursive": True, "include_deleted": False,
            "include_non_downloadable_files": False, "limit": PAGE_LIMIT,
        }, folder=folder)
        return self._pages(answer, folder)

    def list_folder_continue(self, folder: str, cursor: str) -> FolderListing:
        """What changed under ``folder`` since ``cursor``; ``DropboxCursorReset`` if it expired."""
        answer = self._call("/2/files/list_folder/continue", {"cursor": cursor}, folder=folder)
        return self._pages(answer, folder)

    def get_temporary_link(self, path: str) -> str:
        """A URL that downloads the file at ``path`` without the token (valid ~4 hours)."""
        answer = self._call("/2/files/get_temporary_link", {"path": path}, folder=path)
        link = answer.get("link")
        if not isinstance(link, str) or not link:
            raise DropboxApiError(f"{_describe(path)}: Dropbox gave no temporary link",
                                  path=_describe(path))
        return link

    def _pages(self, answer: dict[str, Any], folder: str) -> FolderListing:
        listing = FolderListing(cursor="")
        for _ in range(MAX_PAGES):
            _collect(answer, listing)
            cursor = answer.get("cursor")
            if not isinstance(cursor, str) or not cursor:
                raise DropboxApiError(f"{_describe(folder)}: Dropbox's listing has no cursor",
                                      path=_describe(folder))
            listing.cursor = cursor
            if not answer.get("has_more"):
                return listing
            answer = self._call("/2/files/list_folder/continue", {"cursor": cursor},
                                folder=folder)
        raise DropboxApiError(f"{_describe(folder)}: Dropbox's listing did not end after "
                              f"{MAX_PAGES} pages", path=_describe(folder))

    def _call(self, endpoint: str, body: dict[str, Any], *, folder: str) -> dict[str, Any]:
        """POST one JSON request with bounded retries; the decoded answer."""
        where = _describe(folder)

        def refused(status: int, summary: str, _error: Any) -> Exception:
            if status == 409:
                error = DropboxCursorReset if summary.startswith("reset") else DropboxApiError
                return error(f"{where}: Dropbox refused {endpoint}: {summary}",
                             summary=summary, path=where)
            if status == 401:
                return DropboxApiError(f"{where}: Dropbox refused the access token "
                                       f"({summary}); give the source a valid token or set "
                                       "EDITRON_DROPBOX_TOKEN", summary=summary, path=where)
            return DropboxApiError(f"{where}: Dropbox answered HTTP {status} to "
                                   f"{endpoint}: {summary}", summary=summary, path=where)

        def gave_up(message: str) -> Exception:
            return DropboxUnavailableError(message, path=where)

        payload = self._post_with_retries(self.api_host, endpoint, where=where,
                                          refused=refused, gave_up=gave_up, json_body=body)
        try:
            return json_answer(payload)
        except ValueError:
            raise DropboxApiError(f"{where}: Dropbox answered {endpoint} with something that "
                                  "is not JSON", path=where) from None


def _collect(answer: dict[str, Any], listing: FolderListing) -> None:
    entries = answer.get("entries")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        tag = entry.get(".tag")
        display = entry.get("path_display")
        if not isinstance(display, str):
            continue
        if tag == "deleted":
            listing.deleted.append(display)
        elif tag == "file":
            size = entry.get("size")
            listing.files.append(DropboxEntry(
                path_display=display,
                path_lower=str(entry.get("path_lower") or display.lower()),
                size=size if isinstance(size, int) else 0,
                content_hash=_text(entry.get("content_hash")),
                server_modified=_text(entry.get("server_modified")),
                id=_text(entry.get("id")),
            ))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
