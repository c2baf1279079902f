"""``editron analyze``: find the moments worth showing, and say why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from editron.cli.follow import queue_configured, wait_for_job
from editron.cli.output import emit, guarded, table
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.domain.languages import DETECT
from editron.errors import EditronError, InputError
from editron.services.analyze import (
    AnalysisPublic,
    analyze_media_batch,
    latest_analysis,
    request_analysis,
)
from editron.services.ids import resolve_id
from editron.services.vocabulary import names_of
from editron.store import local_folder

__all__ = ["read_brief", "register", "render_analysis", "render_sync", "run_analysis"]

console = Console()


def read_brief(value: str | None) -> str | None:
    """``--brief TEXT`` or ``--brief @FILE``."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:]).expanduser()
    try:
        return path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read brief file {path}: {exc.strerror or exc}") from exc


def render_analysis(doc: AnalysisPublic) -> None:
    console.print(doc.summary or "")
    names = {r["file_id"]: r["filename"] for r in doc.file_reports}
    table("hero moments (--drop/--keep ID in editron feedback)",
          ("id", "file", "start", "end", "confidence", "why"),
          [(m["moment_id"], names.get(m["file_id"], m["file_id"]), f"{m['start']:.2f}",
            f"{m['end']:.2f}", f"{m['confidence']:.2f}", "; ".join(m["reasons"]))
           for m in doc.hero_moments[:15]])
    if len(doc.sync) > 1:
        render_sync(doc.sync, names)
    heard = [(report["filename"], report["language"]) for report in doc.file_reports
             if report.get("language")]
    if heard:
        table("languages heard", ("file", "language", "probability", "how"),
              [(name, lang["code"], "" if lang["probability"] is None
                else f"{lang['probability']:.2f}", lang["source"]) for name, lang in heard])
    for report in doc.file_reports:
        if report["status"] != "analyzed":
            console.print(f"[yellow]{report['filename']}[/]: {report['status']} — "
                          + "; ".join(report["messages"]))
    if doc.artifacts_path:
        folder = local_folder(get_settings(), doc.artifacts_path)
        console.print(f"brief, plot and thumbnails: {folder}")


def render_sync(rows: list[dict[str, Any]], names: dict[str, str]) -> None:
    table("event clock (editron sync BATCH --offset FILE_ID=SECONDS to place one by hand)",
          ("file", "event offset", "confidence", "drift ppm", "how"),
          [(names.get(r["file_id"], r["file_id"]),
            "not synced" if r["event_offset"] is None else f"{r['event_offset']:.4f}",
            f"{r['confidence']:.2f}", f"{r['drift_ppm']:+.1f}",
            r["method"] or f"{r['reason']}: {r['detail']}") for r in rows])


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def run_analysis(batch_id: str, *, brief: str | None, scope: str | None, passes: int,
                 model: str | None, analysers: list[str] | None = None,
                 language: str = DETECT, speech_model: Path | None = None) -> AnalysisPublic:
    with RichProgress() as progress:
        return analyze_media_batch(
            batch_id=batch_id, brief=read_brief(brief), scope=scope, model_hint=model,
            max_iterations=passes, analysers=analysers, language=language,
            speech_model=speech_model,
            progress=lambda stage, done: progress.on_step("analysis", done * 100, 100,
                                                          detail=stage))


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        batch_id: str,
        brief: Annotated[str | None, typer.Option("--brief", help="Brief text or @FILE.")] = None,
        scope: Annotated[str | None, typer.Option(
            help=f"Deliverables to plan for, comma separated: "
                 f"{', '.join(names_of('deliverable'))} (default: all).")] = None,
        passes: Annotated[int, typer.Option(min=1, max=3, help="Analysis passes, 1-3.")] = 3,
        model: Annotated[str | None, typer.Option(help="fast or accurate shot detection.")] = None,
        analysers: Annotated[str | None, typer.Option(
            help=f"Run only these analysers, comma separated: "
                 f"{', '.join(names_of('analyser'))} (default: all).")] = None,
        language: Annotated[str, typer.Option(
            help="Language of the speech: detect (default; stored per file) or an ISO code "
                 "such as en, es, de, ja, ar, he.")] = DETECT,
        speech_model: Annotated[Path | None, typer.Option(
            "--speech-model", help="A local CTranslate2 Whisper model folder (multilingual "
                                   "for any language but en).")] = None,
        wait: Annotated[bool, typer.Option("--wait", help="With a queue configured, follow "
                                           "the job until the analysis is done.")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Analyse a batch: shots, speech, crowd energy, faces, sponsors, hero moments.

        Runs in-process, or on the queue when EDITRON_QUEUE_URL is set."""
        settings = get_settings()
        with guarded(as_json=as_json):
            batch_id = resolve_id(batch_id, "batch", settings=settings)
            if not queue_configured(settings):
                doc = run_analysis(batch_id, brief=brief, scope=scope, passes=passes,
                                   model=model, analysers=_split(analysers),
                                   language=language, speech_model=speech_model)
            else:
                job_id = request_analysis(batch_id=batch_id, brief=read_brief(brief),
                                          scope=scope, model_hint=model, max_iterations=passes,
                                          analysers=_split(analysers), language=language,
                                          speech_model=speech_model, settings=settings)
                if not wait:
                    emit({"job_id": job_id, "batch_id": batch_id, "status": "queued"},
                         as_json=True)
                    return
                outcome = wait_for_job(settings, job_id)
                latest = latest_analysis(batch_id, settings=settings)
                if outcome != "done" or latest is None:
                    raise EditronError(f"analysis job {job_id} {outcome}; see `editron status "
                                       f"{batch_id}`")
                doc = latest
        emit(doc, as_json=as_json, render=lambda: render_analysis(doc))
