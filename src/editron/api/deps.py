"""Request dependencies: the settings, and the bearer token with the scope each route needs.

Every route but ``/api/health`` (whose details need :func:`optional_reader`) and the Dropbox
webhook declares one of :data:`Reader`, :data:`Operator` or :data:`Admin`; a token without
that scope gets 403, and an address that keeps failing authentication gets 429
(``api.ratelimit``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from editron.api.ratelimit import FailedAuthLimiter
from editron.config import Settings
from editron.domain.access import Scope, missing_scope
from editron.errors import MissingScopeError
from editron.services.tokens import TokenPublic, authenticate

__all__ = ["Admin", "Operator", "Reader", "SettingsDep", "client_address",
           "get_app_settings", "optional_reader", "require", "required_scope"]

bearer = HTTPBearer(auto_error=False)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def client_address(scope: dict[str, Any] | Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def authorized_token(request: Request, settings: SettingsDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None,
                                            Depends(bearer)]) -> TokenPublic:
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    client = client_address(request.scope)
    limiter.check(client)
    if credentials is None or credentials.scheme.lower() != "bearer":
        limiter.failed(client)
        raise HTTPException(401, "a bearer token is required (create one with "
                                 "`editron tokens create --name NAME`)",
                            headers={"WWW-Authenticate": "Bearer"})
    token = authenticate(credentials.credentials, settings=settings)
    if token is None:
        limiter.failed(client)
        raise HTTPException(401, "unknown or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return token


def optional_reader(request: Request, settings: Settings) -> bool:
    """For an open route that says more to a reader: whether the request carries a token
    with the ``read`` scope. No token is simply False; a wrong one also counts as a failed
    authentication, so the route is no oracle for guessing tokens. The header is read here,
    not through a security dependency, so the route stays open in the OpenAPI document."""
    scheme, _, plain = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        return False
    limiter: FailedAuthLimiter = request.app.state.auth_limiter
    client = client_address(request.scope)
    limiter.check(client)
    token = authenticate(plain.strip(), settings=settings)
    if token is None:
        limiter.failed(client)
        return False
    return missing_scope({s.value for s in token.scopes}, Scope.READ) is None


def require(scope: Scope) -> Any:
    """A dependency that lets a token through only with ``scope``; the route's OpenAPI
    operation and :func:`required_scope` can read which one it is."""

    def check(token: Annotated[TokenPublic, Depends(authorized_token)]) -> str:
        reason = missing_scope({s.value for s in token.scopes}, scope)
        if reason is not None:
            raise MissingScopeError(reason)
        return token.name

    check.required_scope = scope  # type: ignore[attr-defined]
    check.__name__ = f"require_{scope.value}"
    return Depends(check)


def required_scope(call: Callable[..., Any] | None) -> Scope | None:
    """The scope a dependency from :func:`require` checks, else None."""
    scope = getattr(call, "required_scope", None)
    return scope if isinstance(scope, Scope) else None


Reader = Annotated[str, require(Scope.READ)]
Operator = Annotated[str, require(Scope.OPERATE)]
Admin = Annotated[str, require(Scope.ADMIN)]
