"""The edit, render and feedback tools and the edit-session resource, through the MCP SDK's
own client, on the analysed sample event."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from editron.mcp.server import build_server
from tests.conftest import AnalysedEvent


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def _json(result: Any) -> Any:
    assert not result.is_error, _text(result)
    return json.loads(_text(result))


def test_edit_review_and_render_tools(analysed_event: AnalysedEvent) -> None:
    from mcp.client.client import Client

    batch_id = analysed_event.batch_id
    in_process = analysed_event.settings.model_copy(update={"queue_url": None})
    queued = analysed_event.settings.model_copy(update={"queue_url": "immediate://"})

    async def scenario() -> None:
        async with Client(build_server(in_process)) as local, \
                Client(build_server(queued)) as remote:
            # no queue configured: assembled now, the session id comes back
            made = _json(await local.call_tool("generate_video_edits", {
                "batch_id": batch_id, "deliverable_type": "social",
                "aspect_ratios": ["16:9"]}))
            session_id = made["session_id"]
            assert made["status"] == "needsreview"
            assert [t["aspect_ratio"] for t in made["timelines"]] == ["16:9"]
            resource = await local.read_resource(f"editron://edit-sessions/{session_id}")
            doc = json.loads(resource.contents[0].text)
            assert doc["session_id"] == session_id and doc["exports"]["files"]

            # a queue configured: enqueued (immediate mode runs it inside the call)
            job = _json(await remote.call_tool("generate_video_edits", {
                "batch_id": batch_id, "deliverable_type": "social",
                "aspect_ratios": ["9:16"], "duration": 8}))
            assert job["status"] == "queued" and job["job_id"]

            approved = _json(await remote.call_tool("record_editron_feedback", {
                "edit_session_id": session_id, "decision": "approve", "notes": "ship it"}))
            assert approved["session_status"] == "approved"
            rendered = _json(await remote.call_tool("render_video_deliverables", {
                "edit_session_id": session_id, "profile": "preview",
                "destinations": ["mcp-tests"]}))
            assert len(rendered["render_job_ids"]) == 1

            status = _json(await remote.call_tool("get_pipeline_status",
                                                  {"batch_id": batch_id}))
            sessions = {s["session_id"]: s for s in status["edit_sessions"]}
            ours = sessions[session_id]
            assert ours["status"] == "complete"
            assert [j["status"] for j in ours["render_jobs"]] == ["complete"]
            assert ours["render_jobs"][0]["qc_passed"] is True
            assert any(s["aspect_ratios"] == ["9:16"] and s["status"] == "needsreview"
                       for s in status["edit_sessions"])

            bad = await remote.call_tool("generate_video_edits", {
                "batch_id": "nope", "deliverable_type": "recap"})
            assert bad.is_error and "no media batch with id 'nope'" in _text(bad)
            bad = await remote.call_tool("record_editron_feedback", {
                "edit_session_id": "nope", "decision": "approve"})
            assert bad.is_error and "no edit session with id 'nope'" in _text(bad)
            bad = await remote.call_tool("render_video_deliverables", {
                "edit_session_id": session_id, "destinations": ["/etc"]})
            assert bad.is_error and "deliveries" in _text(bad)
            bad = await remote.call_tool("render_video_deliverables", {
                "edit_session_id": "nope"})
            assert bad.is_error and "no edit session with id 'nope'" in _text(bad)
            with pytest.raises(MCPError, match="no edit session with id 'nope'"):
                await remote.read_resource("editron://edit-sessions/nope")
            typo = await remote.call_tool("generate_video_edits", {
                "batch_id": batch_id, "deliverable_type": "trailer"})
            assert typo.is_error

    anyio.run(scenario)
