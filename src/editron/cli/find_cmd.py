"""``editron show``, ``sessions``, ``session`` and ``doctor``: find any object, and check the
installation."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from editron.cli.batches_cmd import JsonOpt, render_status
from editron.cli.edit_cmd import render_session
from editron.cli.output import EXIT_FAILED, emit, guarded, short_ids, stdout, table
from editron.services.board import BatchStatusPublic
from editron.services.doctor import run_checks
from editron.services.edit import EditSessionPublic, get_edit_session
from editron.services.ids import resolve_id
from editron.services.lookup import describe
from editron.services.sessions import list_edit_sessions_public

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    _register_show(app)
    _register_sessions(app)
    _register_session(app)
    _register_doctor(app)


def _register_show(app: typer.Typer) -> None:
    @app.command()
    def show(object_id: Annotated[str, typer.Argument(
            metavar="ID", help="Any id Editron printed (batch, session, render job, analysis, "
                               "file, project, job...) or a unique prefix of it.")],
             as_json: JsonOpt = False) -> None:
        """Show any object by its id or a unique prefix of it."""
        with guarded(as_json=as_json):
            found = describe(object_id)

        def render() -> None:
            if found.kind == "batch":
                render_status(BatchStatusPublic.model_validate(found.document))
            elif found.kind == "edit session":
                render_session(EditSessionPublic.model_validate(found.document))
            else:
                table(f"{found.kind} {found.id}", ("field", "value"),
                      [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                       for k, v in found.document.items()])

        emit(found, as_json=as_json, render=render)


def _register_sessions(app: typer.Typer) -> None:
    @app.command()
    def sessions(
        batch_id: Annotated[str | None, typer.Argument(
            help="Only this batch's sessions (an id or unique prefix).")] = None,
        limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
        as_json: JsonOpt = False,
    ) -> None:
        """List edit sessions, newest first: every batch's, or one batch's."""
        with guarded(as_json=as_json):
            batch = resolve_id(batch_id, "batch") if batch_id else None
            rows = list_edit_sessions_public(batch, limit=limit)
            short = short_ids("edit session", [s.session_id for s in rows])
            batches = short_ids("batch", {s.batch_id for s in rows})

        emit({"sessions": rows}, as_json=as_json, render=lambda: table(
            "edit sessions", ("session", "batch", "deliverable", "status", "ratios",
                              "variants"),
            [(short[s.session_id], batches[s.batch_id], s.deliverable_type, s.status,
              ",".join(s.aspect_ratios), s.variants) for s in rows]))


def _register_session(app: typer.Typer) -> None:
    @app.command()
    def session(session_id: Annotated[str, typer.Argument(
            help="An edit session id or unique prefix.")], as_json: JsonOpt = False) -> None:
        """Show one edit session: its status, timelines, exports and previews."""
        with guarded(as_json=as_json):
            doc = get_edit_session(resolve_id(session_id, "edit session"))
        emit(doc, as_json=as_json, render=lambda: render_session(doc))


def _register_doctor(app: typer.Typer) -> None:
    @app.command()
    def doctor(as_json: JsonOpt = False) -> None:
        """What this installation uses and whether each part works: home, database, queue,
        ffmpeg, models, font, disk."""
        with guarded(as_json=as_json):
            report = run_checks()

        def render() -> None:
            stdout.print(f"editron {report.version}, home {report.home}")
            table("checks", ("check", "ok", "detail"),
                  [(c.name, "yes" if c.ok else "NO", c.detail) for c in report.checks])

        emit({**report.model_dump(), "ok": report.ok}, as_json=as_json, render=render)
        if not report.ok:
            raise typer.Exit(EXIT_FAILED)
