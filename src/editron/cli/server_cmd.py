"""``editron serve`` (API + embedded worker) and ``editron tokens``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from editron.cli.output import emit, guarded
from editron.config import get_settings
from editron.db.runtime import ready
from editron.jobs.worker import start_embedded_worker
from editron.services import tokens

__all__ = ["register"]

console = Console()
tokens_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@tokens_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="Who or what uses it.")],
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Make a token; it is printed once and only its hash is kept."""
    with guarded():
        made = tokens.create_token(name=name, settings=get_settings())
    emit(made, as_json=as_json,
         render=lambda: console.print(f"token for {name} (shown once):\n{made.token}"))


@tokens_app.command("list")
def list_tokens(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    with guarded():
        rows = [t.model_dump() for t in tokens.list_tokens(settings=get_settings())]

    def render() -> None:
        table = Table(title="API tokens")
        for column in ("id", "name", "created", "last used", "revoked"):
            table.add_column(column)
        for r in rows:
            table.add_row(str(r["id"]), str(r["name"]), str(r["created_at"])[:19],
                          str(r["last_used_at"] or "-")[:19], str(r["revoked_at"] or "-")[:19])
        console.print(table)

    emit({"tokens": rows}, as_json=as_json, render=render)


@tokens_app.command("revoke")
def revoke(token_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    with guarded():
        row = tokens.revoke_token(token_id, settings=get_settings())
        doc = {"id": row.id, "revoked_at": row.revoked_at}
    emit(doc, as_json=as_json, render=lambda: console.print(f"revoked {token_id}"))


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")

    @app.command()
    def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
              port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
              workers: Annotated[int, typer.Option(min=0, max=16,
                                                   help="Embedded queue workers (0: none).")] = 1
              ) -> None:
        """The HTTP API with an embedded queue worker."""
        import uvicorn

        from editron.api.app import create_app

        with guarded():
            settings = ready(get_settings())
            worker = start_embedded_worker(settings, workers=workers) if workers else None
            try:
                uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
            finally:
                if worker is not None:
                    worker.stop()
