"""How every command ends: one JSON document on stdout with ``--json``, or a Rich rendering;
one-line reasons on stderr and the CLI contract's exit codes (0 ok, 1 failed job, 2 bad input).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console

from editron.errors import EditronError, InputError, NotFoundError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "emit", "fail", "guarded", "human_size",
           "stderr"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

stderr = Console(stderr=True, highlight=False)


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


def fail(message: str, *, code: int) -> NoReturn:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    stderr.print(f"[bold red]error:[/] {first_line}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn Editron errors into the contract's exit codes; ``EDITRON_DEBUG=1`` re-raises."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except (InputError, NotFoundError) as exc:
        if os.environ.get("EDITRON_DEBUG") == "1":
            raise
        fail(str(exc), code=EXIT_BAD_INPUT)
    except EditronError as exc:
        if os.environ.get("EDITRON_DEBUG") == "1":
            raise
        fail(str(exc), code=EXIT_FAILED)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except Exception as exc:  # a bug: say so in one line; EDITRON_DEBUG=1 shows where
        if os.environ.get("EDITRON_DEBUG") == "1":
            raise
        fail(f"internal error ({type(exc).__name__}: {exc}); run again with EDITRON_DEBUG=1 "
             "for the traceback and report it", code=EXIT_FAILED)
