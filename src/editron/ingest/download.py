"""Streaming downloads: constant memory, SHA-256 while streaming, Range resume, bounded retries.

A transfer writes ``<dest>.part`` and renames it when complete, so a half file never carries the
final name. After a dropped connection the next attempt asks for ``Range: bytes=<have>-`` and
keeps the running hash; after a crash a new process re-hashes the part file once and resumes.

Retries use exponential backoff (``download_backoff_base_seconds`` doubling, capped) on
connection errors, 5xx and 429, honouring ``Retry-After``. Other 4xx fail at once. The retry
loop is written out rather than delegated to tenacity because each attempt must carry the
resume offset and hash state, and the wait depends on the response (Retry-After).

The transfer uses the standard library's ``http.client`` rather than httpx (DESIGN.md's pick):
``HTTPResponse.readinto`` fills large reused buffers at close to C speed, while httpx's
per-64-KiB Python overhead held it to under half of curl's throughput on loopback (see
benchmarks/README.md). Writing and hashing happen on their own threads behind the reader.

Every hop (the first request and each redirect, followed by hand) is checked by
``netguard.vetted_addresses`` and the TCP connection goes to exactly the addresses it vetted,
so neither a redirect nor a DNS answer that changes between check and connect can reach an
internal service.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import logging
import queue
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from editron import __version__
from editron.config import Settings
from editron.domain.media import StagedFile
from editron.errors import DownloadError
from editron.ingest.limits import over_batch_limit
from editron.ingest.netguard import vetted_addresses
from editron.ingest.progress import ProgressSink

__all__ = ["download_to", "parse_content_range", "parse_retry_after"]

log = logging.getLogger(__name__)
MAX_REDIRECTS = 10
HASH_READ_BYTES = 4 * 1024 * 1024
USER_AGENT = f"editron/{__version__}"


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None = None, *, restart: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.restart = restart


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


def _open_socket(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """Connect to the first reachable vetted address (never resolving the name again)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


def _connect(url: str, settings: Settings, addresses: list[str] | None
             ) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    timeout = settings.download_timeout_seconds
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    if addresses is not None:
        # http.client's documented seam for how the socket is made: the Host header and the
        # TLS server name still use the host name, but the TCP connection goes to the
        # addresses netguard checked.
        port = conn.port
        conn._create_connection = (  # type: ignore[attr-defined]
            lambda _address, connect_timeout, _source=None: _open_socket(
                addresses, port, connect_timeout))
    return conn


def _open_response(url: str, headers: dict[str, str], settings: Settings
                   ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """GET with redirects followed by hand, so every hop passes the address check."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https"):
            raise DownloadError(f"{url}: redirected to {current!r}, which is not http(s)",
                                path=url)
        addresses = vetted_addresses(current, allow_private=settings.allow_private_urls)
        conn = _connect(current, settings, addresses)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request("GET", path, headers={**headers, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        if response.status in (301, 302, 303, 307, 308):
            location = response.getheader("location", "") or ""
            response.close()
            conn.close()
            if not location:
                raise DownloadError(f"{url}: HTTP {response.status} without a Location",
                                    path=url)
            current = urljoin(current, location)
            continue
        return conn, response
    raise DownloadError(f"{url}: more than {MAX_REDIRECTS} redirects", path=url)


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """(first byte, last byte, total or None) from ``bytes FIRST-LAST/TOTAL``; None if invalid."""
    unit, _, rest = (value or "").strip().partition(" ")
    span, _, total = rest.partition("/")
    first, _, last = span.partition("-")
    if unit.lower() != "bytes" or not (first.isdigit() and last.isdigit()):
        return None
    start, stop = int(first), int(last)
    size = int(total) if total.isdigit() else None
    if stop < start or (total != "*" and size is None) or (size is not None and stop >= size):
        return None
    return start, stop, size


def _resumed_total(response: http.client.HTTPResponse, offset: int) -> int | None:
    """The full size from a 206 answer that continues exactly at ``offset``."""
    value = response.getheader("content-range")
    parsed = parse_content_range(value)
    if parsed is None or parsed[0] != offset:
        # A partial answer that does not continue where the part file ends cannot be
        # appended; the caller starts over rather than splice mismatched bytes.
        raise _Retryable(f"server answered the resume from byte {offset} with Content-Range "
                         f"{value!r}; starting over", 0.0, restart=True)
    return parsed[2]


def _attempt(url: str, part: Path, state: _State, *, settings: Settings,
             name: str, progress: ProgressSink | None) -> None:
    headers = {"Accept-Encoding": "identity"}
    if state.offset:
        headers["Range"] = f"bytes={state.offset}-"
    try:
        conn, response = _open_response(url, headers, settings)
    except (OSError, http.client.HTTPException) as exc:
        raise _Retryable(f"connection failed: {exc}") from exc
    try:
        _consume(response, url, part, state, settings=settings, name=name, progress=progress)
    finally:
        response.close()
        conn.close()
    if state.total is not None and state.offset < state.total:
        raise _Retryable(f"connection closed at {state.offset} of {state.total} bytes")


def _consume(response: http.client.HTTPResponse, url: str, part: Path, state: _State, *,
             settings: Settings, name: str, progress: ProgressSink | None) -> None:
    status = response.status
    if status == 429 or status >= 500:
        raise _Retryable(f"HTTP {status}", parse_retry_after(response.getheader("retry-after")))
    if status == 416 and state.offset:
        total = (response.getheader("content-range", "") or "").rpartition("/")[2]
        if total.isdigit() and int(total) == state.offset:
            state.total = state.offset
            return
        _reset(part, state)
        raise _Retryable("server refused the resume range; restarting", 0.0)
    if status >= 400:
        raise DownloadError(
            f"{url}: HTTP {status} {response.reason}; check the link is right and "
            "shared publicly", path=url)
    mode = "ab"
    if status == 206:
        state.total = _resumed_total(response, state.offset)
    else:  # 200: the whole body, even if we asked for a range
        if state.offset:
            log.info("%s ignored the Range request; downloading from the start", url)
            _reset(part, state)
        mode = "wb"
        length = response.getheader("content-length")
        state.total = int(length) if length and length.isdigit() else None
    if state.total is not None and state.total > settings.max_batch_bytes:
        raise over_batch_limit(state.total, settings.max_batch_bytes, url)
    with part.open(mode) as handle, _WriteBehind(handle, state) as sink:
        _stream(response, sink, state, settings=settings, name=name, progress=progress)


class _WriteBehind:
    """Writes each chunk on one thread and hashes it on another while the reader fills the
    next buffer from the socket (all three release the GIL for the heavy part). Buffers come
    from a small reused pool, so memory stays at ``POOL`` chunks whatever the file size."""

    POOL = 8

    def __init__(self, handle: IO[bytes], state: _State) -> None:
        self._handle, self._state = handle, state
        self._free: queue.Queue[bytearray] = queue.Queue()
        self._lock = threading.Lock()
        self._pending: dict[int, int] = {}  # id(buffer) -> consumers still using it
        self._error: BaseException | None = None
        self._queues: list[queue.Queue[tuple[bytearray, int] | None]] = [queue.Queue()]
        self._threads = [threading.Thread(target=self._consume, args=(self._queues[0],
                                                                      self._write),
                                          name="download-writer", daemon=True)]
        if state.hasher is not None:
            self._queues.append(queue.Queue())
            self._threads.append(threading.Thread(target=self._consume,
                                                  args=(self._queues[1], self._hash),
                                                  name="download-hasher", daemon=True))

    def buffers(self, size: int) -> None:
        for _ in range(self.POOL):
            self._free.put(bytearray(size))

    def take(self) -> bytearray:
        if self._error is not None:
            raise self._error
        return self._free.get()

    def give(self, buffer: bytearray, length: int) -> None:
        with self._lock:
            self._pending[id(buffer)] = len(self._queues)
        for work in self._queues:
            work.put((buffer, length))

    def _write(self, view: memoryview) -> None:
        self._handle.write(view)
        self._state.offset += len(view)

    def _hash(self, view: memoryview) -> None:
        self._state.hasher.update(view)

    def _consume(self, work: queue.Queue[tuple[bytearray, int] | None],
                 step: Callable[[memoryview], None]) -> None:
        while (item := work.get()) is not None:
            buffer, length = item
            if self._error is None and length:
                try:
                    step(memoryview(buffer)[:length])
                except BaseException as exc:  # surfaced to the reader on its next take()
                    self._error = exc
            with self._lock:
                self._pending[id(buffer)] -= 1
                done = self._pending[id(buffer)] == 0
            if done:
                self._free.put(buffer)

    def __enter__(self) -> _WriteBehind:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for work in self._queues:
            work.put(None)
        for thread in self._threads:
            thread.join()
        self._handle.flush()
        if self._error is not None and exc[0] is None:
            raise self._error


def _stream(response: http.client.HTTPResponse, sink: _WriteBehind, state: _State, *,
            settings: Settings, name: str, progress: ProgressSink | None) -> None:
    last_report = 0.0
    sink.buffers(settings.download_chunk_bytes)
    received = state.offset
    while True:
        buffer = sink.take()
        try:
            length = response.readinto(buffer)
        except (OSError, http.client.HTTPException) as exc:
            sink.give(buffer, 0)
            raise _Retryable(f"connection dropped at byte {received}: {exc}") from exc
        if not length:
            sink.give(buffer, 0)
            return
        sink.give(buffer, length)
        received += length
        if received > settings.max_batch_bytes:
            raise over_batch_limit(received, settings.max_batch_bytes, name, so_far=True)
        now = time.monotonic()
        if progress is not None and now - last_report >= 0.1:
            last_report = now
            progress.on_bytes(name, received, state.total)


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
    sleep: Callable[[float], None] = time.sleep,
) -> StagedFile:
    """Download ``url`` to ``dest`` and return it with its SHA-256 (``None`` without checksum)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    state = _hash_existing(part, checksum)
    for attempt in range(1, settings.download_max_attempts + 1):
        try:
            _attempt(url, part, state, settings=settings, name=dest.name, progress=progress)
            break
        except _Retryable as exc:
            if exc.restart:
                _reset(part, state)
            if attempt == settings.download_max_attempts:
                raise DownloadError(
                    f"{url}: gave up after {attempt} attempts: {exc.reason}", path=url
                ) from None
            wait = _backoff(settings, attempt, exc.wait)
            log.warning("download of %s: %s; retrying in %.1f s (attempt %d of %d)",
                        dest.name, exc.reason, wait, attempt + 1,
                        settings.download_max_attempts)
            sleep(wait)
    if not part.exists():
        part.touch()
    part.replace(dest)
    if progress is not None:
        progress.on_bytes(dest.name, state.offset, state.offset)
    digest = state.hasher.hexdigest() if state.hasher is not None else None
    return StagedFile(path=dest, relative_name=dest.name, size_bytes=state.offset,
                      checksum_sha256=digest, source_url=url)
