"""Editron's tools for AI agents (MCP), over the same services as the CLI and the API.

Long operations are queued and return ids at once; ``get_pipeline_status`` follows them. A bad
id or argument comes back as a tool error that says what to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from editron import __version__
from editron.config import Settings, get_settings
from editron.db import repositories as repo
from editron.db.models import MediaBatchAnalysis
from editron.errors import EditronError
from editron.services.analyze import get_analysis, request_analysis
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.runtime import db, ready

__all__ = ["build_server", "mcp_tools", "openai_tools"]

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = (
    "Editron turns event footage into recaps, highlight reels and social hooks. Typical flow: "
    "ingest_media_batch(source_url) -> poll get_pipeline_status(batch_id) until status is "
    "'ready' -> analyze_media_batch(batch_id, brief) -> poll until 'analyzed' -> read the "
    "analysis brief resource. Ids are UUIDs returned by earlier calls."
)


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Editron errors become tool errors with the same one-line reason."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except EditronError as exc:
            raise ToolError(str(exc)) from exc

    return wrapper


def build_server(settings: Settings | None = None) -> MCPServer:
    settings = ready(settings or get_settings())
    server = MCPServer("editron", version=__version__, instructions=INSTRUCTIONS)

    @server.tool(name="ingest_media_batch",
                 description="Bring a batch of event footage in and start its ingest on the "
                             "queue. Accepts a local folder or file path, file://, http(s):// "
                             "or a Dropbox shared link. Example: source_url='https://www."
                             "dropbox.com/scl/fo/abc/event?rlkey=k&dl=0', reference_name="
                             "'Aurora Summit'. Returns the batch id and status 'queued'.")
    @_tool_errors
    def ingest_media_batch_tool(
        source_url: Annotated[str, Field(description="Where the footage is.")],
        reference_name: Annotated[str | None, Field(description="A name for the batch.")] = None,
        storage_tier: Literal["hot", "warm", "cold"] = "hot",
        checksum_required: bool = True,
        project_id: str | None = None,
    ) -> dict[str, Any]:
        batch = ingest_media_batch(source_url=source_url, reference_name=reference_name,
                                   storage_tier=storage_tier,
                                   checksum_required=checksum_required,
                                   project_id=project_id, settings=settings, defer=True)
        return {"batch_id": batch.batch_id, "status": batch.status}

    @server.tool(name="analyze_media_batch",
                 description="Queue the analysis of a ready batch: shots, speech with word "
                             "timings, crowd energy, faces, sponsor mentions and hero moments. "
                             "Example: batch_id='<uuid>', brief='Sponsors: Northwind Energy', "
                             "scope=['recap','social']. Returns the job id.")
    @_tool_errors
    def analyze_media_batch_tool(
        batch_id: str,
        brief: Annotated[str | None, Field(description="Free text or 'key: value' lines.")]
        = None,
        scope: list[Literal["recap", "highlight", "social"]] | None = None,
        model_hint: Literal["fast", "accurate"] | None = None,
        max_iterations: Annotated[int, Field(ge=1, le=3)] = 3,
    ) -> dict[str, Any]:
        job_id = request_analysis(batch_id=batch_id, brief=brief, scope=scope,
                                  model_hint=model_hint, max_iterations=max_iterations,
                                  settings=settings)
        return {"batch_id": batch_id, "job_id": job_id, "status": "queued"}

    @server.tool(description="Where a batch is in the pipeline: its status, files, errors, the "
                             "board card of each stage and the newest analysis id. Example: "
                             "batch_id='<uuid>'.")
    @_tool_errors
    def get_pipeline_status(batch_id: str) -> dict[str, Any]:
        batch = get_batch(batch_id, settings=settings)
        with db(settings) as session:
            cards = [{"stage": t.stage, "status": t.status, "detail": t.detail}
                     for t in repo.list_tasks(session, batch_id=batch_id)]
            latest = session.query(MediaBatchAnalysis).filter_by(batch_id=batch_id).order_by(
                MediaBatchAnalysis.created_at.desc()).first()
            analysis = ({"analysis_id": latest.id, "status": latest.status,
                         "summary": latest.summary} if latest else None)
        return {"batch": batch.model_dump(mode="json", exclude={"files"}),
                "files": [f.filename for f in batch.files], "tasks": cards,
                "analysis": analysis}

    @server.tool(description="List media batches, newest first. Example: status='ready', "
                             "limit=10.")
    @_tool_errors
    def list_media_batches(
        status: Literal["queued", "downloading", "ready", "analyzing", "analyzed",
                        "failed"] | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
    ) -> list[dict[str, Any]]:
        return [{"batch_id": b.batch_id, "reference_name": b.reference_name,
                 "status": b.status, "file_count": b.file_count, "created_at": b.created_at}
                for b in list_batches(settings=settings, status=status, limit=limit)]

    @server.resource("editron://analyses/{analysis_id}/brief", mime_type="text/markdown",
                     description="The analysis brief as Markdown: summary, top moments with "
                                 "reasons, files with problems.")
    def analysis_brief(analysis_id: str) -> str:
        try:
            analysis = get_analysis(analysis_id, settings=settings)
        except EditronError as exc:
            raise ToolError(str(exc)) from exc
        path = Path(analysis.artifacts_path or "") / "brief.md"
        return path.read_text() if path.exists() else (analysis.summary or "")

    return server


async def _tool_list(server: MCPServer) -> list[dict[str, Any]]:
    tools = await server.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]


def mcp_tools(server: MCPServer) -> list[dict[str, Any]]:
    import anyio

    return anyio.run(_tool_list, server)


def openai_tools(server: MCPServer) -> list[dict[str, Any]]:
    """The same tools in OpenAI's function-calling shape."""
    return [{"type": "function",
             "function": {"name": t["name"], "description": t.get("description", ""),
                          "parameters": t["inputSchema"]}}
            for t in mcp_tools(server)]
