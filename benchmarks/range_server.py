"""A fast loopback file server for the ingest benchmark: Range support, sendfile, and a log of
the Range header and bytes sent per request (one JSON line each) for the resume measurement.

Run as its own process (``python benchmarks/range_server.py ROOT PORTFILE LOG``) so it never
shares a GIL with the client being measured.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    root, port_file, log_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            target = root / self.path.lstrip("/").split("?")[0]
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
                    sent = self.wfile._sock.sendfile(handle, offset=start)  # type: ignore[attr-defined]
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with log_path.open("a") as log:
                    log.write(json.dumps({"range": header, "start": start, "sent": sent}) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_file.write_text(str(server.server_address[1]))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        os._exit(0)


if __name__ == "__main__":
    main()
