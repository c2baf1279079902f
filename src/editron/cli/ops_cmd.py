"""``editron run``, ``demo`` and ``worker``: the whole lane, the sample event, a queue worker."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from editron.cli.analyze_cmd import render_analysis, run_analysis
from editron.cli.batches_cmd import render_batch
from editron.cli.output import EXIT_FAILED, emit, guarded, stderr
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.services.ingest import ingest_media_batch

__all__ = ["register"]

SAMPLE_BRIEF = ("Sponsors: Northwind Energy\nmust use: award, applause\n"
                "tone: upbeat\nA lively recap of the Aurora Summit.")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _run_lane(source: str, *, name: str | None, brief: str | None, out: Path,
              as_json: bool) -> None:
    """Ingest, then analyse (edit and render join the lane as they land); the analysis folder
    (brief, energy plot, moment thumbnails, transcript) is copied into ``out/analysis``."""
    with guarded(), RichProgress() as progress:
        batch = ingest_media_batch(source_url=source, reference_name=name, progress=progress)
    if batch.status == "failed":
        emit({"batch": batch}, as_json=as_json, render=lambda: render_batch(batch))
        raise typer.Exit(EXIT_FAILED)
    if not as_json:
        render_batch(batch)
    with guarded():
        analysis = run_analysis(batch.batch_id, brief=brief, scope=None, passes=3, model=None)
    if analysis.artifacts_path:
        shutil.copytree(analysis.artifacts_path, out / "analysis", dirs_exist_ok=True)
        analysis.artifacts_path = str((out / "analysis").resolve())
    emit({"batch": batch, "analysis": analysis}, as_json=as_json,
         render=lambda: render_analysis(analysis))


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        source: Annotated[str, typer.Argument(help="Footage: folder, file, URL or Dropbox link.")],
        name: Annotated[str | None, typer.Option("--name")] = None,
        brief: Annotated[str | None, typer.Option("--brief", help="Brief text or @FILE.")] = None,
        out: Annotated[Path, typer.Option("--out", help="Where deliverables go.")] = Path("out"),
        as_json: JsonOpt = False,
    ) -> None:
        """Every stage in one go (today: ingest and analysis; edit and render join next)."""
        out.mkdir(parents=True, exist_ok=True)
        _run_lane(source, name=name, brief=brief, out=out, as_json=as_json)

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Where the sample and results go.")] = Path(
            "out/demo"
        ),
        as_json: JsonOpt = False,
    ) -> None:
        """Make the sample event footage (offline) and run the lane on it."""
        from editron.demo import make_sample_event

        with guarded():
            stderr.print("making sample event footage…")
            clips = make_sample_event(out / "footage")
            stderr.print(f"made {len(clips)} clips in {out / 'footage'}")
        _run_lane(str(out / "footage"), name="Aurora Summit (sample)", brief=SAMPLE_BRIEF,
                  out=out, as_json=as_json)

    @app.command()
    def worker(
        workers: Annotated[int, typer.Option(min=1, max=32, help="Worker threads.")] = 1,
    ) -> None:
        """Run a queue worker until interrupted (SIGINT/SIGTERM stop it cleanly)."""
        from editron.jobs.worker import run_worker

        with guarded():
            run_worker(get_settings(), workers=workers)
