"""A fake Dropbox API v2 (the api and content hosts) for delivery and folder-monitor tests.

Two real HTTP servers on loopback share one in-memory account: the api host answers
``/2/files/get_metadata``, ``/2/files/list_folder`` (recursive, paged by ``page_size``),
``/2/files/list_folder/continue`` (changes since a cursor; ``expire_cursors`` makes it answer
``reset``) and ``/2/files/get_temporary_link``; the content host answers ``/2/files/upload``
and the ``upload_session`` endpoints, and serves temporary links as plain ``GET /temp/<id>``
without a token, as Dropbox's link host does. Like Dropbox, it checks the bearer token, the
``Dropbox-API-Arg`` header, the session offsets (answering ``incorrect_offset`` with the
offset it holds) and reports each file's ``content_hash``. Faults can be queued per endpoint,
either instead of handling a request or after handling it (an answer lost on the way back).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ApiFault", "FakeDropbox", "Recorded", "dropbox_content_hash", "serve_dropbox"]

BLOCK = 4 * 1024 * 1024
API_ENDPOINTS = {"/2/files/get_metadata", "/2/files/list_folder",
                 "/2/files/list_folder/continue", "/2/files/get_temporary_link"}
CONTENT_ENDPOINTS = {"/2/files/upload", "/2/files/upload_session/start",
                     "/2/files/upload_session/append_v2", "/2/files/upload_session/finish"}


def dropbox_content_hash(data: bytes) -> str:
    """The server's own content_hash, written independently of the code under test."""
    digests = b"".join(hashlib.sha256(data[i:i + BLOCK]).digest()
                       for i in range(0, len(data), BLOCK))
    return hashlib.sha256(digests).hexdigest()


@dataclass
class ApiFault:
    """Answer the next matching request with ``status`` (``times`` times in a row)."""

    status: int = 503
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error_summary": "internal_error/..."}'
    after_processing: bool = False  # handle the request, then lose the answer


@dataclass
class Recorded:
    host: str  # "api" or "content"
    endpoint: str
    arg: dict[str, Any] | None
    json_body: dict[str, Any] | None
    body_bytes: int
    authorization: str | None
    status: int = 0


@dataclass
class FakeDropbox:
    token: str = "test-token"
    # lower-case path -> (path as written, bytes)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    sessions: dict[str, bytearray] = field(default_factory=dict)
    faults: dict[str, list[ApiFault]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    api_url: str = ""
    content_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    # lower-case path -> server_modified; cursor -> listing state; link id -> lower-case path
    modified: dict[str, str] = field(default_factory=dict)
    cursors: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    page_size: int = 1000

    def add_fault(self, endpoint: str, fault: ApiFault) -> None:
        self.faults.setdefault(endpoint, []).append(fault)

    def take_fault(self, endpoint: str) -> ApiFault | None:
        queue = self.faults.get(endpoint) or []
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    def put(self, path: str, data: bytes) -> None:
        self.files[path.lower()] = (path, data)
        self.modified[path.lower()] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def remove(self, path: str) -> None:
        self.files.pop(path.lower(), None)

    def expire_cursors(self) -> None:
        """Every saved cursor answers ``reset`` from now on."""
        for state in self.cursors.values():
            state["expired"] = True

    def link_gets(self) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint.startswith("GET /temp/")]

    def get(self, path: str) -> bytes | None:
        entry = self.files.get(path.lower())
        return entry[1] if entry else None

    def calls(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint == endpoint]

    # Endpoint logic: each returns (status, JSON answer).

    def metadata(self, path: str) -> tuple[int, dict[str, Any]]:
        entry = self.files.get(path.lower())
        if entry is not None:
            display, data = entry
            return 200, {".tag": "file", "name": display.rsplit("/", 1)[-1],
                         "path_lower": path.lower(), "path_display": display,
                         "id": "id:" + hashlib.sha256(display.encode()).hexdigest()[:12],
                         "size": len(data), "content_hash": dropbox_content_hash(data)}
        if any(key.startswith(path.lower().rstrip("/") + "/") for key in self.files):
            return 200, {".tag": "folder", "name": path.rsplit("/", 1)[-1],
                         "path_lower": path.lower(), "path_display": path}
        return 409, {"error_summary": "path/not_found/..",
                     "error": {".tag": "path", "path": {".tag": "not_found"}}}

    def _snapshot(self, folder: str) -> dict[str, str]:
        """lower-case path -> content_hash of every file under ``folder``."""
        prefix = folder.lower().rstrip("/") + "/"
        return {key: dropbox_content_hash(data) for key, (_, data) in self.files.items()
                if key.startswith(prefix)}

    def _entries(self, folder: str, keys: list[str]) -> list[dict[str, Any]]:
        """Metadata of ``keys``, each preceded by the folders above it (once)."""
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        depth = len([s for s in folder.split("/") if s])
        for key in sorted(keys):
            display = self.files[key][0]
            segments = [s for s in display.split("/") if s]
            for end in range(depth + 1, len(segments)):
                sub = "/" + "/".join(segments[:end])
                if sub.lower() not in seen:
                    seen.add(sub.lower())
                    entries.append({".tag": "folder", "name": segments[end - 1],
                                    "path_lower": sub.lower(), "path_display": sub})
            entry = self.metadata(key)[1]
            entry["server_modified"] = self.modified.get(key, "2026-01-01T00:00:00Z")
            entries.append(entry)
        return entries

    def _page(self, folder: str, snapshot: dict[str, str],
              entries: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        page, rest = entries[:self.page_size], entries[self.page_size:]
        cursor = "cur-" + uuid.uuid4().hex
        self.cursors[cursor] = {"folder": folder, "snapshot": snapshot, "remaining": rest,
                                "expired": False}
        return 200, {"entries": page, "cursor": cursor, "has_more": bool(rest)}

    def list_folder(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        folder = str(payload.get("path", ""))
        if not payload.get("recursive"):
            return 400, {"error_summary": "this fake only lists recursively"}
        snapshot = self._snapshot(folder)
        if not snapshot:
            return 409, {"error_summary": "path/not_found/..",
                         "error": {".tag": "path", "path": {".tag": "not_found"}}}
        return self._page(folder, snapshot, self._entries(folder, list(snapshot)))

    def list_folder_continue(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.cursors.get(str(payload.get("cursor", "")))
        if state is None or state["expired"]:
            return 409, {"error_summary": "reset/..", "error": {".tag": "reset"}}
        folder, before = state["folder"], state["snapshot"]
        if state["remaining"]:
            return self._page(folder, before, state["remaining"])
        now = self._snapshot(folder)
        changed = [key for key, digest in now.items() if before.get(key) != digest]
        entries = self._entries(folder, changed)
        entries += [{".tag": "deleted", "name": key.rsplit("/", 1)[-1], "path_lower": key,
                     "path_display": key} for key in sorted(set(before) - set(now))]
        return self._page(folder, now, entries)

    def temporary_link(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, metadata = self.metadata(str(payload.get("path", "")))
        if status != 200 or metadata.get(".tag") != "file":
            return 409, {"error_summary": "path/not_found/..",
                         "error": {".tag": "path", "path": {".tag": "not_found"}}}
        link_id = uuid.uuid4().hex
        self.links[link_id] = metadata["path_lower"]
        name = metadata["name"]
        return 200, {"metadata": metadata, "link": f"{self.content_url}/temp/{link_id}/{name}"}

    def commit(self, commit: dict[str, Any], data: bytes) -> tuple[int, dict[str, Any]]:
        path = commit["path"]
        status, existing = self.metadata(path)
        if status == 200 and existing[".tag"] == "folder":
            return 409, {"error_summary": "path/conflict/folder/..", "error": {}}
        if status == 200 and commit.get("mode", "add") == "add":
            return 409, {"error_summary": "path/conflict/file/..", "error": {}}
        self.put(path, data)
        return self.metadata(path)

    def session_error(self, session_id: str, offset: int, *, nested: bool
                      ) -> tuple[int, dict[str, Any]] | None:
        held = self.sessions.get(session_id)
        error: dict[str, Any]
        if held is None:
            summary, error = "not_found/..", {".tag": "not_found"}
        elif offset != len(held):
            summary = "incorrect_offset/.."
            error = {".tag": "incorrect_offset", "correct_offset": len(held)}
        else:
            return None
        if nested:
            return 409, {"error_summary": "lookup_failed/" + summary,
                         "error": {".tag": "lookup_failed", "lookup_failed": error}}
        return 409, {"error_summary": summary, "error": error}

    def handle(self, endpoint: str, arg: dict[str, Any] | None,
               payload: dict[str, Any] | None, data: bytes) -> tuple[int, dict[str, Any]]:
        if endpoint == "/2/files/get_metadata":
            return self.metadata(str((payload or {}).get("path", "")))
        if endpoint == "/2/files/list_folder":
            return self.list_folder(payload or {})
        if endpoint == "/2/files/list_folder/continue":
            return self.list_folder_continue(payload or {})
        if endpoint == "/2/files/get_temporary_link":
            return self.temporary_link(payload or {})
        arg = arg or {}
        if endpoint == "/2/files/upload":
            return self.commit(arg, data)
        if endpoint == "/2/files/upload_session/start":
            session_id = uuid.uuid4().hex
            self.sessions[session_id] = bytearray(data)
            return 200, {"session_id": session_id}
        cursor = arg["cursor"]
        failed = self.session_error(cursor["session_id"], cursor["offset"],
                                    nested=endpoint.endswith("finish"))
        if failed is not None:
            return failed
        held = self.sessions[cursor["session_id"]]
        held.extend(data)
        if endpoint.endswith("append_v2"):
            return 200, {}
        del self.sessions[cursor["session_id"]]
        return self.commit(arg["commit"], bytes(held))


def _handler(fake: FakeDropbox, host: str) -> type[BaseHTTPRequestHandler]:
    endpoints = API_ENDPOINTS if host == "api" else CONTENT_ENDPOINTS

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def answer(self, status: int, body: str, *, headers: dict[str, str] | None = None,
                   content_type: str = "application/json") -> None:
            raw = body.encode()
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            # A temporary link: no token, the file's bytes (or 410 once it is gone).
            record = Recorded(host, f"GET {self.path}", None, None, 0,
                              self.headers.get("Authorization"))
            with fake.lock:
                fake.requests.append(record)
                parts = self.path.split("/")
                key = fake.links.get(parts[2]) if host == "content" and len(parts) > 2 \
                    and parts[1] == "temp" else None
                data = fake.get(key) if key is not None else None
            if data is None:
                record.status = 410
                self.answer(410, "link gone", content_type="text/plain")
                return
            record.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                self.answer(400, "Content-Length required", content_type="text/plain")
                return
            data = self.rfile.read(int(length))
            endpoint = self.path
            raw_arg = self.headers.get("Dropbox-API-Arg")
            record = Recorded(host, endpoint, None, None, len(data),
                              self.headers.get("Authorization"))
            with fake.lock:
                fake.requests.append(record)
            if endpoint not in endpoints:
                record.status = 400
                self.answer(400, f"Unknown API function: {endpoint}", content_type="text/plain")
                return
            try:
                if raw_arg is not None:
                    raw_arg.encode("ascii")
                    record.arg = json.loads(raw_arg)
                if host == "api":
                    record.json_body = json.loads(data or b"{}")
            except (UnicodeEncodeError, ValueError) as exc:
                record.status = 400
                self.answer(400, f"Error in call: bad argument: {exc}", content_type="text/plain")
                return
            if self.headers.get("Authorization") != f"Bearer {fake.token}":
                record.status = 401
                self.answer(401, json.dumps({"error_summary": "invalid_access_token/...",
                                             "error": {".tag": "invalid_access_token"}}))
                return
            status, body = 0, dict[str, Any]()
            with fake.lock:
                fault = fake.take_fault(endpoint)
                if fault is None or fault.after_processing:
                    status, body = fake.handle(endpoint, record.arg, record.json_body, data)
            if fault is not None:
                status, text, headers = fault.status, fault.body, fault.headers
            else:
                text, headers = json.dumps(body), {}
            record.status = status
            self.answer(status, text, headers=headers)

    return Handler


@contextmanager
def serve_dropbox(token: str = "test-token") -> Iterator[FakeDropbox]:
    fake = FakeDropbox(token=token)
    servers = []
    for host in ("api", "content"):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake, host))
        httpd.daemon_threads = True
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        if host == "api":
            fake.api_url = url
        else:
            fake.content_url = url
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(httpd)
    try:
        yield fake
    finally:
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()
