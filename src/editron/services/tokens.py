"""API tokens for the HTTP API and MCP over HTTP: made once and shown once, listed, revoked,
and checked on every request."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from editron.config import Settings
from editron.db import repos
from editron.db.models_ops import ApiToken
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES, DEFAULT_SCOPES, Scope
from editron.errors import InputError, NotFoundError

__all__ = ["NewToken", "TokenPublic", "authenticate", "create_token", "list_tokens",
           "parse_scopes", "revoke_token", "token_is_live"]


class TokenPublic(BaseModel):
    """A token as anyone may see it: never its value."""

    id: str
    name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    scopes: list[Scope] = Field(description="What the token may do: read, operate, admin",
                                examples=[["read", "operate"]])

    @classmethod
    def of(cls, row: ApiToken) -> TokenPublic:
        return cls(id=row.id, name=row.name, created_at=row.created_at,
                   last_used_at=row.last_used_at, revoked_at=row.revoked_at,
                   scopes=[Scope(s) for s in row.scopes if s in set(ALL_SCOPES)])


class NewToken(TokenPublic):
    """A token just made: its value is in this document and nowhere else, ever."""

    token: str


def parse_scopes(names: Iterable[str] | None) -> tuple[Scope, ...]:
    """The scopes named (``None`` or nothing: :data:`DEFAULT_SCOPES`); an unknown name is an
    InputError that lists the known ones (pure)."""
    chosen = [n.strip().lower() for n in (names or ()) if n.strip()]
    unknown = sorted({n for n in chosen if n not in set(ALL_SCOPES)})
    if unknown:
        raise InputError(f"unknown scope {', '.join(map(repr, unknown))}: use "
                         f"{', '.join(ALL_SCOPES)} (repeat --scope for several)")
    return tuple(Scope(n) for n in dict.fromkeys(chosen)) if chosen else DEFAULT_SCOPES


def create_token(*, name: str, scopes: Iterable[str] | None = None,
                 settings: Settings | None = None) -> NewToken:
    """A token holding ``scopes`` (default: read and operate)."""
    granted = parse_scopes(scopes)
    settings = ready(settings)
    with db(settings) as session:
        row, plain = repos.tokens.create_token(session, name=name, scopes=granted)
        return NewToken(token=plain, **TokenPublic.of(row).model_dump())


def list_tokens(*, include_revoked: bool = True, settings: Settings | None = None
                ) -> list[TokenPublic]:
    settings = ready(settings)
    with db(settings) as session:
        return [TokenPublic.of(t) for t in
                repos.tokens.list_tokens(session, include_revoked=include_revoked)]


def revoke_token(token_id: str, *, settings: Settings | None = None) -> TokenPublic:
    settings = ready(settings)
    with db(settings) as session:
        return TokenPublic.of(repos.tokens.revoke_token(session, token_id))


def authenticate(token: str, *, settings: Settings) -> TokenPublic | None:
    """The live token with this value (its last use stamped), or None."""
    with db(settings) as session:
        row = repos.tokens.verify_token(session, token)
        return None if row is None else TokenPublic.of(row)


def token_is_live(token_id: str, *, settings: Settings) -> bool:
    """Whether the token still exists unrevoked (the dashboard's sessions end with it)."""
    with db(settings) as session:
        try:
            return repos.tokens.get_token(session, token_id).revoked_at is None
        except NotFoundError:
            return False
