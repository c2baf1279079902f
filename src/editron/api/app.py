"""The FastAPI application: thin routes over the services, one error handler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from mcp.server.transport_security import TransportSecuritySettings

from editron import __version__
from editron.api.errors import ERROR_RESPONSES, install_error_handlers
from editron.api.hub import EventHub
from editron.api.mcp_mount import TokenGate
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
from editron.mcp.server import build_server
from editron.web import mount_dashboard

__all__ = ["create_app"]


def create_app(settings: Settings, *, with_mcp: bool = True) -> FastAPI:
    settings = ready(settings)
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

    app = FastAPI(title="Editron", version=__version__, lifespan=lifespan,
                  description="Automated post-production for event footage. Every route but "
                              "/api/health needs `Authorization: Bearer <token>`.")
    app.state.settings = settings
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"])
    for module in (system, projects, batches, edits, renders, feedback, events, metrics):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(sources.router, responses=ERROR_RESPONSES)
    app.include_router(webhooks.router, responses=ERROR_RESPONSES)
    mount_dashboard(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if mcp_server is not None:
        mcp_app = mcp_server.streamable_http_app(
            streamable_http_path="/",
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        app.mount("/mcp", TokenGate(mcp_app, settings))
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, made once per app from the registries as they are then."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes,
                           description=app.description)
        download = spec["paths"][edits.EXPORT_PATH]["get"]["responses"]["200"]
        download["content"] = edits.download_types()
        app.openapi_schema = spec
    return app.openapi_schema
