"""The FastAPI application: thin routes over the services, one error handler."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from editron import __version__
from editron.api.docs_page import render_docs
from editron.api.errors import install_error_handlers
from editron.api.hub import EventHub
from editron.api.limits import BodyLimit
from editron.api.mcp_mount import TokenGate, transport_security
from editron.api.openapi import document_operations
from editron.api.ratelimit import FailedAuthLimiter
from editron.api.routes import (
    batches,
    edits,
    events,
    feedback,
    metrics,
    projects,
    renders,
    sources,
    system,
    webhooks,
)
from editron.config import Settings
from editron.db.runtime import ready
from editron.logs import install_redaction
from editron.mcp.server import build_server
from editron.web import mount_dashboard

__all__ = ["ROUTERS", "create_app", "settle_heap"]

# Every router the app serves (tests walk these for each route's scope and errors).
ROUTERS = tuple(m.router for m in (system, projects, batches, edits, renders, feedback, events,
                                   metrics, sources, webhooks))


def settle_heap() -> None:
    """Take what is alive once a server is built (modules, routes, templates, models: kept
    for the process's life) out of the cyclic collector's walks. Otherwise every few large
    pages a full collection walks those hundreds of thousands of objects again (a 300 ms pause
    on a batch page). Objects released later by reference counting are still freed."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, with_mcp: bool = True,
               bind_host: str | None = None) -> FastAPI:
    """The API; ``bind_host`` (what ``editron serve`` listens on) joins the loopback names as
    a Host /mcp answers unless ``EDITRON_ALLOWED_HOSTS`` says otherwise."""
    settings = ready(settings)
    install_redaction()  # however the app is served, its access log quotes no token
    mcp_server = build_server(settings) if with_mcp else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = EventHub(settings)
        await hub.start()
        app.state.event_hub = hub
        try:
            if mcp_server is None:
                yield
            else:
                async with mcp_server.session_manager.run():
                    yield
        finally:
            await hub.stop()

    app = FastAPI(title="Editron", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Automated post-production for event footage. Every route but "
                              "/api/health needs `Authorization: Bearer <token>`.")
    app.state.settings = settings
    app.state.auth_limiter = limiter = FailedAuthLimiter(
        allowed=settings.auth_failures_allowed, window=settings.auth_failure_window_seconds)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"])
    for router in ROUTERS:
        app.include_router(router)
    mount_dashboard(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return render_docs(app.openapi())

    if mcp_server is not None:
        mcp_app = mcp_server.streamable_http_app(
            streamable_http_path="/", max_request_body_size=settings.max_body_bytes,
            transport_security=transport_security(settings, bind_host))
        app.mount("/mcp", TokenGate(mcp_app, settings, limiter))
    # Outermost, so an oversized body is refused before anything reads it or checks a token.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, made once per app from the registries as they are then."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes,
                           description=app.description)
        download = spec["paths"][edits.EXPORT_PATH]["get"]["responses"]["200"]
        download["content"] = edits.download_types()
        document_operations(spec, ROUTERS)
        app.openapi_schema = spec
    return app.openapi_schema
