"""The HTTP plumbing shared by the Dropbox API clients (watched folders and uploads).

``DropboxHttp`` POSTs to one endpoint of a configured host (``https://``, or plain ``http://``
for local test servers) with the bearer token and a JSON or streamed octet-stream body, and
retries the way ``ingest/download.py`` does: connection errors, 429 and 5xx wait with
exponential backoff and jitter (or ``Retry-After``, capped) up to ``max_attempts``; any other
answer is handed to the caller at once with Dropbox's ``error_summary``. The hosts come from the
operator's configuration, not from users, so they are not put through ``netguard``. The access
token goes in the ``Authorization`` header only: never in a message, a log line or a repr.

Both ``dropbox/client.py`` (watched folders) and ``render/destinations/dropbox.py`` (uploads)
use it.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, Protocol
from urllib.parse import urlsplit

from editron.errors import InputError
from editron.ingest.download import USER_AGENT, parse_retry_after

__all__ = [
    "DEFAULT_API_HOST",
    "SEND_BLOCK_BYTES",
    "USER_AGENT",
    "DropboxHttp",
    "Reply",
    "api_arg",
    "check_host",
    "error_summary",
    "json_answer",
]

log = logging.getLogger(__name__)
DEFAULT_API_HOST = "https://api.dropboxapi.com"
SEND_BLOCK_BYTES = 1024 * 1024  # how much of a streamed body goes to the socket at once


class Readable(Protocol):
    """A request body ``http.client`` streams (``read`` until it returns ``b""``)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Reply(NamedTuple):
    """One HTTP answer: its status, its ``Retry-After`` header and its decoded body."""

    status: int
    retry_after: str | None
    payload: str


def check_host(host: str) -> str:
    """``host`` (stripped) if it is an http(s) URL with a host name; InputError otherwise."""
    parts = urlsplit(host.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"Dropbox host {host!r} must be an http(s):// URL such as "
                         f"{DEFAULT_API_HOST}")
    return host.strip()


def error_summary(payload: str) -> tuple[str, Any]:
    """(``error_summary``, ``error``) from an error answer; plain text answers as they are."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return (payload.strip()[:200] or "no details"), None
    if isinstance(answer, dict):
        return str(answer.get("error_summary") or payload.strip()[:200]), answer.get("error")
    return payload.strip()[:200], None


def json_answer(payload: str) -> dict[str, Any]:
    """The object a successful answer holds (``{}`` if empty or not an object).

    Raises ValueError when the payload is not JSON at all."""
    answer = json.loads(payload) if payload.strip() else {}
    return answer if isinstance(answer, dict) else {}


def api_arg(arg: dict[str, Any]) -> str:
    """The ``Dropbox-API-Arg`` header for ``arg``."""
    # The header must be ASCII; Dropbox asks for DEL escaped as well as non-ASCII characters.
    return json.dumps(arg, ensure_ascii=True).replace("\x7f", "\\u007f")


class DropboxHttp:
    """A bearer-token session against Dropbox hosts (one connection per request).

    The API clients derive from it and turn refusals into their own errors. Subclasses may set
    ``_log`` to their own logger, so that retry warnings are logged under their name.
    """

    _log: ClassVar[logging.Logger] = log

    def __init__(self, token: str, *, max_attempts: int = 6, backoff_base_seconds: float = 0.5,
                 backoff_max_seconds: float = 30.0, timeout_seconds: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._token = token
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_seconds, self.backoff_max_seconds = (
            backoff_base_seconds, backoff_max_seconds)
        self.timeout_seconds, self.sleep = timeout_seconds, sleep

    def _post_with_retries(self, host: str, endpoint: str, *, where: str,
                           refused: Callable[[int, str, Any], Exception],
                           gave_up: Callable[[str], Exception],
                           json_body: Any = None, stream: Callable[[], Readable] | None = None,
                           length: int = 0, arg: dict[str, Any] | None = None) -> str:
        """POST to ``endpoint`` with bounded retries; the payload of the HTTP 200 answer.

        An answer that is not worth retrying raises ``refused(status, summary, error)``;
        running out of attempts raises ``gave_up(message)``. ``where`` names what the request
        is about in those messages and in the retry warnings. ``stream`` makes a fresh body
        (of ``length`` bytes) for each attempt; without it ``json_body`` is sent as JSON.
        """
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            wait: float | None = None
            try:
                status, retry_after, payload = self._post_once(
                    host, endpoint, json_body=json_body,
                    stream=stream() if stream is not None else None, length=length, arg=arg)
            except (OSError, http.client.HTTPException) as exc:
                reason = f"connection failed: {exc}"
            else:
                if status == 200:
                    return payload
                summary, error = error_summary(payload)
                if status != 429 and status < 500:
                    raise refused(status, summary, error)
                reason, wait = f"HTTP {status} {summary}", parse_retry_after(retry_after)
            if attempt == self.max_attempts:
                break
            delay = self._backoff(attempt, wait)
            self._log.warning("Dropbox %s for %s: %s; retrying in %.1f s (attempt %d of %d)",
                              endpoint, where, reason, delay, attempt + 1, self.max_attempts)
            self.sleep(delay)
        raise gave_up(f"{where}: gave up on Dropbox {endpoint} after {self.max_attempts} "
                      f"attempts: {reason}")

    def _post_once(self, host: str, endpoint: str, *, json_body: Any = None,
                   stream: Readable | None = None, length: int = 0,
                   arg: dict[str, Any] | None = None) -> Reply:
        """One POST: ``stream`` (``length`` bytes) as octet-stream, else ``json_body``."""
        parts = urlsplit(host)
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname or "", parts.port,
                                               timeout=self.timeout_seconds,
                                               blocksize=SEND_BLOCK_BYTES)
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                              timeout=self.timeout_seconds,
                                              blocksize=SEND_BLOCK_BYTES)
        headers = {"Authorization": f"Bearer {self._token}", "User-Agent": USER_AGENT}
        data: bytes | Readable
        if stream is not None:
            data = stream
            headers.update({"Content-Type": "application/octet-stream",
                            "Content-Length": str(length)})
        else:
            data = json.dumps({} if json_body is None else json_body).encode()
            headers.update({"Content-Type": "application/json",
                            "Content-Length": str(len(data))})
        if arg is not None:
            headers["Dropbox-API-Arg"] = api_arg(arg)
        try:
            conn.request("POST", parts.path.rstrip("/") + endpoint, body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read().decode("utf-8", "replace")
            return Reply(response.status, response.getheader("retry-after"), payload)
        finally:
            conn.close()

    def _backoff(self, attempt: int, hinted: float | None) -> float:
        """Seconds before try ``attempt + 1``: ``Retry-After`` if given, else doubling with
        jitter; capped at ``backoff_max_seconds`` either way."""
        if hinted is not None:
            return min(hinted, self.backoff_max_seconds)
        base = self.backoff_base_seconds * (2 ** (attempt - 1)) * (0.75 + random.random() / 2)
        return float(min(base, self.backoff_max_seconds))
