"""The progress callback protocol shared by downloads, copies and extraction."""

from __future__ import annotations

from typing import Protocol

__all__ = ["ProgressSink"]


class ProgressSink(Protocol):
    def on_bytes(self, name: str, done: int, total: int | None) -> None: ...

    def on_file(self, name: str, index: int, count: int) -> None: ...
