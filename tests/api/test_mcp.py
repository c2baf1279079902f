"""Editron's MCP tools driven through the SDK's own client, and the OpenAI schema export."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters
from typer.testing import CliRunner

from editron.cli.main import app
from editron.config import Settings, reset_settings
from editron.domain.access import ALL_SCOPES
from editron.mcp.server import build_server

EXPECTED = {"ingest_media_batch", "analyze_media_batch", "get_pipeline_status",
            "list_media_batches", "generate_video_edits", "render_video_deliverables",
            "record_editron_feedback", "list_workers"}


@pytest.fixture()
def immediate_queue(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    return Settings()


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def test_tools_over_the_sdk_client(immediate_queue: Settings, footage: Path) -> None:
    async def scenario() -> None:
        async with Client(build_server(immediate_queue)) as client:
            listed = await client.list_tools()
            assert {t.name for t in listed.tools} == EXPECTED
            for tool in listed.tools:
                assert tool.description and "Example" in tool.description
            made = await client.call_tool("ingest_media_batch", {"source_url": str(footage)})
            assert not made.is_error, _text(made)
            batch_id = json.loads(_text(made))["batch_id"]
            status = await client.call_tool("get_pipeline_status", {"batch_id": batch_id})
            doc = json.loads(_text(status))
            assert doc["batch"]["status"] == "ready" and len(doc["files"]) == 2
            queued = await client.call_tool("analyze_media_batch",
                                            {"batch_id": batch_id, "max_iterations": 1})
            assert not queued.is_error, _text(queued)
            status = json.loads(_text(await client.call_tool("get_pipeline_status",
                                                              {"batch_id": batch_id})))
            assert status["batch"]["status"] == "analyzed"
            analysis_id = status["analysis"]["analysis_id"]
            brief = await client.read_resource(f"editron://analyses/{analysis_id}/brief")
            assert "# Brief" in brief.contents[0].text
            bad = await client.call_tool("get_pipeline_status", {"batch_id": "nope"})
            assert bad.is_error and "no media batch with id 'nope'" in _text(bad)
            wrong = await client.call_tool("ingest_media_batch", {"source_url": "ftp://x"})
            assert wrong.is_error and "unsupported scheme" in _text(wrong)
            typo = await client.call_tool("list_media_batches", {"limit": 0})
            assert typo.is_error

    anyio.run(scenario)


def test_stdio_transport(tmp_path: Path) -> None:
    async def scenario() -> None:
        # The SDK gives the server a minimal environment of its own unless told one; this
        # test's (its EDITRON_HOME, PYTHONPATH) keeps the server off the working folder's
        # .editron and on the code under test.
        params = StdioServerParameters(command=sys.executable, args=["-m", "editron", "mcp"],
                                       env=dict(os.environ))
        async with Client(params) as client:
            listed = await client.list_tools()
            assert {t.name for t in listed.tools} == EXPECTED

    anyio.run(scenario)


def test_openai_schemas_match_mcp_inputs() -> None:
    runner = CliRunner()
    openai = json.loads(runner.invoke(app, ["tools", "--format", "openai"]).stdout)["tools"]
    mcp = json.loads(runner.invoke(app, ["tools", "--format", "mcp"]).stdout)["tools"]
    by_name = {t["name"]: t for t in mcp}
    assert {t["function"]["name"] for t in openai} == EXPECTED
    for tool in openai:
        assert tool["type"] == "function"
        function = tool["function"]
        assert set(function) == {"name", "description", "parameters"}
        assert function["parameters"]["type"] == "object"
        assert function["parameters"] == by_name[function["name"]]["inputSchema"]
    assert runner.invoke(app, ["tools", "--format", "yaml"]).exit_code == 2


def test_streamable_http_at_mcp_needs_a_token(immediate_queue: Settings) -> None:
    """A real uvicorn server: /mcp refuses no token, and serves the tools with one."""
    import httpx
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from editron.db import repos
    from editron.db.runtime import db, ready
    from tests.live_server import live_api

    settings = ready(immediate_queue)
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="mcp-http", scopes=ALL_SCOPES)
    with live_api(settings) as base:
        url = f"{base}/mcp/"
        refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert refused.status_code == 401

        async def scenario() -> set[str]:
            http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
            async with http, Client(streamable_http_client(url, http_client=http)) as client:
                return {t.name for t in (await client.list_tools()).tools}

        assert anyio.run(scenario) == EXPECTED
