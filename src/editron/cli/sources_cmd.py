"""``editron sources``: watched Dropbox folders (add, list, poll, pause, resume)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from editron.cli.follow import queue_configured
from editron.cli.output import EXIT_FAILED, emit, guarded, short_ids, table
from editron.config import get_settings
from editron.domain.status import StorageTier
from editron.services.dropbox_poll import PollResult, poll_all_active, poll_dropbox_source
from editron.services.ids import resolve_id
from editron.services.sources import (
    SourcePublic,
    add_dropbox_source,
    list_sources,
    request_poll,
    set_source_active,
)

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
console = Console()


def _render_sources(rows: list[SourcePublic]) -> None:
    short = short_ids("Dropbox source", [s.id for s in rows])
    table("watched Dropbox folders", ("id", "folder", "account", "project", "tier", "active",
                                      "token", "last polled"),
          [(short[s.id], s.folder_path, s.account_id or "-", s.project_id or "-",
            s.storage_tier, "yes" if s.active else "paused",
            "own" if s.has_token else "default", (s.last_polled_at or "never")[:19])
           for s in rows])


def _render_polls(results: list[PollResult]) -> None:
    for r in results:
        if r.paused:
            console.print(f"{r.source_id}: paused, not polled")
        elif r.error:
            console.print(f"[red]{r.source_id}: {r.error}[/]")
        elif r.batch_id:
            console.print(f"{r.source_id}: {len(r.new_files)} new file(s) -> batch {r.batch_id}")
        else:
            console.print(f"{r.source_id}: nothing new")


def register(app: typer.Typer) -> None:
    sources = typer.Typer(help="Watched Dropbox folders: new footage becomes a batch.",
                          no_args_is_help=True)
    app.add_typer(sources, name="sources")
    _register_sources_add(sources)
    _register_sources_list(sources)
    _register_sources_poll(sources)
    _register_sources_pause(sources)
    _register_sources_resume(sources)


def _register_sources_add(sources: typer.Typer) -> None:
    @sources.command("add")
    def add(
        folder: Annotated[str, typer.Argument(help="Dropbox folder, e.g. /Events/Gala.")],
        project: Annotated[str | None, typer.Option("--project", help="Project id.")] = None,
        account: Annotated[str | None, typer.Option(
            "--account", help="Dropbox account id (dbid:...) the webhook names.")] = None,
        tier: Annotated[StorageTier, typer.Option(
            "--tier", help="Storage tier of the batches it makes.")] = StorageTier.HOT,
        as_json: JsonOpt = False,
    ) -> None:
        """Watch a Dropbox folder (with EDITRON_DROPBOX_TOKEN); the first poll ingests it."""
        with guarded(as_json=as_json):
            project = resolve_id(project, "project") if project else None
            source = add_dropbox_source(folder_path=folder, project_id=project,
                                        account_id=account, storage_tier=tier.value)
        emit(source, as_json=as_json, render=lambda: _render_sources([source]))


def _register_sources_list(sources: typer.Typer) -> None:
    @sources.command("list")
    def list_(as_json: JsonOpt = False) -> None:
        """List watched folders (tokens are never shown)."""
        with guarded(as_json=as_json):
            rows = list_sources()
        emit({"sources": rows}, as_json=as_json, render=lambda: _render_sources(rows))


def _register_sources_poll(sources: typer.Typer) -> None:
    @sources.command("poll")
    def poll(
        source_id: Annotated[str | None, typer.Argument(
            help="Source id; every active source when omitted.")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Look for new files now: on the queue when EDITRON_QUEUE_URL is set, else here."""
        settings = get_settings()
        with guarded(as_json=as_json):
            if source_id:
                source_id = resolve_id(source_id, "Dropbox source", settings=settings)
            if queue_configured(settings):
                ids = [source_id] if source_id else [
                    s.id for s in list_sources(settings=settings, active=True)]
                jobs = {sid: request_poll(sid, settings=settings) for sid in ids}
                emit({"queued": jobs}, as_json=as_json,
                     render=lambda: console.print(f"{len(jobs)} poll(s) queued"))
                return
            if source_id:
                results = [poll_dropbox_source(source_id, settings=settings,
                                               defer_ingest=False)]
            else:
                results = poll_all_active(settings, defer_ingest=False)
        emit({"polls": results}, as_json=as_json, render=lambda: _render_polls(results))
        if any(r.error for r in results):
            raise typer.Exit(EXIT_FAILED)


def _register_sources_pause(sources: typer.Typer) -> None:
    @sources.command("pause")
    def pause(source_id: str, as_json: JsonOpt = False) -> None:
        """Stop watching a folder (webhooks and polls skip it)."""
        with guarded(as_json=as_json):
            source = set_source_active(resolve_id(source_id, "Dropbox source"), False)
        emit(source, as_json=as_json, render=lambda: _render_sources([source]))


def _register_sources_resume(sources: typer.Typer) -> None:
    @sources.command("resume")
    def resume(source_id: str, as_json: JsonOpt = False) -> None:
        """Watch a paused folder again."""
        with guarded(as_json=as_json):
            source = set_source_active(resolve_id(source_id, "Dropbox source"), True)
        emit(source, as_json=as_json, render=lambda: _render_sources([source]))
