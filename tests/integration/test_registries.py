"""One definition each, no other file touched: a throwaway deliverable, export format,
delivery destination and analyser, defined here, show up in ``editron --help``, in
``/openapi.json``, in the MCP tool list and the OpenAI tool schemas, and run through the lane
(ingest, analyse, edit, export, render, deliver)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from editron.analysis.base import (
    AVAILABLE_ANALYSERS,
    FileFindings,
    PassTwo,
    SpoolAnalyser,
    register,
)
from editron.api.app import create_app
from editron.cli.main import build_app
from editron.config import Settings
from editron.domain.analysis import SponsorMoment
from editron.domain.timeline import Blueprint, Timeline
from editron.edit.exporters import EXPORTERS, Exporter, PathMode
from editron.edit.exporters import register as register_exporter
from editron.mcp.server import build_server, mcp_tools, openai_tools
from editron.render.destinations import DESTINATIONS, DeliveryResult, Destination
from editron.render.destinations import base as destinations_base
from editron.services.lane import run_lane
from editron.services.render import process_render_job, render_video_deliverables
from editron.store import resolve_local
from editron.story.blueprints import StoryMaterial
from editron.story.deliverables import (
    DELIVERABLES,
    Deliverable,
    DeliverablePlan,
    register_deliverable,
)
from tests import media_factory as mf

VAULT: dict[str, Path] = {}


def _teaser(material: StoryMaterial, plan: DeliverablePlan) -> list[Blueprint]:
    return [material.ranked(plan.name, 1, plan.target_frames)]


class ToneFinder(SpoolAnalyser):
    """Marks the first second of every file that has sound, from its spooled audio."""

    NAME: ClassVar[str] = "tone_finder"

    @classmethod
    def applies(cls, job: PassTwo) -> bool:
        return job.context.probe.has_audio

    def analyse(self, findings: FileFindings, job: PassTwo) -> None:
        if job.spool.audio(0.0, 1.0).size:
            findings.sponsor_moments.append(SponsorMoment(
                findings.file_id, 0.0, 1.0, "tone", "tone_finder", "", 1.0))


class ClipList(Exporter):
    NAME: ClassVar[str] = "cliplist"
    EXTENSION: ClassVar[str] = "csv"
    MEDIA_TYPE: ClassVar[str] = "text/csv"
    LABEL: ClassVar[str] = "a clip list (CSV)"

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["file_id", "source_start", "source_end"])
        for clip in timeline.clips:
            writer.writerow([clip.file_id, clip.source_start, clip.source_end])
        return out.getvalue()


class Vault(Destination):
    NAME: ClassVar[str] = "vault"
    HELP: ClassVar[str] = "vault:NAME (the test vault)"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_target(cls, target: str, *, settings: Settings) -> Vault:
        return cls(VAULT["root"] / target.split(":", 1)[1])

    def deliver(self, path: Path, name: str, *,
                on_progress: destinations_base.ProgressCallback | None = None
                ) -> DeliveryResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, self.folder / name)
        return DeliveryResult(f"vault:{self.folder.name}/{name}", False, path.stat().st_size)


@pytest.fixture()
def plugins(tmp_path: Path) -> Iterator[None]:
    VAULT["root"] = tmp_path / "vault"
    register_deliverable(Deliverable("teaser", "a 4 s tease of the best moment", 4.0, 2.0,
                                     6.0, 1, _teaser))
    register(ToneFinder)
    register_exporter(ClipList)
    destinations_base.register(Vault)
    try:
        yield
    finally:
        DELIVERABLES.pop("teaser", None)
        AVAILABLE_ANALYSERS.pop("tone_finder", None)
        EXPORTERS.pop("cliplist", None)
        DESTINATIONS.pop("vault", None)


NAMES = ("teaser", "cliplist", "vault:", "tone_finder")


def test_each_plugin_is_in_the_cli_help(plugins: None) -> None:
    runner = CliRunner()
    root = runner.invoke(build_app(), ["--help"], env={"COLUMNS": "400"})
    assert root.exit_code == 0, root.output
    for name in NAMES:
        assert name in root.output, name
    edit = runner.invoke(build_app(), ["edit", "--help"], env={"COLUMNS": "400"})
    assert "teaser: a 4 s tease of the best moment" in edit.output
    assert "cliplist: a clip list (CSV)" in runner.invoke(
        build_app(), ["export", "--help"], env={"COLUMNS": "400"}).output
    assert "vault:NAME" in runner.invoke(build_app(), ["render", "--help"],
                                         env={"COLUMNS": "400"}).output
    assert "tone_finder" in runner.invoke(build_app(), ["analyze", "--help"],
                                          env={"COLUMNS": "400"}).output


def test_each_plugin_is_in_openapi(plugins: None, settings: Settings) -> None:
    with TestClient(create_app(settings, with_mcp=False)) as http:
        spec = http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "teaser" in schemas["EditRequest"]["properties"]["deliverable_type"]["enum"]
    analysers = schemas["AnalysisRequest"]["properties"]["analysers"]["anyOf"][0]
    assert "tone_finder" in analysers["items"]["enum"]
    destinations = schemas["RenderRequest"]["properties"]["destinations"]["items"]
    assert "vault:NAME" in destinations["description"]
    export = spec["paths"]["/api/edit-sessions/{session_id}/exports/{format}"]["get"]
    fmt = next(p for p in export["parameters"] if p["name"] == "format")
    assert "cliplist" in fmt["schema"]["enum"]
    assert "text/csv" in export["responses"]["200"]["content"]


def test_each_plugin_is_in_the_mcp_and_openai_tools(plugins: None, settings: Settings) -> None:
    server = build_server(settings)
    for tools in (mcp_tools(server), [t["function"] for t in openai_tools(server)]):
        by_name = {t["name"]: t for t in tools}

        def schema(name: str, by_name: dict[str, Any] = by_name) -> Any:
            return by_name[name].get("inputSchema") or by_name[name]["parameters"]

        edit = schema("generate_video_edits")
        assert "teaser" in edit["properties"]["deliverable_type"]["enum"]
        assert "cliplist" in by_name["generate_video_edits"]["description"]
        analysers = schema("analyze_media_batch")["properties"]["analysers"]["anyOf"][0]
        assert "tone_finder" in analysers["items"]["enum"]
        assert "vault:NAME" in by_name["render_video_deliverables"]["description"]
    printed = CliRunner().invoke(build_app(), ["tools", "--format", "openai"])
    assert printed.exit_code == 0 and all(n in printed.stdout for n in NAMES)
    json.loads(printed.stdout)


def test_each_plugin_runs_through_the_lane(plugins: None, settings: Settings,
                                           tmp_path: Path) -> None:
    footage = tmp_path / "footage"
    footage.mkdir()
    for name, tone in (("a.mp4", 440), ("b.mp4", 660)):
        mf.make_clip(footage / name, seconds=6.0, tone_hz=tone)
    out = tmp_path / "out"
    result = run_lane(source=str(footage), out=out, deliverables=["teaser"], ratios=["16:9"],
                      passes=2, settings=settings)
    assert result.ok, result.to_dict()
    assert result.analysis is not None
    assert {m["source"] for m in result.analysis.sponsor_moments} == {"tone_finder"}
    (session,) = result.sessions
    assert session.deliverable_type == "teaser"
    clip_lists = [f for f in session.exports["files"] if f["format"] == "cliplist"]
    assert len(clip_lists) == 1 and resolve_local(
        settings, clip_lists[0]["path"]).read_text().startswith("file_id,source_start,source_end")
    assert (out / "teaser_16x9.mp4").is_file()
    request = render_video_deliverables(edit_session_id=session.session_id,
                                        destinations="vault:show", settings=settings,
                                        enqueue_jobs=False, no_review=True)
    job = process_render_job(request.render_job_ids[0], settings=settings)
    assert job.status == "complete" and job.output_urls == ["vault:show/teaser_16x9.mp4"]
    assert (VAULT["root"] / "show" / "teaser_16x9.mp4").stat().st_size > 0
