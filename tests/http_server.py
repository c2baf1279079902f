"""A local HTTP file server with Range support and injectable faults, for download tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Fault", "FileServer", "serve"]


@dataclass
class Fault:
    """What to do to the next matching request (consumed once unless ``times`` > 1)."""

    kind: str  # drop | status | ignore_range | redirect | bad_range
    times: int = 1
    after_bytes: int = 0  # drop: bytes sent before the connection is cut
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    location: str = ""


@dataclass
class FileServer:
    root: Path
    port: int = 0
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    requests: list[dict[str, str | None]] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def add_fault(self, path: str, fault: Fault) -> None:
        self.faults.setdefault("/" + path.lstrip("/"), []).append(fault)

    def take_fault(self, path: str) -> Fault | None:
        queue = self.faults.get(path) or []
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault


def _handler(server_state: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            server_state.requests.append({"path": path, "query": parts.query,
                                          "range": self.headers.get("Range"),
                                          "host": self.headers.get("Host")})
            server_state.request_times.append(time.monotonic())
            fault = server_state.take_fault(path)
            if fault is not None and fault.kind == "status":
                self.send_response(fault.status)
                for key, value in fault.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault is not None and fault.kind == "redirect":
                self.send_response(302)
                self.send_header("Location", fault.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = server_state.root / path.lstrip("/")
            # Dropbox-style links: serve /scl/fo/<id>/<name> from the file named by the last part.
            if not target.is_file():
                target = server_state.root / Path(path).name
            if not target.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = target.read_bytes()
            start = 0
            byte_range = self.headers.get("Range")
            honour = byte_range and not (fault is not None and fault.kind == "ignore_range")
            if honour and byte_range is not None and byte_range.startswith("bytes="):
                start = int(byte_range[6:].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                if fault is not None and fault.kind == "bad_range":
                    # A broken server: claims a partial answer but sends from the start.
                    start = 0
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if fault is not None and fault.kind == "drop":
                self.wfile.write(body[: fault.after_bytes])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(root: Path) -> Iterator[FileServer]:
    state = FileServer(root=root)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
