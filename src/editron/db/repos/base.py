"""What every repository shares: lookup by id that raises NotFoundError, bounded paging."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from editron.errors import InputError, NotFoundError

__all__ = ["MAX_PAGE", "get_or_raise", "page_bounds"]

T = TypeVar("T")

MAX_PAGE = 1000


def get_or_raise(session: Session, model: type[T], entity: str, entity_id: str) -> T:
    row = session.get(model, entity_id)
    if row is None:
        raise NotFoundError(entity, entity_id)
    return row


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """Refuse pages a database would reject (negative) or that would load everything."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    if offset < 0:
        raise InputError(f"offset must not be negative, not {offset}")
    return limit, offset
