"""Rich progress bars on stderr, fed by the ingest/analysis progress callbacks."""

from __future__ import annotations

from types import TracebackType

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from editron.cli.output import OPTIONS, stderr

__all__ = ["RichProgress"]


class RichProgress:
    """Byte bars per file plus one bar counting files (and any named stage)."""

    def __init__(self, *, enabled: bool = True) -> None:
        enabled = enabled and not OPTIONS.quiet
        self._progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=False,
            disable=not enabled,
        )
        self._steps = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=stderr, disable=not enabled,
        )
        self._bytes: dict[str, TaskID] = {}
        self._counts: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        return self  # the bars start with their first task: a command that fails at once
        # (bad input) prints nothing but its one-line reason

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._counts:
            self._steps.stop()
        if self._bytes:
            self._progress.stop()

    def on_bytes(self, name: str, done: int, total: int | None) -> None:
        task = self._bytes.get(name)
        if task is None:
            if not self._bytes:
                self._progress.start()
            task = self._progress.add_task(name[-40:], total=total)
            self._bytes[name] = task
        self._progress.update(task, completed=done, total=total)

    def on_file(self, name: str, index: int, count: int) -> None:
        self.on_step("files", index, count, detail=name)

    def on_step(self, stage: str, done: float, total: float, *, detail: str = "") -> None:
        task = self._counts.get(stage)
        if task is None:
            if not self._counts:
                self._steps.start()
            task = self._steps.add_task(stage, total=total)
            self._counts[stage] = task
        label = f"{stage}: {detail[-40:]}" if detail else stage
        self._steps.update(task, completed=done, total=total, description=label)
