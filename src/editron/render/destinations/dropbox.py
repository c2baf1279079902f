"""Delivery into a Dropbox folder through the HTTP API v2.

Files up to ``single_upload_limit`` (150 MB, the API's limit for one request) go in one
``/2/files/upload``; larger ones go through an upload session (``start``, ``append_v2`` per
chunk, ``finish``), streamed from disk so memory stays at one socket buffer. Before uploading,
``/2/files/get_metadata`` asks what is already there: a file whose ``content_hash`` equals ours
is left alone. After uploading, the ``content_hash`` Dropbox reports is checked against the one
computed from the bytes we sent.

Requests and retries go through ``dropbox/http.py`` (as for watched folders): connection
errors, 429 and 5xx wait with exponential backoff (or ``Retry-After``) up to ``max_attempts``;
other answers fail at once with the API's ``error_summary``. A session chunk whose answer was
lost is not sent twice: Dropbox answers the resend with ``incorrect_offset`` and the offset it
has, and the upload continues from there. The hosts come from the operator's configuration, not
from users, so they are not put through ``netguard``; plain ``http://`` is accepted for local
test servers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from editron.dropbox.content_hash import DropboxContentHasher, content_hash
from editron.dropbox.http import (
    DEFAULT_API_HOST,
    SEND_BLOCK_BYTES,
    DropboxHttp,
    check_host,
    json_answer,
)
from editron.errors import DeliveryError, InputError
from editron.render.destinations.base import (
    DeliveryResult,
    Destination,
    ProgressCallback,
    check_file_name,
    check_source,
    register,
)

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = [
    "DEFAULT_API_HOST",
    "DEFAULT_CONTENT_HOST",
    "DropboxFolder",
    "parse_dropbox_folder",
]

log = logging.getLogger(__name__)
DEFAULT_CONTENT_HOST = "https://content.dropboxapi.com"
MAX_REQUEST_BYTES = 150 * 1024 * 1024
SESSION_CHUNK_BYTES = 32 * 1024 * 1024


def parse_dropbox_folder(target: str) -> str:
    """``/Events/2026`` from ``dropbox:/Events/2026`` (``""`` for the Dropbox root)."""
    text = target.strip()
    if not text.lower().startswith("dropbox:"):
        raise InputError(f"destination {text!r} is not a Dropbox folder; write dropbox:/folder")
    rest = text[len("dropbox:"):]
    if rest.startswith("//"):
        raise InputError(f"destination {text!r}: write the Dropbox folder with one slash, "
                         f"as dropbox:/{rest.lstrip('/')}")
    if rest and not rest.startswith("/"):
        raise InputError(f"destination {text!r}: the Dropbox folder must start with '/', "
                         f"as dropbox:/{rest}")
    segments = rest.strip("/").split("/") if rest.strip("/") else []
    bad = [s for s in segments if s in ("", ".", "..") or "\\" in s
           or any(ord(c) < 32 for c in s)]
    if bad:
        raise InputError(f"destination {text!r}: {bad[0]!r} is not a usable folder name; "
                         "write a path such as dropbox:/Events/Gala 2026")
    return "".join(f"/{s}" for s in segments)


def _correct_offset(error: Any) -> int | None:
    """The offset Dropbox holds, from an ``incorrect_offset`` error at any nesting."""
    node = error
    for _ in range(4):
        if not isinstance(node, dict):
            return None
        tag = node.get(".tag")
        if tag == "incorrect_offset" and isinstance(node.get("correct_offset"), int):
            return int(node["correct_offset"])
        node = node.get(tag) if isinstance(tag, str) else None
    return None


class _Conflict(Exception):
    """HTTP 409: an endpoint-specific error the caller decides about."""

    def __init__(self, summary: str, error: Any) -> None:
        super().__init__(summary)
        self.summary = summary
        self.error = error


class _Upload:
    """The file being sent: every byte is hashed once, in order, however often it is resent."""

    def __init__(self, path: Path, size: int, on_progress: ProgressCallback | None) -> None:
        self.path, self.size, self.on_progress = path, size, on_progress
        self.handle: BinaryIO = path.open("rb")
        self.hasher = DropboxContentHasher()
        self.hashed = 0

    def feed(self, offset: int, data: bytes) -> None:
        if offset <= self.hashed < offset + len(data):
            self.hasher.update(memoryview(data)[self.hashed - offset:])
            self.hashed = offset + len(data)

    def catch_up(self, upto: int) -> None:
        """Hash bytes Dropbox holds that this process never sent (a lost answer)."""
        while self.hashed < upto:
            self.handle.seek(self.hashed)
            data = self.handle.read(min(SEND_BLOCK_BYTES, upto - self.hashed))
            if not data:
                raise DeliveryError(f"{self.path.name} shrank while it was uploading",
                                    path=str(self.path))
            self.feed(self.hashed, data)

    def body(self, offset: int, length: int) -> _RangeBody:
        return _RangeBody(self, offset, length)


class _RangeBody:
    """A read()-able slice of the file, the request body ``http.client`` streams."""

    def __init__(self, upload: _Upload, offset: int, length: int) -> None:
        self.upload, self.position, self.end = upload, offset, offset + length

    def read(self, size: int = -1) -> bytes:
        want = self.end - self.position if size < 0 else min(size, self.end - self.position)
        if want <= 0:
            return b""
        upload = self.upload
        upload.handle.seek(self.position)
        data = upload.handle.read(want)
        if not data:
            raise DeliveryError(f"{upload.path.name} shrank while it was uploading",
                                path=str(upload.path))
        upload.feed(self.position, data)
        self.position += len(data)
        if upload.on_progress is not None:
            upload.on_progress(self.position, upload.size)
        return data


@register
class DropboxFolder(Destination, DropboxHttp):
    """A folder in one Dropbox account; ``deliver`` returns ``dropbox:/folder/name``."""

    NAME = "dropbox"
    HELP = "dropbox:/Folder/Sub (the server's EDITRON_DROPBOX_TOKEN)"

    @classmethod
    def for_network(cls, target: str, *, settings: Settings) -> str:
        parse_dropbox_folder(target)  # the folder is written as it must be
        return target.strip()
    _log = log

    def __init__(self, folder: str, *, token: str, api_host: str = DEFAULT_API_HOST,
                 content_host: str = DEFAULT_CONTENT_HOST,
                 single_upload_limit: int = MAX_REQUEST_BYTES,
                 chunk_bytes: int = SESSION_CHUNK_BYTES, mute: bool = False,
                 max_attempts: int = 6, backoff_base_seconds: float = 0.5,
                 backoff_max_seconds: float = 30.0, timeout_seconds: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not token:
            raise InputError(f"dropbox:{folder or '/'}: no Dropbox access token; set "
                             "EDITRON_DROPBOX_TOKEN")
        if not 0 < chunk_bytes <= MAX_REQUEST_BYTES:
            raise InputError(f"Dropbox chunk size {chunk_bytes} must be between 1 byte and "
                             f"{MAX_REQUEST_BYTES} bytes (150 MB, the API's request limit)")
        if not 0 <= single_upload_limit <= MAX_REQUEST_BYTES:
            raise InputError(f"Dropbox single-upload limit {single_upload_limit} must be at "
                             f"most {MAX_REQUEST_BYTES} bytes (150 MB)")
        DropboxHttp.__init__(self, token, max_attempts=max_attempts,
                             backoff_base_seconds=backoff_base_seconds,
                             backoff_max_seconds=backoff_max_seconds,
                             timeout_seconds=timeout_seconds, sleep=sleep)
        self.folder = parse_dropbox_folder(f"dropbox:{folder}") if folder else ""
        self.api_host, self.content_host = check_host(api_host), check_host(content_host)
        self.single_upload_limit, self.chunk_bytes, self.mute = (
            single_upload_limit, chunk_bytes, mute)

    @property
    def token(self) -> str:
        """The access token (for the ``Authorization`` header only; never put in messages)."""
        return self._token

    @classmethod
    def from_env(cls, folder: str, **options: Any) -> DropboxFolder:
        """Token and hosts from ``EDITRON_DROPBOX_TOKEN``, ``EDITRON_DROPBOX_API_HOST`` and
        ``EDITRON_DROPBOX_CONTENT_HOST_UPLOAD``; ``options`` go to the constructor."""
        options.setdefault("token", os.environ.get("EDITRON_DROPBOX_TOKEN", ""))
        options.setdefault("api_host",
                           os.environ.get("EDITRON_DROPBOX_API_HOST") or DEFAULT_API_HOST)
        options.setdefault("content_host",
                           os.environ.get("EDITRON_DROPBOX_CONTENT_HOST_UPLOAD")
                           or DEFAULT_CONTENT_HOST)
        return cls(folder, **options)

    @classmethod
    def from_target(cls, target: str, *, settings: Settings) -> DropboxFolder:
        # Settings read the same EDITRON_DROPBOX_* variables (and .env); the upload host's
        # setting is EDITRON_DROPBOX_UPLOAD_HOST, the older name still works through from_env.
        options: dict[str, Any] = {}
        if settings.dropbox_api_host != DEFAULT_API_HOST:
            options["api_host"] = settings.dropbox_api_host
        if settings.dropbox_token:
            options["token"] = settings.dropbox_token
        if settings.dropbox_upload_host != DEFAULT_CONTENT_HOST:
            options["content_host"] = settings.dropbox_upload_host
        return cls.from_env(parse_dropbox_folder(target), **options,
                            max_attempts=settings.download_max_attempts,
                            backoff_base_seconds=settings.download_backoff_base_seconds,
                            backoff_max_seconds=settings.download_backoff_max_seconds,
                            timeout_seconds=settings.download_timeout_seconds)

    def describe(self) -> str:
        return f"dropbox:{self.folder or '/'}"

    def deliver(self, path: Path, name: str, *,
                on_progress: ProgressCallback | None = None) -> DeliveryResult:
        check_file_name(name, destination=self.describe())
        size = check_source(path, destination=self.describe())
        remote = f"{self.folder}/{name}"
        url = f"dropbox:{remote}"
        existing = self._remote_hash(path, remote)
        if existing is not None and existing == content_hash(path):
            log.info("%s already holds the same %s; not uploading it again", url, name)
            if on_progress is not None:
                on_progress(size, size)
            return DeliveryResult(url=url, skipped=True, bytes=size)
        upload = _Upload(path, size, on_progress)
        try:
            if size <= self.single_upload_limit:
                metadata = self._call(path, self.content_host, "/2/files/upload",
                                      arg=self._commit(remote), body=(upload, 0, size))
            else:
                metadata = self._upload_session(upload, remote)
        except _Conflict as exc:  # e.g. path/insufficient_space, path/disallowed_name
            raise DeliveryError(f"{path.name}: Dropbox refused the upload to {url}: "
                                f"{exc.summary}", path=str(path)) from None
        finally:
            upload.handle.close()
        local = upload.hasher.hexdigest()
        stored = metadata.get("content_hash")
        if upload.hashed != size or (stored is not None and stored != local):
            raise DeliveryError(f"{path.name}: Dropbox stored {url} with content_hash {stored}, "
                                f"but the file sent hashes to {local}; was it changed while "
                                "uploading? Deliver it again", path=str(path), transient=True)
        log.info("delivered %s to %s (%d bytes)", path.name, url, size)
        return DeliveryResult(url=url, skipped=False, bytes=size)

    def _commit(self, remote: str) -> dict[str, Any]:
        return {"path": remote, "mode": "overwrite", "autorename": False, "mute": self.mute}

    def _remote_hash(self, path: Path, remote: str) -> str | None:
        """The ``content_hash`` of the file already at ``remote``; None when nothing is."""
        try:
            metadata = self._call(path, self.api_host, "/2/files/get_metadata",
                                  json_body={"path": remote})
        except _Conflict as exc:
            if exc.summary.startswith("path/not_found"):
                return None
            raise DeliveryError(f"{path.name}: Dropbox cannot check dropbox:{remote}: "
                                f"{exc.summary}", path=str(path)) from None
        if metadata.get(".tag") != "file":
            raise DeliveryError(f"{path.name}: dropbox:{remote} is a {metadata.get('.tag')}, "
                                "not a file; remove it or pick another name", path=str(path))
        found = metadata.get("content_hash")
        return found if isinstance(found, str) else None

    def _upload_session(self, upload: _Upload, remote: str) -> dict[str, Any]:
        path, size, chunk = upload.path, upload.size, self.chunk_bytes
        first = min(chunk, size)
        started = self._call(path, self.content_host, "/2/files/upload_session/start",
                             arg={"close": False}, body=(upload, 0, first))
        session_id, offset, conflicts = str(started["session_id"]), first, 0
        while True:
            cursor = {"session_id": session_id, "offset": offset}
            length = min(chunk, size - offset)
            finishing = size - offset <= chunk
            try:
                if finishing:
                    return self._call(path, self.content_host, "/2/files/upload_session/finish",
                                      arg={"cursor": cursor, "commit": self._commit(remote)},
                                      body=(upload, offset, length))
                self._call(path, self.content_host, "/2/files/upload_session/append_v2",
                           arg={"cursor": cursor, "close": False}, body=(upload, offset, length))
                offset += length
            except _Conflict as exc:
                held, conflicts = _correct_offset(exc.error), conflicts + 1
                if held is not None and held != offset and 0 <= held <= size \
                        and conflicts < self.max_attempts:
                    log.info("%s: Dropbox holds %d bytes of the session, not %d; going on "
                             "from there", path.name, held, offset)
                    upload.catch_up(held)
                    offset = held
                    continue
                # A finish whose answer was lost and was sent again: the session is gone but
                # the file may be committed. Dropbox's hash tells.
                if (finishing and upload.hashed == size
                        and self._remote_hash(path, remote) == upload.hasher.hexdigest()):
                    return {"content_hash": upload.hasher.hexdigest()}
                raise DeliveryError(f"{path.name}: Dropbox refused the upload to "
                                    f"dropbox:{remote}: {exc.summary}", path=str(path)) from None

    def _call(self, path: Path, host: str, endpoint: str, *, arg: dict[str, Any] | None = None,
              json_body: dict[str, Any] | None = None,
              body: tuple[_Upload, int, int] | None = None) -> dict[str, Any]:
        """POST to one endpoint with bounded retries; the decoded JSON answer."""

        def refused(status: int, summary: str, error: Any) -> Exception:
            if status == 409:
                return _Conflict(summary, error)
            if status == 401:
                return DeliveryError(f"{path.name}: Dropbox refused the access token "
                                     f"({summary}); set a valid EDITRON_DROPBOX_TOKEN",
                                     path=str(path))
            return DeliveryError(f"{path.name}: Dropbox answered HTTP {status} to "
                                 f"{endpoint}: {summary}", path=str(path))

        def gave_up(message: str) -> Exception:
            return DeliveryError(message, path=str(path), transient=True)

        stream: Callable[[], _RangeBody] | None = None  # a fresh body for each try
        length = 0
        if body is not None:
            upload, offset, length = body
            stream = partial(upload.body, offset, length)
        payload = self._post_with_retries(host, endpoint, where=path.name, refused=refused,
                                          gave_up=gave_up, json_body=json_body, stream=stream,
                                          length=length, arg=arg)
        return json_answer(payload)
