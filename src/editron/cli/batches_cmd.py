"""``editron ingest``, ``batches``, ``status``, ``resume`` and ``gc``."""

from __future__ import annotations

from typing import Annotated

import typer

from editron.cli.follow import queue_configured, wait_for_batch
from editron.cli.output import (
    EXIT_FAILED,
    OPTIONS,
    emit,
    guarded,
    human_size,
    short_ids,
    stdout,
    table,
)
from editron.cli.progress import RichProgress
from editron.config import get_settings
from editron.domain.status import BatchStatus, StorageTier
from editron.services.board import BatchStatusPublic, batch_status
from editron.services.gc import collect_garbage
from editron.services.ids import resolve_id
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.services.runs import resume_batch
from editron.services.schemas import BatchPublic

__all__ = ["JsonOpt", "register", "render_batch"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
NewOpt = Annotated[bool, typer.Option(
    "--new", help="Make a new batch even if an ingest of this source was interrupted (by "
                  "default that batch is finished instead).")]


def render_batch(batch: BatchPublic) -> None:
    table(f"batch {batch.batch_id} — {batch.reference_name} [{batch.status}]",
          ("file", "size", "duration", "resolution", "codec", "fps", "audio", "sha-256"),
          [(f.relative_path, human_size(f.size_bytes),
            f"{f.duration_seconds:.2f} s" if f.duration_seconds is not None else "-",
            f.resolution or "-", f.codec or "-",
            (f"{f.fps:.3f}".rstrip("0").rstrip(".") + (" VFR" if f.is_vfr else ""))
            if f.fps else "-", "yes" if f.has_audio else "no", f.checksum_sha256 or "-")
           for f in batch.files])
    stdout.print(f"{batch.file_count} file(s), {human_size(batch.total_size_bytes)}")
    for dup in batch.duplicates:
        stdout.print(f"[yellow]duplicate[/] {dup['filename']} (same bytes as "
                     f"{dup['duplicate_of']})")
    for err in batch.errors:
        stdout.print(f"[red]rejected[/] {err.filename}: {err.error}")
    if batch.skipped:
        stdout.print(f"skipped (not media): {', '.join(batch.skipped)}")
    if batch.last_error:
        stdout.print(f"[red]last error:[/] {batch.last_error}")


def render_status(doc: BatchStatusPublic) -> None:
    render_batch(doc)
    if doc.run is not None and doc.run.state == "interrupted":
        stdout.print(f"[yellow]interrupted[/]: {doc.run.operation} — {doc.run.done}")
    table("stages", ("stage", "status", "progress", "detail"),
          [(t.stage, t.status, f"{t.progress_percent:.0f}%", t.detail or "") for t in doc.tasks])
    if doc.sessions:
        short = short_ids("edit session", [s.session_id for s in doc.sessions])
        table("edit sessions", ("session", "deliverable", "status", "ratios", "created"),
              [(short[s.session_id], s.deliverable_type, s.status, ",".join(s.aspect_ratios),
                s.created_at[:19]) for s in doc.sessions])
    stdout.print(f"next: {doc.next}")


def register(app: typer.Typer) -> None:
    _register_ingest(app)
    _register_batches(app)
    _register_status(app)
    _register_resume(app)
    _register_gc(app)


def _register_ingest(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        source: Annotated[str, typer.Argument(help="Local file or folder, file://, http(s):// or a "
                                              "Dropbox shared link.")],
        project: Annotated[str | None, typer.Option("--project", help="Project id.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Reference name.")] = None,
        tier: Annotated[StorageTier, typer.Option(
            "--tier", help="hot keeps originals and proxies, warm originals, cold leaves them "
                           "at the source.")] = StorageTier.HOT,
        no_checksum: Annotated[bool, typer.Option("--no-checksum")] = False,
        wait: Annotated[bool, typer.Option("--wait", help="With a queue configured, follow "
                                           "the job until the batch is ready.")] = False,
        new: NewOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Bring a batch of footage in: download, verify, probe, make proxies.

        Runs in-process, or on the queue when EDITRON_QUEUE_URL is set. Run again after a
        killed ingest, it finishes that batch (unless --new)."""
        settings = get_settings()
        queued = queue_configured(settings)
        with guarded(as_json=as_json), RichProgress(enabled=not queued) as progress:
            project_id = resolve_id(project, "project") if project else None
            batch = ingest_media_batch(source_url=source, reference_name=name,
                                       storage_tier=tier.value,
                                       checksum_required=not no_checksum, project_id=project_id,
                                       progress=progress, settings=settings, defer=queued,
                                       resume=not new)
            if queued and wait:
                wait_for_batch(settings, batch.batch_id, until={"ready", "failed"})
                batch = get_batch(batch.batch_id, settings=settings)
        emit(batch, as_json=as_json, render=lambda: render_batch(batch))
        if not as_json and not OPTIONS.quiet:
            stdout.print(f"batch {batch.batch_id}; next: `editron analyze {batch.batch_id}`")
        if batch.status == "failed":
            raise typer.Exit(EXIT_FAILED)


def _register_batches(app: typer.Typer) -> None:
    @app.command()
    def batches(
        status: Annotated[BatchStatus | None, typer.Option(
            help="Only batches in this status.")] = None,
        project: Annotated[str | None, typer.Option("--project", help="Project id.")] = None,
        limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
        as_json: JsonOpt = False,
    ) -> None:
        """List media batches, newest first."""
        with guarded(as_json=as_json):
            project_id = resolve_id(project, "project") if project else None
            rows = list_batches(status=status.value if status else None, project_id=project_id,
                                limit=limit)
            short = short_ids("batch", [b.batch_id for b in rows])

        emit({"batches": rows}, as_json=as_json, render=lambda: table(
            "media batches", ("id", "name", "status", "tier", "files", "size", "created"),
            [(short[b.batch_id], b.reference_name, b.status, b.storage_tier, b.file_count,
              human_size(b.total_size_bytes), b.created_at[:19]) for b in rows]))


def _register_status(app: typer.Typer) -> None:
    @app.command()
    def status(batch_id: Annotated[str, typer.Argument(help="A batch id or unique prefix.")],
               as_json: JsonOpt = False) -> None:
        """Where a batch stands: its files, errors, stages, sessions and the next command."""
        with guarded(as_json=as_json):
            doc = batch_status(resolve_id(batch_id, "batch"))
        emit(doc, as_json=as_json, render=lambda: render_status(doc))


def _register_resume(app: typer.Typer) -> None:
    @app.command()
    def resume(batch_id: Annotated[str, typer.Argument(help="A batch id or unique prefix.")],
               as_json: JsonOpt = False) -> None:
        """Finish the stage (ingest, analysis or edit) that a killed command or worker left
        interrupted, here and now; then print where the batch stands."""
        with guarded(as_json=as_json):
            full = resolve_id(batch_id, "batch")
            resume_batch(full)
            doc = batch_status(full)
        emit(doc, as_json=as_json, render=lambda: render_status(doc))
        if doc.status == "failed":
            raise typer.Exit(EXIT_FAILED)


def _register_gc(app: typer.Typer) -> None:
    @app.command()
    def gc(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Remove working files of batches past their retention date."""
        with guarded(as_json=as_json):
            report = collect_garbage(dry_run=dry_run)

        def render() -> None:
            verb = "would free" if dry_run else "freed"
            stdout.print(f"{verb} {human_size(report.freed_bytes)} in "
                         f"{report.removed_files} file(s) from {len(report.batches)} batch(es)")
            for line in report.details:
                stdout.print(f"  {line}")

        emit(report, as_json=as_json, render=render)
