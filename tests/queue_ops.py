"""Queue operations used by the queue contract tests (imported by worker subprocesses too)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from editron.config import Settings
from editron.jobs.registry import register_operation


def _record(arguments: dict[str, Any], settings: Settings) -> None:
    with Path(arguments["log"]).open("a") as handle:
        handle.write(f"{arguments['tag']}\n")


def _block(arguments: dict[str, Any], settings: Settings) -> None:
    log = Path(arguments["log"])
    with log.open("a") as handle:
        handle.write("started\n")
    release = Path(arguments["release"])
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with log.open("a") as handle:
        handle.write("finished\n")


def _gave_up(arguments: dict[str, Any], reason: str, settings: Settings) -> None:
    with Path(arguments["log"]).open("a") as handle:
        handle.write(f"gave up: {reason}\n")


register_operation("test.record", _record)
register_operation("test.block", _block, on_give_up=_gave_up)
