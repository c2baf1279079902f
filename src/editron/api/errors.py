"""One handler maps domain errors to ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from editron.errors import (
    EditronError,
    InputError,
    InvalidStateError,
    LimitExceededError,
    NotFoundError,
    QueueError,
)

__all__ = ["install_error_handlers", "problem"]

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status,
                         "detail": detail}, status_code=status, media_type=PROBLEM)


def _status(exc: EditronError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "Not found"
    if isinstance(exc, InvalidStateError):
        return 409, "Conflict"
    if isinstance(exc, InputError):
        return 422, "Invalid input"
    if isinstance(exc, LimitExceededError):
        return 413, "Too large"
    if isinstance(exc, QueueError):
        return 503, "Queue unavailable"
    return 422, "Cannot process"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EditronError)
    async def domain_error(_: Request, exc: EditronError) -> JSONResponse:
        status, title = _status(exc)
        return problem(status, title, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            parts.append(f"{where}: {error.get('msg')}")
        return problem(422, "Invalid input", "; ".join(parts) or "invalid request")
