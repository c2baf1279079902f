"""A real uvicorn server for the API on loopback, for tests that need HTTP.

The test binds the listening socket itself (port 0: the kernel picks a free port, and nobody
can take it between choosing and binding) and hands it to uvicorn, then waits for uvicorn's
own "started" signal rather than for a fixed time."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from editron.api.app import create_app
from editron.config import Settings

__all__ = ["STARTUP_TIMEOUT", "live_api"]

# Generous: app start-up imports and migrates, and a loaded two-core machine is slow at it.
STARTUP_TIMEOUT = 60.0


class _Server(uvicorn.Server):
    """uvicorn's server, with its start-up turned into an event a test can wait on."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.ready.set()


@contextmanager
def live_api(settings: Settings, *, log_level: str = "warning") -> Iterator[str]:
    """Serve the app; yields its base URL and stops it afterwards (``log_level="info"``
    writes uvicorn's access log too)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(create_app(settings), log_level=log_level))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_ready(server, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()


def _wait_until_ready(server: _Server, thread: threading.Thread) -> None:
    """Block until uvicorn has started; fail at once if its thread died on the way."""
    waited = 0.0
    while not server.ready.wait(0.1):
        waited += 0.1
        if not thread.is_alive():
            raise RuntimeError("the API server stopped during start-up (see its log above)")
        if waited >= STARTUP_TIMEOUT:
            raise RuntimeError(f"the API server did not start within {STARTUP_TIMEOUT:.0f} s")
