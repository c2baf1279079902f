"""Streaming downloads: constant memory, SHA-256 while streaming, Range resume, bounded retries.

A transfer writes ``<dest>.part`` and renames it when complete, so a half file never carries the
final name. After a dropped connection the next attempt asks for ``Range: bytes=<have>-`` and
keeps the running hash; after a crash a new process re-hashes the part file once and resumes.

Retries use exponential backoff (``download_backoff_base_seconds`` doubling, capped) on
connection errors, 5xx and 429, honouring ``Retry-After``. Other 4xx fail at once. The retry
loop is written out rather than delegated to tenacity because each attempt must carry the
resume offset and hash state, and the wait depends on the response (Retry-After).
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import httpx

from editron.config import Settings
from editron.domain.media import StagedFile
from editron.errors import DownloadError, LimitExceededError
from editron.ingest.netguard import check_url
from editron.ingest.progress import ProgressSink

__all__ = ["download_to", "parse_retry_after"]

log = logging.getLogger(__name__)
MAX_REDIRECTS = 10
HASH_READ_BYTES = 4 * 1024 * 1024


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


@dataclass(slots=True)
class _State:
    offset: int
    hasher: Any  # hashlib object or None
    total: int | None = None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _hash_existing(part: Path, checksum: bool) -> _State:
    if not part.exists():
        return _State(0, hashlib.sha256() if checksum else None)
    hasher = hashlib.sha256() if checksum else None
    size = 0
    with part.open("rb") as handle:
        while chunk := handle.read(HASH_READ_BYTES):
            if hasher is not None:
                hasher.update(chunk)
            size += len(chunk)
    return _State(size, hasher)


def _open_response(client: httpx.Client, url: str, headers: dict[str, str],
                   settings: Settings) -> tuple[httpx.Response, str]:
    """GET with redirects followed by hand, so every hop passes the address check."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current, allow_private=settings.allow_private_urls)
        request = client.build_request("GET", current, headers=headers)
        response = client.send(request, stream=True, follow_redirects=False)
        if response.is_redirect:
            location = response.headers.get("location", "")
            response.close()
            current = urljoin(current, location)
            continue
        return response, current
    raise DownloadError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _content_range_total(response: httpx.Response, expected_start: int, url: str) -> int | None:
    value = response.headers.get("content-range", "")
    # bytes START-END/TOTAL
    try:
        unit, _, rest = value.partition(" ")
        span, _, total = rest.partition("/")
        start = int(span.split("-")[0])
    except ValueError:
        raise _Retryable(f"bad Content-Range {value!r}") from None
    if unit != "bytes" or start != expected_start:
        raise _Retryable(f"server resumed at the wrong offset ({value!r}, wanted {expected_start})")
    return int(total) if total.isdigit() else None


def _attempt(client: httpx.Client, url: str, part: Path, state: _State, *, settings: Settings,
             name: str, progress: ProgressSink | None) -> None:
    headers = {"Accept-Encoding": "identity"}
    if state.offset:
        headers["Range"] = f"bytes={state.offset}-"
    try:
        response, _final = _open_response(client, url, headers, settings)
    except httpx.TransportError as exc:
        raise _Retryable(f"connection failed: {exc}") from exc
    try:
        _consume(response, url, part, state, settings=settings, name=name, progress=progress)
    finally:
        response.close()
    if state.total is not None and state.offset < state.total:
        raise _Retryable(f"connection closed at {state.offset} of {state.total} bytes")


def _consume(response: httpx.Response, url: str, part: Path, state: _State, *,
             settings: Settings, name: str, progress: ProgressSink | None) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise _Retryable(f"HTTP {status}",
                         parse_retry_after(response.headers.get("retry-after")))
    if status == 416 and state.offset:
        total = response.headers.get("content-range", "").rpartition("/")[2]
        if total.isdigit() and int(total) == state.offset:
            state.total = state.offset
            return
        _reset(part, state)
        raise _Retryable("server refused the resume range; restarting", 0.0)
    if status >= 400:
        raise DownloadError(
            f"{url}: HTTP {status} {response.reason_phrase}; check the link is right and "
            "shared publicly", path=url)
    mode = "ab"
    if status == 206:
        total = _content_range_total(response, state.offset, url)
        state.total = total
    else:  # 200: the whole body, even if we asked for a range
        if state.offset:
            log.info("%s ignored the Range request; downloading from the start", url)
            _reset(part, state)
        mode = "wb"
        length = response.headers.get("content-length")
        state.total = int(length) if length and length.isdigit() else None
    if state.total is not None and state.total > settings.max_batch_bytes:
        raise LimitExceededError(
            f"{url}: {state.total} bytes is more than the batch limit "
            f"({settings.max_batch_bytes}); raise EDITRON_MAX_BATCH_BYTES", path=url)
    with part.open(mode) as handle:
        _stream(response, handle, state, settings=settings, name=name, progress=progress)


def _stream(response: httpx.Response, handle: IO[bytes], state: _State, *, settings: Settings,
            name: str, progress: ProgressSink | None) -> None:
    last_report = 0.0
    try:
        for chunk in response.iter_raw(settings.download_chunk_bytes):
            handle.write(chunk)
            if state.hasher is not None:
                state.hasher.update(chunk)
            state.offset += len(chunk)
            if state.offset > settings.max_batch_bytes:
                raise LimitExceededError(
                    f"{name}: download passed the batch limit of {settings.max_batch_bytes} "
                    "bytes; raise EDITRON_MAX_BATCH_BYTES")
            now = time.monotonic()
            if progress is not None and now - last_report >= 0.1:
                last_report = now
                progress.on_bytes(name, state.offset, state.total)
    except httpx.TransportError as exc:
        handle.flush()
        raise _Retryable(f"connection dropped at byte {state.offset}: {exc}") from exc
    finally:
        handle.flush()


def _reset(part: Path, state: _State) -> None:
    part.unlink(missing_ok=True)
    state.offset = 0
    if state.hasher is not None:
        state.hasher = hashlib.sha256()


def _backoff(settings: Settings, attempt: int, hinted: float | None) -> float:
    if hinted is not None:
        return min(hinted, settings.download_backoff_max_seconds)
    base = settings.download_backoff_base_seconds * (2 ** (attempt - 1))
    return float(min(base * (0.75 + random.random() / 2), settings.download_backoff_max_seconds))


def download_to(
    url: str,
    dest: Path,
    *,
    settings: Settings,
    checksum: bool = True,
    progress: ProgressSink | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> StagedFile:
    """Download ``url`` to ``dest`` and return it with its SHA-256 (``None`` without checksum)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    state = _hash_existing(part, checksum)
    own_client = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(settings.download_timeout_seconds,
                                                        connect=15.0))
    try:
        for attempt in range(1, settings.download_max_attempts + 1):
            try:
                _attempt(http, url, part, state, settings=settings, name=dest.name,
                         progress=progress)
                break
            except _Retryable as exc:
                if attempt == settings.download_max_attempts:
                    raise DownloadError(
                        f"{url}: gave up after {attempt} attempts: {exc.reason}", path=url
                    ) from None
                wait = _backoff(settings, attempt, exc.wait)
                log.warning("download of %s: %s; retrying in %.1f s (attempt %d of %d)",
                            dest.name, exc.reason, wait, attempt + 1,
                            settings.download_max_attempts)
                sleep(wait)
    finally:
        if own_client:
            http.close()
    if not part.exists():
        part.touch()
    part.replace(dest)
    if progress is not None:
        progress.on_bytes(dest.name, state.offset, state.offset)
    digest = state.hasher.hexdigest() if state.hasher is not None else None
    return StagedFile(path=dest, relative_name=dest.name, size_bytes=state.offset,
                      checksum_sha256=digest, source_url=url)
