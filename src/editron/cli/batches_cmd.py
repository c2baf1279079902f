"""``editron ingest``, ``batches``, ``status`` and ``gc``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from editron.cli.follow import queue_configured, wait_for_batch
from editron.cli.output import EXIT_FAILED, emit, guarded, human_size
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.services.gc import collect_garbage
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.schemas import BatchPublic

__all__ = ["register", "render_batch"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
console = Console()


def render_batch(batch: BatchPublic) -> None:
    table = Table(title=f"batch {batch.batch_id} — {batch.reference_name} [{batch.status}]")
    for column in ("file", "size", "duration", "resolution", "codec", "fps", "audio", "sha-256"):
        table.add_column(column)
    for f in batch.files:
        table.add_row(
            f.relative_path, human_size(f.size_bytes),
            f"{f.duration_seconds:.2f} s" if f.duration_seconds is not None else "-",
            f.resolution or "-", f.codec or "-",
            (f"{f.fps:.3f}".rstrip("0").rstrip(".") + (" VFR" if f.is_vfr else ""))
            if f.fps else "-",
            "yes" if f.has_audio else "no",
            (f.checksum_sha256 or "-")[:12],
        )
    console.print(table)
    console.print(f"{batch.file_count} file(s), {human_size(batch.total_size_bytes)}")
    for dup in batch.duplicates:
        console.print(
            f"[yellow]duplicate[/] {dup['filename']} (same bytes as {dup['duplicate_of']})")
    for err in batch.errors:
        console.print(f"[red]rejected[/] {err.filename}: {err.error}")
    if batch.skipped:
        console.print(f"skipped (not media): {', '.join(batch.skipped)}")
    if batch.last_error:
        console.print(f"[red]last error:[/] {batch.last_error}")


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        source: Annotated[str, typer.Argument(help="Local file or folder, file://, http(s):// or a "
                                              "Dropbox shared link.")],
        project: Annotated[str | None, typer.Option("--project", help="Project id.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Reference name.")] = None,
        tier: Annotated[str, typer.Option("--tier", help="hot, warm or cold.")] = "hot",
        no_checksum: Annotated[bool, typer.Option("--no-checksum")] = False,
        wait: Annotated[bool, typer.Option("--wait", help="With a queue configured, follow "
                                           "the job until the batch is ready.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Bring a batch of footage in: download, verify, probe, make proxies.

        Runs in-process, or on the queue when EDITRON_QUEUE_URL is set."""
        settings = get_settings()
        queued = queue_configured(settings)
        with guarded(), RichProgress(enabled=not queued) as progress:
            batch = ingest_media_batch(source_url=source, reference_name=name, storage_tier=tier,
                                       checksum_required=not no_checksum, project_id=project,
                                       progress=progress, settings=settings, defer=queued)
            if queued and wait:
                wait_for_batch(settings, batch.batch_id, until={"ready", "failed"})
                batch = get_batch(batch.batch_id, settings=settings)
        emit(batch, as_json=as_json, render=lambda: render_batch(batch))
        if batch.status == "failed":
            raise typer.Exit(EXIT_FAILED)

    @app.command()
    def batches(
        status: Annotated[str | None, typer.Option(help="Only batches in this status.")] = None,
        project: Annotated[str | None, typer.Option("--project")] = None,
        limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
        as_json: JsonOpt = False,
    ) -> None:
        """List media batches, newest first."""
        with guarded():
            rows = list_batches(status=status, project_id=project, limit=limit)

        def render() -> None:
            table = Table(title="media batches")
            for column in ("id", "name", "status", "tier", "files", "size", "created"):
                table.add_column(column)
            for b in rows:
                table.add_row(b.batch_id, b.reference_name, b.status, b.storage_tier,
                              str(b.file_count), human_size(b.total_size_bytes), b.created_at[:19])
            console.print(table)

        emit({"batches": rows}, as_json=as_json, render=render)

    @app.command()
    def status(batch_id: str, as_json: JsonOpt = False) -> None:
        """Show one batch with its files, errors and board cards."""
        with guarded():
            batch = get_batch(batch_id)
        emit(batch, as_json=as_json, render=lambda: render_batch(batch))

    @app.command()
    def gc(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Remove working files of batches past their retention date."""
        with guarded():
            report = collect_garbage(dry_run=dry_run)

        def render() -> None:
            verb = "would free" if dry_run else "freed"
            console.print(f"{verb} {human_size(report.freed_bytes)} in "
                          f"{report.removed_files} file(s) from {len(report.batches)} batch(es)")
            for line in report.details:
                console.print(f"  {line}")

        emit(report, as_json=as_json, render=render)
