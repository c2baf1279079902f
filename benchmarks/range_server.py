"""A fast loopback file server for the ingest benchmark: Range support, sendfile, and a log of
the Range header and bytes sent per request (one JSON line each) for the resume measurement.

Run as its own process (``python benchmarks/range_server.py ROOT LOG``) so it never shares
a GIL with the client being measured. It binds port 0 itself and, once listening, prints the
port as its first line on stdout: the parent waits for that line, not for a fixed time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

PACE_STEP = 256 * 1024


def main() -> None:
    root, log_path = Path(sys.argv[1]), Path(sys.argv[2])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path, _, query = self.path.lstrip("/").partition("?")
            target = root / path
            # ?rate=MB_PER_S paces the body like a network link of that speed would.
            rate = float(dict(parse_qsl(query)).get("rate", 0)) * 1024 * 1024
            size = target.stat().st_size
            start = 0
            header = self.headers.get("Range")
            if header and header.startswith("bytes="):
                start = int(header[6:].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            sent = 0
            try:
                with target.open("rb") as handle:
                    sock = self.wfile._sock  # type: ignore[attr-defined]
                    if not rate:
                        sent = sock.sendfile(handle, offset=start)
                    else:
                        began = time.monotonic()
                        while start + sent < size:
                            sent += sock.sendfile(handle, offset=start + sent, count=PACE_STEP)
                            ahead = began + sent / rate - time.monotonic()
                            if ahead > 0:
                                time.sleep(ahead)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with log_path.open("a") as log:
                    log.write(json.dumps({"range": header, "start": start, "sent": sent}) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)  # listening: the readiness signal
    try:
        server.serve_forever()
    finally:
        server.server_close()
        os._exit(0)


if __name__ == "__main__":
    main()
