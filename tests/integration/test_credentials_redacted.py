"""#17.4: credentials in a source URL appear nowhere. An ingest from
``http://editor:<password>@127.0.0.1:<closed port>/x.mp4?token=<token>`` over the CLI, the
HTTP API and MCP fails to download, and neither secret is in any column of any table (events
included), in any log line, in the CLI's --json output or in any API or MCP answer; the
download can still be retried with the whole URL, kept sealed."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client.client import Client
from typer.testing import CliRunner

from editron.api.app import create_app
from editron.cli.main import app as cli
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES
from editron.logs import configure_logging
from editron.mcp.server import build_server

PASSWORD = "pw-7c1e-hunter2"
QUERY_TOKEN = "qt-58d2-bearer"
SECRETS = (PASSWORD, QUERY_TOKEN)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def source() -> str:
    return f"http://editor:{PASSWORD}@127.0.0.1:{_closed_port()}/x.mp4?token={QUERY_TOKEN}"


@pytest.fixture()
def queued_inline(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")  # API and MCP ingest run at once
    monkeypatch.setenv("EDITRON_DOWNLOAD_MAX_ATTEMPTS", "2")
    reset_settings()
    return ready(Settings())


def _every_stored_text(database: Path) -> str:
    """Every value of every column of every table, as text."""
    parts: list[str] = []
    with sqlite3.connect(database) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                parts.extend(str(value) for value in row)
    assert any("127.0.0.1" in part for part in parts), "the batch rows were scanned"
    return "\n".join(parts)


def _assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


def _over_http(settings: Settings, source: str) -> str:
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="t", scopes=ALL_SCOPES)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as http:
        made = http.post("/api/batches", json={"source_url": source}, headers=auth)
        assert made.status_code == 202, made.text
        batch_id = made.json()["id"]
        shown = http.get(f"/api/batches/{batch_id}", headers=auth)
        assert shown.json()["status"] == "failed", shown.text
        assert "REDACTED" in shown.json()["source_url"]
        listed = http.get("/api/batches", headers=auth)
        events = http.get(f"/api/events?batch_id={batch_id}&follow=false", headers=auth)
    return "\n".join(r.text for r in (made, shown, listed, events))


def _over_mcp(settings: Settings, source: str) -> str:
    texts: list[str] = []

    async def scenario() -> None:
        async with Client(build_server(settings)) as client:
            made = await client.call_tool("ingest_media_batch", {"source_url": source})
            texts.append(repr(made))
            batch_id = json.loads(made.content[0].text)["batch_id"]  # type: ignore[union-attr]
            status = await client.call_tool("get_pipeline_status", {"batch_id": batch_id})
            texts.append(repr(status))

    anyio.run(scenario)
    return "\n".join(texts)


def _over_cli(source: str) -> tuple[str, dict[str, Any]]:
    runner = CliRunner()
    made = runner.invoke(cli, ["-v", "ingest", source, "--json"])
    assert made.exit_code != 0  # the download failed
    batch_id = json.loads(made.stdout)["batch_id"] if made.stdout.strip().startswith(
        "{") else None
    outputs = [made.output]
    listed = runner.invoke(cli, ["batches", "--json"])
    outputs.append(listed.output)
    batches = json.loads(listed.stdout)["batches"]
    for row in batches:
        outputs.append(runner.invoke(cli, ["status", row["batch_id"], "--json"]).output)
    return "\n".join(outputs), {"made": batch_id, "count": len(batches)}


def test_a_credentialed_source_leaks_nowhere(queued_inline: Settings, source: str,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    settings = queued_inline
    configure_logging(fmt="text", level="DEBUG")  # as `editron serve` / `editron mcp` do
    answers = _over_http(settings, source) + _over_mcp(settings, source)
    cli_output, seen = _over_cli(source)
    logged = capfd.readouterr()
    logging.getLogger("editron").handlers.clear()
    assert seen["count"] == 3, "one failed batch per front end"
    _assert_clean("an API or MCP answer", answers)
    _assert_clean("the CLI's output", cli_output)
    _assert_clean("the log", logged.out + logged.err)
    _assert_clean("the database", _every_stored_text(settings.home_dir / "editron.db"))
    assert "download" in (logged.err + cli_output).lower(), "the failure was reported"
    with db(settings) as session:  # the whole URL is kept, sealed, for a retry
        fetch = {b.fetch_url for b in repos.batches.list_batches(session)}
    assert fetch == {source}
