"""``editron mcp`` (MCP on stdio) and ``editron tools`` (tool schemas for agents)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from editron.cli.output import guarded
from editron.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp_stdio() -> None:
        """Serve Editron's tools to an AI agent over MCP on stdin/stdout."""
        from editron.mcp.server import serve_stdio

        with guarded():
            serve_stdio()

    @app.command()
    def tools(
        format: Annotated[str, typer.Option("--format", help="openai or mcp")] = "openai",
    ) -> None:
        """Print the tool definitions: OpenAI function-calling `tools` array, or MCP tools."""
        from editron.mcp.server import build_server, mcp_tools, openai_tools

        with guarded():
            if format not in ("openai", "mcp"):
                raise InputError(f"unknown format {format!r}: use openai or mcp")
            server = build_server()
            doc = openai_tools(server) if format == "openai" else mcp_tools(server)
        sys.stdout.write(json.dumps({"tools": doc}, indent=2) + "\n")
