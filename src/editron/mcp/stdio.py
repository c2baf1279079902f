"""MCP over stdin/stdout, answering a line that is not a JSON-RPC message as JSON-RPC says
(-32700 parse error for a line that is not JSON, -32600 for JSON that is not a message) and
carrying on with the next line; the SDK alone drops such a line without a word."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import anyio
import mcp_types as types
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared._stream_protocols import ReadStream, WriteStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

__all__ = ["error_for", "run_stdio"]


def error_for(exc: Exception) -> types.JSONRPCError:
    """The JSON-RPC error answering a line the transport could not read (pure)."""
    not_json = isinstance(exc, ValidationError) and any(
        e.get("type") == "json_invalid" for e in exc.errors())
    code, what = ((types.PARSE_ERROR, "Parse error: the line is not JSON") if not_json else
                  (types.INVALID_REQUEST, "Invalid Request: the line is not a JSON-RPC 2.0 "
                                          "request, notification or response"))
    return types.JSONRPCError(jsonrpc="2.0", id=None,
                              error=types.ErrorData(code=code, message=what))


class _AnsweringReadStream:
    """The transport's read stream, with unreadable lines answered on the write stream
    instead of handed to the session."""

    def __init__(self, inner: ReadStream[SessionMessage | Exception],
                 write: WriteStream[SessionMessage]) -> None:
        self._inner, self._write = inner, write

    def __getattr__(self, name: str) -> Any:  # last_context and the like
        return getattr(self._inner, name)

    async def receive(self) -> SessionMessage | Exception:
        while True:
            item = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            await self._write.send(SessionMessage(error_for(item)))

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> _AnsweringReadStream:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> _AnsweringReadStream:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc_val: BaseException | None, exc_tb: TracebackType | None
                        ) -> bool | None:
        return await self._inner.__aexit__(exc_type, exc_val, exc_tb)


async def run_stdio(server: MCPServer) -> None:
    """Serve ``server`` on stdin/stdout until stdin closes."""
    lowlevel = server._lowlevel_server  # what MCPServer.run_stdio_async drives, too
    async with stdio_server() as (read_stream, write_stream):
        await lowlevel.run(_AnsweringReadStream(read_stream, write_stream), write_stream,
                           lowlevel.create_initialization_options())
