"""The token scope each MCP tool needs over HTTP (``/mcp``), and the scopes a JSON-RPC request
body asks for. Over stdio there are no tokens: the agent runs with its user's own rights."""

from __future__ import annotations

import json
from typing import Any

from editron.domain.access import Scope

__all__ = ["TOOL_SCOPES", "needed_scopes"]

TOOL_SCOPES: dict[str, Scope] = {
    "get_pipeline_status": Scope.READ,
    "list_media_batches": Scope.READ,
    "list_workers": Scope.READ,
    "ingest_media_batch": Scope.OPERATE,
    "analyze_media_batch": Scope.OPERATE,
    "generate_video_edits": Scope.OPERATE,
    "render_video_deliverables": Scope.OPERATE,
    "record_editron_feedback": Scope.OPERATE,
}


def _needs(message: Any) -> Scope:
    if not isinstance(message, dict) or message.get("method") != "tools/call":
        return Scope.READ  # initialize, listing, reading resources, notifications
    params = message.get("params")
    name = params.get("name") if isinstance(params, dict) else None
    # A tool missing from the table (none is; a test checks) needs the most, not the least.
    return TOOL_SCOPES.get(name, Scope.ADMIN) if isinstance(name, str) else Scope.READ


def needed_scopes(body: bytes) -> set[Scope]:
    """Every scope the JSON-RPC message (or batch) in ``body`` needs; a body that is not JSON
    needs ``read`` only, and the server answers it with a parse error (pure)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {Scope.READ}
    messages = payload if isinstance(payload, list) else [payload]
    return {_needs(m) for m in messages} or {Scope.READ}
