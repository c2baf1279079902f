"""Structured logging. Records carry the batch/session/job ids bound in the current context;
``EDITRON_LOG_FORMAT=json`` writes one JSON object per line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["bind", "configure_logging", "current_context"]

_context: ContextVar[dict[str, str]] = ContextVar("editron_log_context", default={})  # noqa: B039
_CONTEXT_KEYS = ("batch_id", "session_id", "job_id", "file_id", "analysis_id")


@contextmanager
def bind(**ids: str | None) -> Iterator[None]:
    """Attach ids (batch_id=..., job_id=...) to every record logged inside the block."""
    merged = {**_context.get(), **{k: v for k, v in ids.items() if v}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get())


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value:
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        ids = " ".join(
            f"{key}={getattr(record, key)}" for key in _CONTEXT_KEYS if getattr(record, key, None)
        )
        return f"{base} [{ids}]" if ids else base


def configure_logging(*, fmt: str = "text", level: str = "INFO") -> None:
    """Log to stderr (stdout is reserved for ``--json`` documents)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("editron")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
