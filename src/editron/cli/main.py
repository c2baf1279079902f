"""``editron``: the command line. Commands parse into a request and call one service.

``build_app()`` makes the command tree from the registries as they are when it is called (the
deliverables, export formats, destinations and analysers in the help and choices); the
``editron`` entry point builds it once at start-up.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from typer.exceptions import TyperException

from editron import (
    __version__,
    services,  # noqa: F401  (registers every queue operation)
)
from editron.cli import (
    agents_cmd,
    analyze_cmd,
    batches_cmd,
    edit_cmd,
    find_cmd,
    ops_cmd,
    render_cmd,
    review_cmd,
    server_cmd,
    sources_cmd,
    sync_cmd,
)
from editron.cli.output import EXIT_BAD_INPUT, OPTIONS, guarded
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


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"editron {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(name="editron", help=_help(), no_args_is_help=True,
                      add_completion=True, pretty_exceptions_enable=False)

    @app.callback()
    def _root(
        log_level: Annotated[LogLevel | None, typer.Option(
            case_sensitive=False, help="Log level (default: EDITRON_LOG_LEVEL, else INFO).")
        ] = None,
        quiet: Annotated[bool, typer.Option(
            "--quiet", "-q", help="No progress bars or notes; warnings and errors only.")
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")
                           ] = False,
        version: Annotated[bool, typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version.")
        ] = False,
    ) -> None:
        with guarded(as_json="--json" in sys.argv):  # a setting that cannot be used: exit 2
            settings = get_settings()
        OPTIONS.quiet = quiet
        level = ("DEBUG" if verbose else "WARNING" if quiet
                 else (log_level or settings.log_level).upper())
        configure_logging(fmt=settings.log_format, level=level)

    for module in (batches_cmd, analyze_cmd, sync_cmd, edit_cmd, review_cmd, render_cmd,
                   find_cmd, server_cmd, agents_cmd, ops_cmd, sources_cmd):
        module.register(app)
    return app


app = build_app()


def main(argv: list[str] | None = None) -> None:
    """The ``editron`` entry point: usage mistakes (an unknown option, a wrong choice) are one
    line on stderr and exit 2, plus a JSON error document on stdout with ``--json``."""
    args = sys.argv[1:] if argv is None else argv
    try:
        # Out of standalone mode click hands back a command's exit code instead of exiting.
        code = typer.main.get_command(app).main(args=args, prog_name="editron",
                                                standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    except TyperException as exc:  # click's usage errors (typer vendors click)
        formatter = getattr(exc, "format_message", None)
        message = str(formatter()) if callable(formatter) else str(exc)
        ctx = getattr(exc, "ctx", None)
        hint = (f" (see `{ctx.command_path} --help`)" if ctx is not None else "")
        if "--json" in args:
            doc = {"error": {"code": "usage", "message": message, "exit_code": 2}}
            sys.stdout.write(json.dumps(doc) + "\n")
        sys.stderr.write(f"error: {message}{hint}\n")
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(code if isinstance(code, int) else 0)
