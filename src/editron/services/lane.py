"""``editron run``: the whole lane in one call — ingest, analyse, edit every deliverable in
every ratio, render, QC and deliver into one folder, with the caption sidecars beside the
videos, the timelines in ``timelines/`` against the footage in ``media/`` (relative, as in a
handoff package), ``manifest.json`` and an offline ``index.html`` contact sheet. Stage times
are measured for the closing table and benchmarks."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from editron.config import Settings
from editron.db.runtime import ready
from editron.services.analyze import AnalysisPublic, analyze_media_batch
from editron.services.contact_sheet import write_contact_sheet
from editron.services.edit import (
    EditSessionPublic,
    generate_video_edits,
    session_timelines,
)
from editron.services.ingest import ingest_media_batch
from editron.services.package import package_timelines
from editron.services.render import (
    RenderJobPublic,
    render_video_deliverables,
    run_render_job_inline,
)
from editron.services.schemas import BatchPublic
from editron.services.timeline_media import localised
from editron.store import local_folder, resolve_local
from editron.story.deliverables import parse_deliverables

__all__ = ["LaneResult", "StageCallback", "run_lane"]

# (stage, fraction done 0..1, detail)
StageCallback = Callable[[str, float, str], None]


@dataclass
class LaneResult:
    batch: BatchPublic
    analysis: AnalysisPublic | None = None
    sessions: list[EditSessionPublic] = field(default_factory=list)
    renders: list[RenderJobPublic] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    out_dir: str = ""

    @property
    def ok(self) -> bool:
        return (self.batch.status != "failed" and self.analysis is not None
                and bool(self.renders)
                and all(r.status == "complete" for r in self.renders))

    def deliverables(self) -> list[dict[str, Any]]:
        """One row per delivered file: deliverable, ratio, duration, size, QC verdict."""
        kinds = {s.session_id: s.deliverable_type for s in self.sessions}
        rows = []
        for r in self.renders:
            path = Path(r.output_urls[0].removeprefix("file://")) if r.output_urls else None
            rows.append({
                "deliverable": kinds.get(r.edit_session_id, ""), "variant": r.variant,
                "aspect_ratio": r.aspect_ratio, "format": r.format,
                "duration_seconds": r.qc.get("duration_seconds"),
                "size_bytes": r.qc.get("size_bytes"),
                "qc": "pass" if r.qc.get("passed") else ("fail: " + ", ".join(
                    r.qc.get("flags", [])) if r.qc else r.status),
                "path": str(path) if path else None, "status": r.status,
                "error": r.last_error})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch.model_dump(),
                "analysis": {"analysis_id": self.analysis.analysis_id,
                             "passes_completed": self.analysis.passes_completed,
                             "summary": self.analysis.summary,
                             "hero_moments": self.analysis.hero_moments,
                             "sponsor_moments": self.analysis.sponsor_moments}
                if self.analysis else None,
                "sessions": [{"session_id": s.session_id, "deliverable": s.deliverable_type,
                              "status": s.status, "variants": s.variants}
                             for s in self.sessions],
                "reviewed": False,  # unattended: rendered without anyone's approval
                "deliverables": self.deliverables(), "stage_seconds": self.stage_seconds,
                "out_dir": self.out_dir, "ok": self.ok}


def run_lane(*, source: str, out: Path, brief: str | None = None, name: str | None = None,
             deliverables: Sequence[str] | str | None = None,
             ratios: Sequence[str] | str | None = None, formats: Sequence[str] = ("mp4",),
             style: str | None = None, passes: int = 3, settings: Settings | None = None,
             on_stage: StageCallback | None = None,
             ingest_progress: Any = None) -> LaneResult:
    """Run every stage on ``source`` and deliver into ``out``. Each stage's failure is
    reported with what was done so far; renders that fail QC are listed, not hidden."""
    kinds = parse_deliverables(deliverables)
    settings = ready(settings)
    notify = on_stage or (lambda _s, _f, _d: None)
    out = out.expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    started = time.monotonic()
    batch = ingest_media_batch(source_url=source, reference_name=name, settings=settings,
                               progress=ingest_progress)
    timings["ingest"] = round(time.monotonic() - started, 2)
    result = LaneResult(batch=batch, stage_seconds=timings, out_dir=str(out))
    if batch.status == "failed":
        return result

    started = time.monotonic()
    result.analysis = analyze_media_batch(
        batch_id=batch.batch_id, brief=brief, scope=kinds, max_iterations=passes,
        settings=settings, progress=lambda stage, f: notify("analyse", f, stage))
    timings["analyse"] = round(time.monotonic() - started, 2)
    if result.analysis.artifacts_path:
        shutil.copytree(local_folder(settings, result.analysis.artifacts_path), out / "analysis",
                        dirs_exist_ok=True)

    started = time.monotonic()
    _edit_each(result, kinds, out, ratios=ratios, style=style,
               project=name or batch.reference_name, settings=settings, notify=notify)
    timings["edit"] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    _render_each(result, out, formats=formats, settings=settings, notify=notify)
    timings["render"] = round(time.monotonic() - started, 2)
    write_contact_sheet(out, batch_id=batch.batch_id, title=name or batch.reference_name,
                        sessions=result.sessions, renders=result.renders)
    timings["total"] = round(sum(timings.values()), 2)
    return result


def _edit_each(result: LaneResult, kinds: Sequence[str], out: Path, *,
               ratios: Sequence[str] | str | None, style: str | None, project: str,
               settings: Settings, notify: StageCallback) -> None:
    """An edit session per deliverable, its timelines and caption sidecars copied to ``out``."""
    for i, kind in enumerate(kinds):
        notify("edit", i / len(kinds), kind)
        session = generate_video_edits(batch_id=result.batch.batch_id, deliverable_type=kind,
                                       aspect_ratios=ratios, reference_style=style,
                                       imovie_project=project, settings=settings)
        result.sessions.append(session)
        for item in session.exports.get("files", []):
            if item["format"] in ("srt", "vtt"):  # sidecars sit beside their videos
                shutil.copy2(resolve_local(settings, item["path"]),
                             out / Path(item["path"]).name)
        _, timelines = session_timelines(session.session_id, settings=settings)
        package_timelines(out, [localised(t, settings) for t in timelines],
                          variants=session.variants)
    notify("edit", 1.0, "")


def _render_each(result: LaneResult, out: Path, *, formats: Sequence[str], settings: Settings,
                 notify: StageCallback) -> None:
    """Every session's renders, here and now, delivered into ``out``."""
    requests = [render_video_deliverables(edit_session_id=s.session_id, destinations=str(out),
                                          formats=list(formats), settings=settings,
                                          enqueue_jobs=False, no_review=True)
                for s in result.sessions]
    job_ids = [j for r in requests for j in r.render_job_ids]
    for n, job_id in enumerate(job_ids):
        def progress(percent: float, n: int = n) -> None:
            notify("render", (n + percent / 100.0) / len(job_ids),
                   f"{n + 1} of {len(job_ids)}")

        result.renders.append(run_render_job_inline(job_id, settings=settings,
                                                    on_progress=progress))
    notify("render", 1.0, "")
