"""``editron run``, ``demo``, ``worker`` and ``workers``: the whole lane, the sample event, a
queue worker, and the workers' liveness."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from editron.cli.analyze_cmd import read_brief, render_analysis
from editron.cli.batches_cmd import render_batch
from editron.cli.output import EXIT_FAILED, emit, guarded, human_size, stderr, stdout, table
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.demo import make_sample_event
from editron.jobs.worker import run_worker
from editron.services.lane import LaneResult, run_lane
from editron.services.vocabulary import names_of
from editron.services.workers import WorkerList, list_workers

__all__ = ["register"]


SAMPLE_BRIEF = ("Sponsors: Northwind Energy\nmust use: award, applause\n"
                "tone: upbeat\nA lively recap of the Aurora Summit.")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _render_lane(result: LaneResult) -> None:
    render_batch(result.batch)
    if result.analysis is not None:
        render_analysis(result.analysis)
    rows = []
    for row in result.deliverables():
        kind = row["deliverable"] + (f"-{row['variant']}" if row["variant"] > 1 else "")
        duration = row["duration_seconds"]
        rows.append((kind, row["aspect_ratio"], f"{duration:.2f} s" if duration else "-",
                     human_size(row["size_bytes"]), row["qc"],
                     Path(row["path"]).name if row["path"] else (row["error"] or "")))
    table(f"deliverables in {result.out_dir}",
          ("deliverable", "ratio", "duration", "size", "QC", "file"), rows)
    stdout.print("stage times: " + ", ".join(f"{k} {v:.1f} s"
                                             for k, v in result.stage_seconds.items()))
    stdout.print(f"batch {result.batch.batch_id}"
                 + (f", analysis {result.analysis.analysis_id}" if result.analysis else "")
                 + "".join(f", {s.deliverable_type} session {s.session_id}"
                           for s in result.sessions)
                 + "; nothing was reviewed (`editron session ID` to look, `editron show ID` "
                   "for any of them)")


def _render_workers(found: WorkerList) -> None:
    rows = [(w.id, ",".join(w.queues), str(w.concurrency),
             ",".join(j[:8] for j in w.current_jobs) or "-",
             ("alive" if w.alive else "stopped" if w.stopped_at else "lost")
             + ("" if w.accepting else " (refusing work)"),
             human_size(w.disk_free_bytes), f"{w.heartbeat_age_seconds:.1f} s ago")
            for w in found.items]
    table(f"workers at {found.checked_at[:19]} (database clock)",
          ("id", "queues", "at once", "running", "state", "free disk", "heartbeat"), rows)
    for w in found.items:
        if not w.accepting and w.disk_detail:
            stdout.print(f"{w.id}: {w.disk_detail}")


def _run_lane(source: str, *, name: str | None, brief: str | None, out: Path,
              deliverables: str | None, ratios: str | None, formats: str, style: str | None,
              as_json: bool) -> None:
    """Ingest → analyse → edit → render → QC → deliver into ``out``, a progress bar per stage,
    then one table of what was delivered."""
    with guarded(as_json=as_json), RichProgress() as progress:
        result = run_lane(
            source=source, out=out, brief=read_brief(brief), name=name,
            deliverables=deliverables, ratios=ratios, formats=formats.split(","),
            style=style, ingest_progress=progress,
            on_stage=lambda stage, f, detail: progress.on_step(stage, f * 100, 100,
                                                               detail=detail))
    emit(result.to_dict(), as_json=as_json, render=lambda: _render_lane(result))
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        source: Annotated[str, typer.Argument(help="Footage: folder, file, URL or Dropbox link.")],
        name: Annotated[str | None, typer.Option("--name")] = None,
        brief: Annotated[str | None, typer.Option("--brief", help="Brief text or @FILE.")] = None,
        deliverables: Annotated[str | None, typer.Option(
            help=f"Comma separated: {', '.join(names_of('deliverable'))} (default: all)."
        )] = None,
        ratios: Annotated[str | None, typer.Option(
            help=f"Aspect ratios (default: {','.join(names_of('aspect ratio'))}).")] = None,
        formats: Annotated[str, typer.Option(
            help=f"Comma separated: {', '.join(names_of('render format'))}.")] = "mp4",
        style: Annotated[str | None, typer.Option(help="Style preset.")] = None,
        out: Annotated[Path, typer.Option("--out", help="Where deliverables go.")] = Path("out"),
        as_json: JsonOpt = False,
    ) -> None:
        """Every stage in one go: ingest, analyse, edit, render, QC and deliver into --out."""
        _run_lane(source, name=name, brief=brief, out=out, deliverables=deliverables,
                  ratios=ratios, formats=formats, style=style, as_json=as_json)

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Where the sample and results go.")] = Path(
            "out/demo"
        ),
        as_json: JsonOpt = False,
    ) -> None:
        """Make the sample event footage (offline) and run the whole lane on it."""
        with guarded(as_json=as_json):
            stderr.print("making sample event footage…")
            clips = make_sample_event(out / "footage")
            stderr.print(f"made {len(clips)} clips in {out / 'footage'}")
        _run_lane(str(out / "footage"), name="Aurora Summit (sample)", brief=SAMPLE_BRIEF,
                  out=out, deliverables=None, ratios=None, formats="mp4", style=None,
                  as_json=as_json)

    _register_workers(app)


def _register_workers(app: typer.Typer) -> None:
    @app.command()
    def worker(
        concurrency: Annotated[int, typer.Option(
            "--concurrency", "--workers", min=1, max=32,
            help="Jobs this worker runs at once (renders also wait for a free slot of the "
                 "host: one per core).")] = 1,
        queues: Annotated[str | None, typer.Option(
            "--queues", help="Comma separated queues to serve: ingest, analysis, render "
                             "(default: all).")] = None,
    ) -> None:
        """Run a queue worker until interrupted: SIGTERM/SIGINT let running jobs finish for
        EDITRON_JOB_SHUTDOWN_GRACE_SECONDS, then hand them back to the queue."""
        with guarded():
            run_worker(get_settings(), workers=concurrency,
                       queues=queues.split(",") if queues else None)

    @app.command()
    def workers(
        alive: Annotated[bool, typer.Option("--alive", help="Only the live ones.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """The queue workers seen in the last day: host, queues, what each runs, its free
        disk and its last heartbeat (on the database's clock)."""
        with guarded(as_json=as_json):
            found = list_workers(alive_only=alive, settings=get_settings())
        emit(found.model_dump(), as_json=as_json, render=lambda: _render_workers(found))
