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
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import Field

from editron import __version__
from editron.config import Settings, get_settings
from editron.db.runtime import ready
from editron.errors import EditronError, NotFoundError
from editron.services.analyze import get_analysis, latest_analysis, request_analysis
from editron.services.board import list_tasks
from editron.services.edit import generate_video_edits, get_edit_session, request_edit
from editron.services.feedback import record_editron_feedback
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.render import (
    RenderJobPublic,
    list_session_renders,
    render_video_deliverables,
)
from editron.services.sessions import list_edit_sessions_public, network_destinations

__all__ = ["build_server", "mcp_tools", "openai_tools"]

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = (
    "Editron turns event footage into recaps, highlight reels and social hooks. Typical flow: "
    "ingest_media_batch(source_url) -> poll get_pipeline_status(batch_id) until status is "
    "'ready' -> analyze_media_batch(batch_id, brief) -> poll until 'analyzed' -> "
    "generate_video_edits(batch_id, deliverable_type) -> poll get_pipeline_status until the "
    "edit session is 'needsreview' -> read editron://edit-sessions/{session_id} -> "
    "record_editron_feedback(approve) or render_video_deliverables(edit_session_id) -> poll "
    "until its render jobs are 'complete'. Ids are UUIDs returned by earlier calls."
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


def _resource_error(exc: EditronError) -> ResourceError:
    """The SDK passes a ResourceError's message on (anything else becomes a bare 'Error
    creating resource'); an unknown id is the caller's to fix, so it is 'not found'."""
    kind = ResourceNotFoundError if isinstance(exc, NotFoundError) else ResourceError
    return kind(str(exc))


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
                             "board card of each stage, the newest analysis id, and its edit "
                             "sessions (newest first) with their render jobs. Example: "
                             "batch_id='<uuid>'.")
    @_tool_errors
    def get_pipeline_status(batch_id: str) -> dict[str, Any]:
        batch = get_batch(batch_id, settings=settings)
        cards = [{"stage": t.stage, "status": t.status, "detail": t.detail}
                 for t in list_tasks(batch_id=batch_id, settings=settings)]
        latest = latest_analysis(batch_id, settings=settings)
        analysis = ({"analysis_id": latest.analysis_id, "status": latest.status,
                     "summary": latest.summary} if latest else None)
        edits = [{"session_id": e.session_id, "deliverable_type": e.deliverable_type,
                  "status": e.status, "aspect_ratios": e.aspect_ratios, "variants": e.variants,
                  "last_error": e.last_error,
                  "render_jobs": [_job_summary(j) for j in
                                  list_session_renders(e.session_id, settings=settings)]}
                 for e in list_edit_sessions_public(batch_id, limit=20, settings=settings)]
        return {"batch": batch.model_dump(mode="json", exclude={"files"}),
                "files": [f.filename for f in batch.files], "tasks": cards,
                "analysis": analysis, "edit_sessions": edits}

    @server.tool(name="generate_video_edits",
                 description="Assemble an edit session for one deliverable of an analysed "
                             "batch: a timeline per variant and aspect ratio, with FCPXML, OTIO, "
                             "EDL and caption exports. recap is 59 s, highlight 10-30 s in 3 "
                             "variants, social <= 15 s with captions. Queued when a job queue is "
                             "configured (returns job_id; the session appears in "
                             "get_pipeline_status), otherwise run now (returns session_id). "
                             "Example: batch_id='<uuid>', deliverable_type='social', "
                             "aspect_ratios=['9:16'], reference_style='energetic'.")
    @_tool_errors
    def generate_video_edits_tool(
        batch_id: Annotated[str, Field(description="An analysed batch's id.")],
        deliverable_type: Literal["recap", "highlight", "social"],
        aspect_ratios: list[Literal["16:9", "9:16", "1:1"]] | None = None,
        reference_style: Annotated[str | None, Field(
            description="standard, energetic, cinematic, documentary or social.")] = None,
        include_captions: bool | None = None,
        imovie_project: str | None = None,
        variants: Annotated[int | None, Field(ge=1, le=10)] = None,
        duration: Annotated[float | None, Field(ge=1, le=600,
                                                description="Seconds.")] = None,
        start_tc: Annotated[str | None, Field(
            pattern=r"^\d{2}:\d{2}:\d{2}[:;]\d{2,3}$",
            description="Record timecode of the first frame in the exports, e.g. "
                        "01:00:00:00 (the default).")] = None,
    ) -> dict[str, Any]:
        options: dict[str, Any] = {
            "batch_id": batch_id, "deliverable_type": deliverable_type,
            "aspect_ratios": aspect_ratios, "reference_style": reference_style,
            "include_captions": include_captions, "imovie_project": imovie_project,
            "variants": variants, "duration": duration, "start_tc": start_tc,
            "settings": settings}
        if settings.queue_url:  # a queue was asked for: workers assemble, like the CLI
            return {"batch_id": batch_id, "job_id": request_edit(**options),
                    "status": "queued"}
        made = generate_video_edits(**options)
        return {"batch_id": batch_id, "session_id": made.session_id, "status": made.status,
                "timelines": [{"variant": t["variant"], "aspect_ratio": t["aspect_ratio"],
                               "duration": t["duration"]} for t in made.timelines]}

    @server.tool(name="render_video_deliverables",
                 description="Queue the renders of an edit session: one job per timeline and "
                             "format, each checked by QC and delivered. Destinations are "
                             "'dropbox:/Folder', 's3://bucket/folder' or a folder name under "
                             "the Editron deliveries "
                             "folder (default: deliveries/<session id>). Example: "
                             "edit_session_id='<uuid>', formats=['mp4'], "
                             "destinations=['dropbox:/Events/Aurora'], priority='rush'. "
                             "Returns the render job ids; follow them in get_pipeline_status.")
    @_tool_errors
    def render_video_deliverables_tool(
        edit_session_id: str,
        formats: list[Literal["mp4", "mov", "webm"]] | None = None,
        destinations: list[str] | None = None,
        priority: Literal["low", "standard", "rush"] = "standard",
        profile: Annotated[str | None, Field(
            description="youtube, reels, tiktok, square, master (mov), web (webm) or "
                        "preview.")] = None,
        aspect_ratios: list[Literal["16:9", "9:16", "1:1"]] | None = None,
    ) -> dict[str, Any]:
        request = render_video_deliverables(
            edit_session_id=edit_session_id,
            destinations=network_destinations(destinations, settings=settings),
            formats=formats, priority=priority, profile=profile, ratios=aspect_ratios,
            settings=settings)
        return {"edit_session_id": edit_session_id, "render_job_ids": request.render_job_ids,
                "jobs": [_job_summary(j) for j in request.jobs]}

    @server.tool(name="record_editron_feedback",
                 description="Record the client's decision on an edit session: 'approve' "
                             "(ready to render), 'revise' (back to assembly) or 'reject'. "
                             "Adjustments style, duration (s), captions and variants are "
                             "remembered by the batch's project for that deliverable. Example: "
                             "edit_session_id='<uuid>', decision='revise', notes='Shorter', "
                             "adjustments={'style': 'energetic', 'duration': 45}.")
    @_tool_errors
    def record_editron_feedback_tool(
        edit_session_id: str,
        decision: Literal["approve", "revise", "reject"],
        notes: str | None = None,
        adjustments: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return record_editron_feedback(edit_session_id=edit_session_id, decision=decision,
                                       notes=notes, adjustments=adjustments,
                                       settings=settings).model_dump(mode="json")

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
            raise _resource_error(exc) from exc
        path = Path(analysis.artifacts_path or "") / "brief.md"
        return path.read_text() if path.exists() else (analysis.summary or "")

    @server.resource("editron://edit-sessions/{session_id}", mime_type="application/json",
                     description="An edit session as JSON: status, timelines (clips, crops, "
                                 "captions in seconds), export files and previews.")
    def edit_session(session_id: str) -> str:
        try:
            return get_edit_session(session_id, settings=settings).model_dump_json(indent=2)
        except EditronError as exc:
            raise _resource_error(exc) from exc

    return server


def _job_summary(job: RenderJobPublic) -> dict[str, Any]:
    return {"render_job_id": job.id, "aspect_ratio": job.aspect_ratio, "variant": job.variant,
            "format": job.format, "status": job.status,
            "progress_percent": job.progress_percent, "output_urls": job.output_urls,
            "qc_passed": job.qc.get("passed"), "last_error": job.last_error}


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
