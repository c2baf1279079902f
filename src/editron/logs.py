"""Structured logging. Records carry the batch/session/job ids bound in the current context;
``EDITRON_LOG_FORMAT=json`` writes one JSON object per line. No record leaves with a
credential: ``RedactingFilter`` runs ``domain.redact.redact_text`` over each message and
traceback, on Editron's handler and on the loggers of the server and HTTP libraries
(``install_redaction``), so a token in a query string never reaches the access log."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from editron.domain.redact import redact_text

__all__ = ["REDACTED_LOGGERS", "RedactingFilter", "bind", "configure_logging",
           "current_context", "install_redaction"]

_context: ContextVar[dict[str, str]] = ContextVar("editron_log_context", default={})  # noqa: B039
_CONTEXT_KEYS = ("batch_id", "session_id", "job_id", "file_id", "analysis_id")
# Loggers whose records quote request targets or URLs: uvicorn's access and error logs, and
# the HTTP client's request lines (httpx logs each request's URL at INFO).
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "httpx", "httpcore")


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


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message or traceback quotes a credential (keeps the rest)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Arguments one by one first: some formatters (uvicorn's access log) unpack them.
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_text(a) if isinstance(a, str) else a
                                for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_text(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:  # a credential spread over the template and an argument
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_REDACTING = RedactingFilter()


def install_redaction() -> None:
    """Put the redacting filter on the loggers of ``REDACTED_LOGGERS`` (once each)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(_REDACTING)


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
        if record.exc_text:  # set (and redacted) by RedactingFilter
            doc["exception"] = record.exc_text
        elif record.exc_info:
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
    handler.addFilter(_REDACTING)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("editron")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    install_redaction()
