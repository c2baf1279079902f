"""Request dependencies: the settings, and the bearer token every route except health needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from editron.config import Settings
from editron.services.tokens import authenticate

__all__ = ["Authorized", "SettingsDep", "get_app_settings", "require_token"]

bearer = HTTPBearer(auto_error=False)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def require_token(settings: SettingsDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                  ) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required (create one with "
                                 "`editron tokens create --name NAME`)",
                            headers={"WWW-Authenticate": "Bearer"})
    token = authenticate(credentials.credentials, settings=settings)
    if token is None:
        raise HTTPException(401, "unknown or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return token.name


Authorized = Annotated[str, Depends(require_token)]
