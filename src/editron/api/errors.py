"""One handler maps domain errors to ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from editron.errors import (
    DatabaseError,
    EditronError,
    InputError,
    InvalidStateError,
    LimitExceededError,
    NotFoundError,
    QueueError,
)

__all__ = ["ERROR_RESPONSES", "Problem", "install_error_handlers", "problem"]

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def _doc(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("No bearer token, or an unknown or revoked one"),
    404: _doc("No entity with that id"),
    409: _doc("The entity's status does not allow this"),
    413: _doc("Over a configured size limit"),
    422: _doc("Invalid input: what was wrong and what to do"),
    503: _doc("The job queue or the database cannot be reached"),
}


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
    if isinstance(exc, DatabaseError):
        return 503, "Database unavailable"
    return 422, "Cannot process"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EditronError)
    async def domain_error(_: Request, exc: EditronError) -> JSONResponse:
        status, title = _status(exc)
        return problem(status, title, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        titles = {401: "Unauthorized", 404: "Not found", 405: "Method not allowed"}
        response = problem(exc.status_code, titles.get(exc.status_code, "Error"),
                           str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(OperationalError)
    async def database_down(_: Request, exc: OperationalError) -> JSONResponse:
        # The server, not the request, is at fault: say so without leaking the URL.
        log.error("database error: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
        return problem(503, "Database unavailable", "the database cannot be reached or is "
                       "busy; try again shortly")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            parts.append(f"{where}: {error.get('msg')}")
        return problem(422, "Invalid input", "; ".join(parts) or "invalid request")
