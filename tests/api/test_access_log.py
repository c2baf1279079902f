"""#17.4: a token sent in a query string never reaches a log line: the real uvicorn server's
access log (and every other record through the redacting filter) shows ``REDACTED``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from editron.config import Settings
from editron.db.runtime import ready
from editron.logs import RedactingFilter, configure_logging
from tests.live_server import live_api

SECRETS = ("qs-token-4f1c", "qs-access-9a2b", "qs-sig-77e0")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def _access_lines() -> Iterator[list[str]]:
    """The access log's lines, formatted as uvicorn's handler formats them. Added once the
    server is up: uvicorn's logging set-up replaces the handlers it finds."""
    logger = logging.getLogger("uvicorn.access")
    handler = _Lines()
    handler.setFormatter(logger.handlers[0].formatter if logger.handlers else None)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def test_the_access_log_of_the_real_server_redacts_query_tokens(
        settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    query = (f"token={SECRETS[0]}&access_token={SECRETS[1]}&X-Amz-Signature={SECRETS[2]}"
             "&page=2")
    with live_api(ready(settings), log_level="info") as base, _access_lines() as access_lines:
        for path in ("/api/health", "/api/batches", "/api/batches/nope"):
            httpx.get(f"{base}{path}?{query}", timeout=30)
    written = capfd.readouterr()
    logged = "\n".join([*access_lines, written.out, written.err])
    assert any("/api/batches?" in line for line in access_lines), access_lines
    assert "page=2" in logged and "token=REDACTED" in logged
    for secret in SECRETS:
        assert secret not in logged


def test_editron_records_and_their_tracebacks_are_redacted(
        capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json", level="INFO")
    log = logging.getLogger("editron.test")
    log.warning("fetching %s", "https://cam:pw-55c1@media.example/a.mp4")
    try:
        raise RuntimeError("GET /x?access_token=tb-31d9 failed")
    except RuntimeError:
        log.exception("download failed")
    err = capsys.readouterr().err
    assert "pw-55c1" not in err and "tb-31d9" not in err
    assert "media.example/a.mp4" in err and "REDACTED" in err
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters)
