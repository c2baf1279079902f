"""``editron``: the command line. Commands parse into a request and call one service.

``build_app()`` makes the command tree from the registries as they are when it is called (the
deliverables, export formats, destinations and analysers in the help and choices); the
``editron`` entry point builds it once at start-up.
"""

from __future__ import annotations

from typing import Annotated

import typer

from editron import services  # noqa: F401  (registers every queue operation)
from editron.cli import (
    agents_cmd,
    analyze_cmd,
    batches_cmd,
    edit_cmd,
    ops_cmd,
    render_cmd,
    server_cmd,
    sources_cmd,
)
from editron.config import get_settings
from editron.logs import configure_logging
from editron.services.vocabulary import destination_help, names_of

__all__ = ["app", "build_app", "main"]


def _help() -> str:
    return ("Automated post-production for event footage: ingest, analyse, edit, render, "
            "deliver.\n\n"
            f"Deliverables: {', '.join(names_of('deliverable'))}. "
            f"Export formats: {', '.join(names_of('export format'))}. "
            f"Render formats: {', '.join(names_of('render format'))}. "
            f"Destinations: {destination_help()}. "
            f"Analysers: {', '.join(names_of('analyser'))}.")


def build_app() -> typer.Typer:
    app = typer.Typer(name="editron", help=_help(), no_args_is_help=True,
                      add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root(
        log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING...")] = None,
    ) -> None:
        settings = get_settings()
        configure_logging(fmt=settings.log_format, level=log_level or settings.log_level)

    for module in (batches_cmd, analyze_cmd, edit_cmd, render_cmd, server_cmd, agents_cmd,
                   ops_cmd, sources_cmd):
        module.register(app)
    return app


app = build_app()


def main() -> None:
    app()
