"""``editron sync``: where each file sits on the event clock, and placing one by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from editron.cli.analyze_cmd import render_sync
from editron.cli.output import emit, guarded
from editron.config import get_settings
from editron.errors import InputError
from editron.services.ids import resolve_id
from editron.services.requests import SyncRequest
from editron.services.sync import batch_sync, set_sync_offsets

__all__ = ["parse_offsets", "register"]


def parse_offsets(values: list[str]) -> SyncRequest:
    """``FILE_ID=SECONDS`` options as one request; InputError naming the bad one."""
    offsets: dict[str, float] = {}
    for value in values:
        name, sep, seconds = value.rpartition("=")
        try:
            if not sep or not name:
                raise ValueError
            offsets[name.strip()] = float(seconds)
        except ValueError:
            raise InputError(f"--offset {value!r}: expected FILE_ID=SECONDS, for example "
                             "--offset 3f2a9c1e=12.48") from None
    return SyncRequest(offsets=offsets)


def register(app: typer.Typer) -> None:
    @app.command()
    def sync(
        batch_id: str,
        offset: Annotated[list[str] | None, typer.Option(
            "--offset", help="FILE_ID=SECONDS: place a file's first sample at SECONDS of the "
                             "event clock by hand (repeatable; kept by later analyses).")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Show where each file of an analysed batch sits on the event clock, or set one."""
        settings = get_settings()
        with guarded(as_json=as_json):
            batch_id = resolve_id(batch_id, "batch", settings=settings)
            rows = (set_sync_offsets(batch_id, parse_offsets(offset), settings=settings)
                    if offset else batch_sync(batch_id, settings=settings))
        emit({"batch_id": batch_id, "sync": rows}, as_json=as_json,
             render=lambda: render_sync(rows, {}))
