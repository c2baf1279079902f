"""Editron's tools for AI agents (MCP), over the same services as the CLI and the API.

Long operations are queued and return ids at once; ``get_pipeline_status`` follows them. A bad
id or argument comes back as a tool error that says what to fix.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import BaseModel, Field

from editron import __version__
from editron.config import Settings, get_settings
from editron.db.runtime import ready
from editron.errors import EditronError, NotFoundError
from editron.mcp.stdio import run_stdio
from editron.services.analyze import get_analysis, latest_analysis, request_analysis
from editron.services.board import list_tasks
from editron.services.edit import generate_video_edits, get_edit_session, request_edit
from editron.services.feedback import give_feedback
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.render import (
    RenderJobPublic,
    list_session_renders,
    render_video_deliverables,
)
from editron.services.requests import (
    AnalysisRequest,
    EditRequest,
    FeedbackRequest,
    IngestRequest,
    RenderRequest,
)
from editron.services.sessions import list_edit_sessions_public, network_destinations
from editron.services.vocabulary import destination_help, names_of
from editron.services.workers import list_workers as workers_of
from editron.store import local_folder
from editron.story.deliverables import DELIVERABLES

__all__ = ["build_server", "mcp_tools", "openai_tools", "serve_stdio"]

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = (
    "Editron turns event footage into recaps, highlight reels and social hooks. Typical flow: "
    "ingest_media_batch(source_url) -> poll get_pipeline_status(batch_id) until status is "
    "'ready' -> analyze_media_batch(batch_id, brief) -> poll until 'analyzed' -> "
    "generate_video_edits(batch_id, deliverable_type) -> poll get_pipeline_status until the "
    "edit session is 'needsreview' -> read editron://edit-sessions/{session_id} -> "
    "record_editron_feedback(decision='approve'; 'changes' makes a new revision to review) -> "
    "render_video_deliverables(edit_session_id) -> poll "
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

    _add_intake_tools(server, settings)
    _add_status_tool(server, settings)
    _add_edit_tool(server, settings)
    _add_delivery_tools(server, settings)
    _add_listing_tool(server, settings)
    _add_resources(server, settings)
    return server


def _add_intake_tools(server: MCPServer, settings: Settings) -> None:
    """Bringing a batch in and analysing it."""

    def ingest(request: IngestRequest) -> dict[str, Any]:
        batch = ingest_media_batch(**request.model_dump(), settings=settings, defer=True,
                                   remote=True)
        return {"batch_id": batch.batch_id, "status": batch.status}

    _request_tool(server, "ingest_media_batch", IngestRequest, (), ingest,
                  "Bring a batch of event footage in and start its ingest on the queue. "
                  "Accepts an http(s):// URL, a Dropbox shared link, or a path inside the "
                  "operator's import roots. Example: source_url="
                  "'https://www.dropbox.com/scl/fo/abc/event?rlkey=k&dl=0', reference_name="
                  "'Aurora Summit'. Returns the batch id and status 'queued'.")

    def analyse(request: AnalysisRequest, batch_id: str) -> dict[str, Any]:
        job_id = request_analysis(batch_id=batch_id, **request.model_dump(), settings=settings)
        return {"batch_id": batch_id, "job_id": job_id, "status": "queued"}

    _request_tool(server, "analyze_media_batch", AnalysisRequest, ("batch_id",), analyse,
                  "Queue the analysis of a ready batch: shots, speech with word timings, crowd "
                  "energy, faces, sponsor mentions and hero moments (analysers: "
                  f"{', '.join(names_of('analyser'))}). Example: batch_id='<uuid>', "
                  "brief='Sponsors: Northwind Energy', scope=['recap','social']. Returns the "
                  "job id.")


def _add_status_tool(server: MCPServer, settings: Settings) -> None:
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


def _add_edit_tool(server: MCPServer, settings: Settings) -> None:
    def assemble(request: EditRequest, batch_id: str) -> dict[str, Any]:
        options: dict[str, Any] = {"batch_id": batch_id, **request.model_dump(),
                                   "settings": settings}
        if settings.queue_url:  # a queue was asked for: workers assemble, like the CLI
            return request_edit(**options).model_dump(mode="json")
        made = generate_video_edits(**options)
        return {"batch_id": batch_id, "session_id": made.session_id, "status": made.status,
                "applied_preferences": made.applied_preferences,
                "timelines": [{"variant": t["variant"], "aspect_ratio": t["aspect_ratio"],
                               "duration": t["duration"]} for t in made.timelines]}

    kinds = "; ".join(f"{d.name}: {d.summary}" for d in DELIVERABLES.values())
    _request_tool(server, "generate_video_edits", EditRequest, ("batch_id",), assemble,
                  "Assemble an edit session for one deliverable of an analysed batch: a "
                  "timeline per variant and aspect ratio, with every export written beside it "
                  f"({', '.join(names_of('export format'))}). Deliverables — {kinds}. "
                  "Queued when a job queue is configured "
                  "(returns job_id and the session_id it is assembling), otherwise "
                  "run now (returns session_id). Example: batch_id='<uuid>', "
                  "deliverable_type='social', aspect_ratios=['9:16'], "
                  "reference_style='energetic'.")


def _add_delivery_tools(server: MCPServer, settings: Settings) -> None:
    """Rendering a session, and the client's review of it."""

    def render(request: RenderRequest, edit_session_id: str) -> dict[str, Any]:
        options = request.model_dump()
        made = render_video_deliverables(
            edit_session_id=edit_session_id,
            destinations=network_destinations(options.pop("destinations"), settings=settings),
            ratios=options.pop("aspect_ratios"), **options, settings=settings)
        return {"edit_session_id": edit_session_id, "render_job_ids": made.render_job_ids,
                "jobs": [_job_summary(j) for j in made.jobs]}

    _request_tool(server, "render_video_deliverables", RenderRequest, ("edit_session_id",),
                  render, "Queue the renders of an edit session: one job per timeline and "
                  "format, each checked by QC and delivered. Destinations: "
                  f"{destination_help()}; default: store: (the media store; download a "
                  "finished render with GET /api/render-jobs/{id}/output). Example: "
                  "edit_session_id='<uuid>', formats=['mp4'], destinations=["
                  "'dropbox:/Events/Aurora'], priority='rush'. Returns the render job ids; "
                  "follow them in get_pipeline_status.")

    def review(request: FeedbackRequest, edit_session_id: str) -> dict[str, Any]:
        return give_feedback(edit_session_id, request, settings=settings).model_dump(mode="json")

    _request_tool(server, "record_editron_feedback", FeedbackRequest, ("edit_session_id",),
                  review, "Record the client's review of an edit session. 'approve' lets it "
                  "be rendered; 'changes' and 'reject' make a new revision with the review "
                  "applied (returned as revision.session_id; a rejected cut's moments are "
                  "left out too). adjust takes key=value items (pace=faster, duration=45, "
                  "captions=off, music=off, style=energetic); drop/keep take hero moment ids "
                  "or FILE_ID@START-END; comments are {at: '00:12.4', text: 'too dark'}; "
                  "notes are read for the same requests and what was understood is echoed "
                  "back. The project remembers every review for its next edits. Example: "
                  "edit_session_id='<uuid>', decision='changes', notes='too slow, no music'.")


def _add_listing_tool(server: MCPServer, settings: Settings) -> None:
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

    @server.tool(description="The queue workers seen in the last day, live ones first: host, "
                             "queues served, the jobs each runs, whether its free disk lets "
                             "it take work, its last heartbeat. Use it when jobs stay "
                             "queued. Example: alive_only=true.")
    @_tool_errors
    def list_workers(alive_only: bool = False) -> dict[str, Any]:
        return workers_of(alive_only=alive_only, settings=settings).model_dump()


def _add_resources(server: MCPServer, settings: Settings) -> None:
    """The documents an agent reads: an analysis brief and an edit session."""

    @server.resource("editron://analyses/{analysis_id}/brief", mime_type="text/markdown",
                     description="The analysis brief as Markdown: summary, top moments with "
                                 "reasons, files with problems.")
    def analysis_brief(analysis_id: str) -> str:
        try:
            analysis = get_analysis(analysis_id, settings=settings)
        except EditronError as exc:
            raise _resource_error(exc) from exc
        if not analysis.artifacts_path:
            return analysis.summary or ""
        path = local_folder(settings, analysis.artifacts_path) / "brief.md"
        return path.read_text() if path.exists() else (analysis.summary or "")

    @server.resource("editron://edit-sessions/{session_id}", mime_type="application/json",
                     description="An edit session as JSON: status, timelines (clips, crops, "
                                 "captions in seconds), export files and previews.")
    def edit_session(session_id: str) -> str:
        try:
            return get_edit_session(session_id, settings=settings).model_dump_json(indent=2)
        except EditronError as exc:
            raise _resource_error(exc) from exc


def _request_tool(server: MCPServer, name: str, model: type[BaseModel], ids: Sequence[str],
                  handle: Callable[..., dict[str, Any]], description: str) -> None:
    """A tool whose parameters are the ids then ``model``'s fields (the same names, types and
    rules as the HTTP body and the CLI options), validated through ``model``."""
    params = [inspect.Parameter(i, inspect.Parameter.KEYWORD_ONLY, annotation=str)
              for i in ids]
    for field_name, info in model.model_fields.items():
        annotation: Any = Annotated[(info.annotation, *info.metadata, Field(
            description=info.description, examples=info.examples))]
        default = (inspect.Parameter.empty if info.is_required()
                   else info.get_default(call_default_factory=True))
        params.append(inspect.Parameter(field_name, inspect.Parameter.KEYWORD_ONLY,
                                        annotation=annotation, default=default))

    def tool(**arguments: Any) -> dict[str, Any]:
        try:
            request = model.model_validate({k: v for k, v in arguments.items()
                                            if k not in ids})
            return handle(request, **{i: arguments[i] for i in ids})
        except EditronError as exc:
            raise ToolError(str(exc)) from exc

    tool.__name__ = name
    tool.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    server.tool(name=name, description=description)(tool)


def _job_summary(job: RenderJobPublic) -> dict[str, Any]:
    return {"render_job_id": job.id, "aspect_ratio": job.aspect_ratio, "variant": job.variant,
            "format": job.format, "status": job.status,
            "progress_percent": job.progress_percent, "output_urls": job.output_urls,
            "output_key": job.output_key,
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


def serve_stdio(settings: Settings | None = None) -> None:
    """Serve the tools on stdin/stdout until stdin closes (``editron mcp``); a line that is
    not JSON-RPC gets a JSON-RPC error and the next line is read."""
    import anyio

    anyio.run(run_stdio, build_server(settings))
