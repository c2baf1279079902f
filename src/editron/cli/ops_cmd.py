"""``editron run``, ``demo`` and ``worker``: the whole lane, the sample event, a queue worker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from editron.cli.batches_cmd import render_batch
from editron.cli.output import EXIT_FAILED, emit, guarded, stderr
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.services.ingest import ingest_media_batch
from editron.services.schemas import BatchPublic

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _run_lane(source: str, *, name: str | None, as_json: bool) -> BatchPublic:
    with guarded(), RichProgress() as progress:
        batch = ingest_media_batch(source_url=source, reference_name=name, progress=progress)
    emit({"batch": batch}, as_json=as_json, render=lambda: render_batch(batch))
    if batch.status == "failed":
        raise typer.Exit(EXIT_FAILED)
    return batch


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        source: Annotated[str, typer.Argument(help="Footage: folder, file, URL or Dropbox link.")],
        name: Annotated[str | None, typer.Option("--name")] = None,
        out: Annotated[Path, typer.Option("--out", help="Where deliverables go.")] = Path("out"),
        as_json: JsonOpt = False,
    ) -> None:
        """Every stage in one go (today: ingest; analysis, edit and render join as they land)."""
        out.mkdir(parents=True, exist_ok=True)
        _run_lane(source, name=name, as_json=as_json)

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
        _run_lane(str(out / "footage"), name="Aurora Summit (sample)", as_json=as_json)

    @app.command()
    def worker(
        workers: Annotated[int, typer.Option(min=1, max=32, help="Worker threads.")] = 1,
    ) -> None:
        """Run a queue worker until interrupted (SIGINT/SIGTERM stop it cleanly)."""
        from editron.jobs.worker import run_worker

        with guarded():
            run_worker(get_settings(), workers=workers)
