"""API tokens: the plain value is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from editron.db.models_ops import ApiToken
from editron.db.orm import utcnow
from editron.db.repos.base import get_or_raise
from editron.domain.access import ALL_SCOPES

__all__ = ["TOKEN_PREFIX", "create_token", "get_token", "hash_token", "list_tokens",
           "revoke_token", "verify_token"]

TOKEN_PREFIX = "edt_"


def hash_token(token: str) -> str:
    # A plain hash is enough: tokens carry 256 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def _canonical(scopes: Iterable[str]) -> list[str]:
    """The scopes once each, in the order read, operate, admin, known names only (pure)."""
    wanted = {str(s) for s in scopes}
    return [s.value for s in ALL_SCOPES if s.value in wanted]


def create_token(session: Session, *, name: str, scopes: Iterable[str]
                 ) -> tuple[ApiToken, str]:
    """A new token holding ``scopes``; the plain value is returned once and only its hash is
    stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(plain), scopes=_canonical(scopes))
    session.add(row)
    session.flush()
    return row, plain


def verify_token(session: Session, token: str) -> ApiToken | None:
    """The live token with this value (and its last use stamped), or None."""
    digest = hash_token(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    # The lookup is by hash, so timing reveals nothing about the token; compare anyway.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row


def list_tokens(session: Session, *, include_revoked: bool = False) -> list[ApiToken]:
    query = select(ApiToken)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query.order_by(ApiToken.created_at, ApiToken.id)))


def get_token(session: Session, token_id: str) -> ApiToken:
    return get_or_raise(session, ApiToken, "API token", token_id)


def revoke_token(session: Session, token_id: str) -> ApiToken:
    row = get_or_raise(session, ApiToken, "API token", token_id)
    row.revoked_at = row.revoked_at or utcnow()
    return row
