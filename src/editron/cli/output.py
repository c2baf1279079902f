"""How every command ends: one JSON document on stdout with ``--json``, or a Rich rendering
(a table, or tab-separated full values when stdout is not a terminal); one-line reasons on
stderr, a JSON error document on stdout with ``--json``, and the CLI contract's exit codes (0
ok, 1 failed job, 2 bad input).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from editron.errors import EditronError, InputError, NotFoundError
from editron.services.ids import display_ids

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "OPTIONS", "Ident", "emit", "fail",
           "guarded", "human_size", "is_terminal", "short_ids", "stderr", "stdout", "table"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)


class _Options:
    """Set by the root command: ``-q`` hides progress bars and notes."""

    quiet: bool = False


OPTIONS = _Options()


def _jsonable(doc: Any) -> Any:
    if isinstance(doc, BaseModel):
        return doc.model_dump(mode="json")
    if isinstance(doc, list):
        return [_jsonable(item) for item in doc]
    if isinstance(doc, dict):
        return {key: _jsonable(value) for key, value in doc.items()}
    return doc


def human_size(n: int | None) -> str:
    """``12.3 MB``; ``-`` when unknown."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def emit(doc: Any, *, as_json: bool, render: Callable[[], None] | None = None) -> None:
    """Print exactly one JSON document (``--json``) or the human rendering."""
    if as_json or render is None:
        sys.stdout.write(json.dumps(_jsonable(doc), indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        render()


class Ident(str):
    """An id shown at its shortest unique prefix in a terminal table, and whole when piped."""

    full: str

    def __new__(cls, full: str, short: str) -> Ident:
        made = super().__new__(cls, short)
        made.full = full
        return made


def short_ids(kind: str, ids: Iterable[str]) -> dict[str, Ident]:
    """Ids of ``kind`` for a table: each at the shortest prefix that still names only it."""
    return {full: Ident(full, short) for full, short in display_ids(kind, ids).items()}


def is_terminal() -> bool:
    return sys.stdout.isatty()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A Rich table on a terminal; piped, a header line and one tab-separated line per row
    with every value whole (ids, paths), for ``cut`` and ``awk``."""
    rows = list(rows)
    if not is_terminal():
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            cells = ["" if v is None else str(getattr(v, "full", v)) for v in row]
            sys.stdout.write("\t".join(c.replace("\t", " ").replace("\n", " ")
                                        for c in cells) + "\n")
        sys.stdout.flush()
        return
    view = Table(title=title)
    for column in columns:
        view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*("" if v is None else str(v) for v in row))
    stdout.print(view)


def fail(message: str, *, code: int, as_json: bool = False, kind: str = "error") -> NoReturn:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    if as_json:
        doc = {"error": {"code": kind, "message": first_line, "exit_code": code}}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    stderr.print(f"[bold red]error:[/] {first_line}", soft_wrap=True, markup=True,
                 highlight=False)
    raise typer.Exit(code)


@contextmanager
def guarded(*, as_json: bool = False) -> Iterator[None]:
    """Turn Editron errors into the contract's exit codes (with a JSON error document on
    stdout under ``--json``); ``EDITRON_DEBUG=1`` re-raises."""
    debug = os.environ.get("EDITRON_DEBUG") == "1"
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except (InputError, NotFoundError) as exc:
        if debug:
            raise
        fail(str(exc), code=EXIT_BAD_INPUT, as_json=as_json, kind=exc.code)
    except EditronError as exc:
        if debug:
            raise
        fail(str(exc), code=EXIT_FAILED, as_json=as_json, kind=exc.code)
    except KeyboardInterrupt:
        fail("interrupted", code=130, as_json=as_json, kind="interrupted")
    except Exception as exc:  # a bug: say so in one line; EDITRON_DEBUG=1 shows where
        if debug:
            raise
        fail(f"internal error ({type(exc).__name__}: {exc}); run again with EDITRON_DEBUG=1 "
             "for the traceback and report it", code=EXIT_FAILED, as_json=as_json,
             kind="internal_error")
