"""The OpenAPI document: FastAPI's, with each operation's own errors (not one list for all),
the scope it needs, the ``Location`` header of every 201 and 202 answer, and the links a
route declares from its answer to the operations that follow it (``follows``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.routing import APIRoute

from editron.api.deps import required_scope
from editron.api.errors import ERROR_RESPONSES, PROBLEM

__all__ = ["document_operations", "errors_of", "follows", "link"]

_AUTH = (401, 403, 429)
_DESCRIPTIONS = {**{k: v["description"] for k, v in ERROR_RESPONSES.items()},
                 403: "The token lacks the scope this operation needs",
                 429: "Too many failed authentications from this address (see Retry-After)"}
_SIGNED = ("/api/webhooks/",)  # trusted through a signature instead of a token


def link(path: str, method: str = "get", **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation at ``path`` and ``method``, its parameters filled from
    runtime expressions (``$response.body#/id``, ``$request.path.batch_id``) (pure)."""
    pointer = quote(path.replace("~", "~0").replace("/", "~1"), safe="~")
    return {"operationRef": f"#/paths/{pointer}/{method}", "parameters": parameters}


def follows(status: int, **links: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` entry naming what can follow its ``status`` answer (pure)."""
    return {status: {"links": links}}


def errors_of(route: APIRoute, method: str) -> list[int]:
    """The error statuses ``route`` can answer with, from what it takes (pure)."""
    dep = route.dependant
    scoped = any(required_scope(d.call) for d in dep.dependencies)
    signed = route.path.startswith(_SIGNED)
    codes: set[int] = set(_AUTH if scoped else ())
    fields = [*dep.path_params, *dep.query_params, *dep.header_params, *dep.body_params]
    ids = [f.name for f in dep.path_params] + [f.name for f in dep.query_params]
    if dep.body_params:
        body_fields = getattr(dep.body_params[0].field_info.annotation, "model_fields", {})
        ids += list(body_fields)
        codes |= {413}
    if any(name.endswith("_id") for name in ids):
        codes.add(404)
    if fields or (signed and method == "POST"):
        codes.add(422)
    if (method != "GET" and not signed) or route.path.endswith("/exports/{format}"):
        codes.add(409)  # a status that does not allow it, or a write that lost a race
    if signed and method == "POST":
        codes |= {403, 413, 503}
    if scoped:
        codes.add(503)  # the database (every token check reads it) or the queue is down
    return sorted(codes)


def _problem(status: int) -> dict[str, Any]:
    return {"description": _DESCRIPTIONS[status],
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def document_operations(spec: dict[str, Any], routers: Iterable[APIRouter]) -> None:
    """Rewrite each operation's error responses, scope and Location headers in ``spec``."""
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = spec["paths"][route.path][method.lower()]
            responses = operation["responses"]
            own = {s: responses.pop(s).get("description") for s in list(responses)
                   if s[0] in "45" and s in {str(c) for c in route.responses}}
            for status in [s for s in responses if s[0] in "45"]:
                del responses[status]
            for status in errors_of(route, method):
                responses[str(status)] = _problem(status)
                if own.get(str(status)):
                    responses[str(status)]["description"] = own[str(status)]
            scope = next((s for d in route.dependant.dependencies
                          if (s := required_scope(d.call))), None)
            if scope is not None:
                operation["x-required-scope"] = scope.value
                operation["security"] = [{"HTTPBearer": []}]
                operation["description"] = (operation.get("description", "").rstrip()
                                            + f"\n\nNeeds a token with the `{scope.value}` "
                                              "scope.").lstrip()
            for status in ("201", "202"):
                if status in responses:
                    responses[status]["headers"] = {"Location": {
                        "description": "Where the created or queued thing can be followed",
                        "schema": {"type": "string"},
                        "example": "/api/batches/7d2c1e9a-4b1f-4c55-9a43-0f3e8b6d2a10"}}
