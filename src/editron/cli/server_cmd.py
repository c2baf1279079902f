"""``editron serve`` (API + embedded worker) and ``editron tokens``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from editron.cli.output import emit, guarded, short_ids, table
from editron.config import get_settings
from editron.db.runtime import ready
from editron.jobs.worker import start_embedded_worker
from editron.services import tokens
from editron.services.ids import resolve_id

__all__ = ["register"]

console = Console()
tokens_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@tokens_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="Who or what uses it.")],
           scope: Annotated[list[str] | None, typer.Option(
               "--scope", help="read, operate or admin; repeat for several "
                               "(default: read and operate).")] = None,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Make a token; it is printed once and only its hash is kept."""
    with guarded(as_json=as_json):
        made = tokens.create_token(name=name, scopes=scope, settings=get_settings())
    emit(made, as_json=as_json,
         render=lambda: console.print(f"token for {name} ({', '.join(made.scopes)}; shown "
                                      f"once):\n{made.token}"))


@tokens_app.command("list")
def list_tokens(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    with guarded(as_json=as_json):
        rows = [t.model_dump() for t in tokens.list_tokens(settings=get_settings())]
        short = short_ids("API token", [str(r["id"]) for r in rows])

    emit({"tokens": rows}, as_json=as_json, render=lambda: table(
        "API tokens", ("id", "name", "scopes", "created", "last used", "revoked"),
        [(short[str(r["id"])], r["name"], ",".join(r["scopes"]), str(r["created_at"])[:19],
          str(r["last_used_at"] or "-")[:19], str(r["revoked_at"] or "-")[:19]) for r in rows]))


@tokens_app.command("revoke")
def revoke(token_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    with guarded(as_json=as_json):
        row = tokens.revoke_token(resolve_id(token_id, "API token"), settings=get_settings())
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

        from editron.api.app import create_app, settle_heap

        with guarded():
            settings = ready(get_settings())
            worker = start_embedded_worker(settings, workers=workers) if workers else None
            try:
                api = create_app(settings, bind_host=host)
                settle_heap()
                uvicorn.run(api, host=host, port=port, log_level="info")
            finally:
                if worker is not None:
                    worker.stop()
