"""The FastAPI application: thin routes over the services, one error handler."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from editron import __version__
from editron.api.errors import ERROR_RESPONSES, install_error_handlers
from editron.api.routes import batches, events, metrics, projects, system
from editron.config import Settings
from editron.services.runtime import ready

__all__ = ["create_app"]


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Editron", version=__version__,
                  description="Automated post-production for event footage. Every route but "
                              "/api/health needs `Authorization: Bearer <token>`.")
    app.state.settings = ready(settings)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"])
    for module in (system, projects, batches, events, metrics):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    return app
