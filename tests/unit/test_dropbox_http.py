"""The Dropbox HTTP plumbing both API clients share: hosts, error summaries, one POST, retries."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from editron.dropbox.http import (
    DEFAULT_API_HOST,
    USER_AGENT,
    DropboxHttp,
    Readable,
    Reply,
    api_arg,
    check_host,
    error_summary,
    json_answer,
)
from editron.errors import InputError

TOKEN = "sl.SECRET-http-token"


def test_check_host_accepts_http_and_https_only() -> None:
    assert check_host(f" {DEFAULT_API_HOST} ") == DEFAULT_API_HOST
    assert check_host("http://127.0.0.1:8080/base") == "http://127.0.0.1:8080/base"
    for bad in ("ftp://x", "nohost", "https://", ""):
        with pytest.raises(InputError, match="must be an http"):
            check_host(bad)


def test_error_summary_and_json_answer() -> None:
    assert error_summary('{"error_summary": "path/not_found/..", "error": {".tag": "path"}}') \
        == ("path/not_found/..", {".tag": "path"})
    assert error_summary('{"error": "x"}') == ('{"error": "x"}', "x")
    assert error_summary("  Bad gateway  ") == ("Bad gateway", None)
    assert error_summary("") == ("no details", None)
    assert error_summary("[1, 2]") == ("[1, 2]", None)
    assert json_answer('{"a": 1}') == {"a": 1}
    assert json_answer("  ") == {} and json_answer("[1]") == {}
    with pytest.raises(ValueError):
        json_answer("<html>")


def test_api_arg_is_ascii_with_del_escaped() -> None:
    header = api_arg({"path": "/Gala é\x7f"})
    assert header.isascii() and "\\u00e9" in header and "\\u007f" in header


class Scripted(DropboxHttp):
    """Answers from a script instead of the network; records the waits."""

    def __init__(self, replies: list[Reply | Exception], **options: Any) -> None:
        self.waits: list[float] = []
        super().__init__(TOKEN, backoff_base_seconds=1.0, backoff_max_seconds=8.0,
                         sleep=self.waits.append, **options)
        self.replies = replies
        self.bodies: list[bytes] = []

    def _post_once(self, host: str, endpoint: str, *, json_body: Any = None,
                   stream: Readable | None = None, length: int = 0,
                   arg: dict[str, Any] | None = None) -> Reply:
        if stream is not None:
            self.bodies.append(stream.read())
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


class Refused(Exception):
    pass


def _call(http: Scripted, **options: Any) -> str:
    def refused(status: int, summary: str, error: Any) -> Exception:
        return Refused(status, summary, error)

    return http._post_with_retries("http://h", "/2/x", where="gala.mp4", refused=refused,
                                   gave_up=RuntimeError, **options)


def test_retries_connection_errors_429_and_5xx_honouring_retry_after() -> None:
    http = Scripted([ConnectionResetError("reset"), Reply(429, "3", ""),
                     Reply(503, "600", "down"), Reply(200, None, '{"ok": true}')])
    assert _call(http) == '{"ok": true}'
    assert http.waits[1:] == [3.0, 8.0]  # Retry-After, then Retry-After capped
    assert 0.75 <= http.waits[0] <= 1.25  # the first backoff, with jitter


def test_a_fresh_stream_for_every_attempt() -> None:
    http = Scripted([Reply(500, None, ""), Reply(200, None, "")])
    _call(http, stream=lambda: io.BytesIO(b"chunk"), length=5)
    assert http.bodies == [b"chunk", b"chunk"]


def test_refusals_are_not_retried() -> None:
    http = Scripted([Reply(409, None, '{"error_summary": "reset/..", "error": {".tag": "r"}}')])
    with pytest.raises(Refused) as caught:
        _call(http)
    assert caught.value.args == (409, "reset/..", {".tag": "r"}) and http.waits == []


def test_gives_up_after_max_attempts() -> None:
    http = Scripted([Reply(502, None, "bad gateway")] * 3, max_attempts=3)
    with pytest.raises(RuntimeError) as caught:
        _call(http)
    message = str(caught.value)
    assert message == ("gala.mp4: gave up on Dropbox /2/x after 3 attempts: "
                       "HTTP 502 bad gateway")
    assert TOKEN not in message and TOKEN not in repr(http) and len(http.waits) == 2


def test_backoff_doubles_within_the_cap() -> None:
    http = Scripted([])
    for attempt, low in ((1, 0.75), (2, 1.5), (3, 3.0)):
        assert low <= http._backoff(attempt, None) <= low * 5 / 3
    assert http._backoff(10, None) == 8.0
    assert http._backoff(1, 2.5) == 2.5 and http._backoff(1, 99.0) == 8.0


@contextmanager
def _server(seen: list[dict[str, Any]]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(429)
            self.send_header("Retry-After", "7")
            self.end_headers()
            self.wfile.write(b'{"error_summary": "too_many_requests/.."}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/base/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("send", [
    lambda http, host: http._post_once(host, "/2/files/list_folder", json_body={"path": ""}),
    lambda http, host: http._post_once(host, "/2/files/upload", stream=io.BytesIO(b"abc"),
                                       length=3, arg={"path": "/a"}),
])
def test_post_once_sends_token_agent_and_body(send: Callable[[DropboxHttp, str], Reply]) -> None:
    seen: list[dict[str, Any]] = []
    with _server(seen) as host:
        reply = send(DropboxHttp(TOKEN, timeout_seconds=5.0), host)
    assert reply == Reply(429, "7", '{"error_summary": "too_many_requests/.."}')
    (request,) = seen
    headers = request["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}" and headers["User-Agent"] == USER_AGENT
    if request["path"] == "/base/2/files/list_folder":
        assert headers["Content-Type"] == "application/json"
        assert request["body"] == b'{"path": ""}' and "Dropbox-API-Arg" not in headers
    else:
        assert request["path"] == "/base/2/files/upload"
        assert headers["Content-Type"] == "application/octet-stream"
        assert request["body"] == b"abc" and headers["Dropbox-API-Arg"] == '{"path": "/a"}'
