"""A board card's progress while its stage runs: what the dashboard's progress bars for
downloads and analysis show. Stored on the card (so a page rendered later shows it too) and
logged as ``task.progress`` (so open pages update live), at most about once a second."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db
from editron.domain.status import Stage, TaskStatus

__all__ = ["CardProgress", "analysis_percent", "analysis_progress", "ingest_percent"]

EVERY_SECONDS = 1.0
_PASS = re.compile(r"^pass (\d+)\b")


class CardProgress:
    """Percent done of one stage of one batch; it never goes backwards."""

    def __init__(self, settings: Settings, batch_id: str, stage: Stage, *,
                 every: float = EVERY_SECONDS) -> None:
        self._settings, self._batch_id, self._stage, self._every = (
            settings, batch_id, stage, every)
        self._percent = 0.0
        self._written = float("-inf")

    def set(self, percent: float) -> None:
        percent = max(self._percent, min(100.0, float(percent)))
        now = time.monotonic()
        if percent == self._percent or (now - self._written < self._every and percent < 100):
            self._percent = percent
            return
        self._percent, self._written = percent, now
        with db(self._settings) as session:
            task = repos.tasks.set_task(session, self._batch_id, self._stage,
                                        TaskStatus.IN_PROGRESS, progress=percent)
            repos.events.append_event(session, entity_type="task", entity_id=task.id,
                                      event_type="task.progress", batch_id=self._batch_id,
                                      payload={"stage": self._stage.value,
                                               "progress_percent": round(percent, 1)})


def ingest_percent(*, staged: float | None = None, file_index: int | None = None,
                   file_count: int = 0) -> float:
    """Bringing files in (download, copy, fingerprint) is the first half of the ingest card,
    by the bytes of the transfer under way; making each file's proxies is the second half,
    by files (pure). A source of many files fills the first half by its first transfer: the
    total is known only per transfer."""
    if file_index is not None:
        return 50.0 + 50.0 * max(0, file_index - 1) / max(file_count, 1)
    return 50.0 * max(0.0, min(1.0, staged or 0.0))


def analysis_percent(label: str, fraction: float, passes: int) -> float | None:
    """The analysis engine reports each pass from 0 to 1 (``"pass 2: cam1.mp4"``); the whole
    run is the passes in turn (pure). ``None`` for steps outside a pass."""
    found = _PASS.match(label)
    if found is None:
        return None
    done = min(int(found.group(1)), passes) - 1
    return 100.0 * (done + max(0.0, min(1.0, fraction))) / max(passes, 1)


def analysis_progress(settings: Settings, batch_id: str, passes: int,
                      inner: Callable[[str, float], None] | None
                      ) -> Callable[[str, float], None]:
    """The engine's progress callback: to the caller's (the CLI's bars) and to the card."""
    card = CardProgress(settings, batch_id, Stage.ANALYZE)

    def report(label: str, fraction: float) -> None:
        if inner is not None:
            inner(label, fraction)
        percent = analysis_percent(label, fraction, passes)
        if percent is not None:
            card.set(min(percent, 99.0))  # done (100) is the analysis stored, not its last pass

    return report
