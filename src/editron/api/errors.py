"""One handler maps domain errors to ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from editron.errors import (
    DatabaseConflictError,
    DatabaseError,
    DeliveryError,
    DownloadError,
    EditronError,
    IngestError,
    InputError,
    InvalidStateError,
    LimitExceededError,
    MediaError,
    MissingScopeError,
    NotFoundError,
    ProcessError,
    QcFailedError,
    QueueError,
    RateLimitedError,
    StoreMissingError,
    StoreUnavailableError,
    WebhookSignatureError,
)
from editron.services.schemas import documented

__all__ = ["ERROR_RESPONSES", "HTTP_STATUS", "Problem", "install_error_handlers", "problem",
           "status_for"]

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    model_config = documented({
        "type": "about:blank", "title": "Not Found", "status": 404,
        "detail": "no batch 7d2c1e9a (check the id with GET /api/batches)", "code": "not_found"})

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = Field(default=None, description="Stable name of the failure",
                             examples=["not_found"])


def _doc(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("No bearer token, or an unknown or revoked one"),
    404: _doc("No entity with that id"),
    409: _doc("The entity's status does not allow this"),
    413: _doc("Over a configured size limit"),
    422: _doc("Invalid input: what was wrong and what to do"),
    503: _doc("The job queue, the database or the media store cannot be reached"),
}


def problem(status: int, title: str, detail: str, *, code: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if code is not None:
        body["code"] = code  # the stable name of the failure, as in the CLI's --json errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


# The one table from our errors to HTTP: the most specific class listed for an error wins
# (its method resolution order is walked), so a subclass needs a row only to differ.
HTTP_STATUS: dict[type[EditronError], tuple[int, str]] = {
    EditronError: (500, "Internal error"),
    InputError: (422, "Invalid input"),
    InvalidStateError: (409, "Conflict"),
    WebhookSignatureError: (403, "Forbidden"),
    MissingScopeError: (403, "Forbidden"),
    RateLimitedError: (429, "Too many requests"),
    NotFoundError: (404, "Not found"),
    LimitExceededError: (413, "Too large"),
    IngestError: (422, "Cannot ingest"),
    DownloadError: (502, "Upstream failed"),
    MediaError: (422, "Unusable media"),
    ProcessError: (500, "Processing failed"),
    QcFailedError: (422, "Quality check failed"),
    DeliveryError: (502, "Delivery failed"),
    QueueError: (503, "Queue unavailable"),
    StoreUnavailableError: (503, "Media store unavailable"),
    StoreMissingError: (404, "Not in the media store"),
    DatabaseError: (503, "Database unavailable"),
    DatabaseConflictError: (409, "Conflict"),
}


def status_for(exc: EditronError) -> tuple[int, str]:
    """The HTTP status and title for ``exc`` from :data:`HTTP_STATUS` (pure)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return HTTP_STATUS[EditronError]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EditronError)
    async def domain_error(_: Request, exc: EditronError) -> JSONResponse:
        status, title = status_for(exc)
        if status >= 500:
            log.warning("%s answered %d: %s", type(exc).__name__, status, exc)
        response = problem(status, title, str(exc), code=exc.code)
        if isinstance(exc, RateLimitedError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    # Starlette's class, which FastAPI's subclasses: FastAPI itself raises the former (a body
    # it cannot parse), and so does routing (an unknown path or method).
    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot read (not UTF-8, say): bad input like any
            # other, so the documented 422, not an undocumented 400.
            return problem(422, "Invalid input", "the request body is not readable JSON: "
                           "send UTF-8 encoded JSON", code=InputError.code)
        titles = {401: "Unauthorized", 404: "Not found", 405: "Method not allowed",
                  413: "Too large"}
        codes = {401: "unauthorized", 413: LimitExceededError.code}
        response = problem(exc.status_code, titles.get(exc.status_code, "Error"),
                           str(exc.detail), code=codes.get(exc.status_code))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            parts.append(f"{where}: {error.get('msg')}")
        return problem(422, "Invalid input", "; ".join(parts) or "invalid request")
