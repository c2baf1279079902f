"""``editron``: the command line. Commands parse into a request and call one service."""

from __future__ import annotations

from typing import Annotated

import typer

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

__all__ = ["app"]

app = typer.Typer(
    name="editron",
    help="Automated post-production for event footage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING...")] = None,
) -> None:
    settings = get_settings()
    configure_logging(fmt=settings.log_format, level=log_level or settings.log_level)


batches_cmd.register(app)
analyze_cmd.register(app)
edit_cmd.register(app)
render_cmd.register(app)
server_cmd.register(app)
agents_cmd.register(app)
ops_cmd.register(app)
sources_cmd.register(app)
