"""Ids as people type them: any unique prefix names an object (as git names a commit), and
tables show each id at a length that is such a prefix, never cut shorter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.errors import InputError, NotFoundError

__all__ = ["DISPLAY_MIN", "MIN_PREFIX", "display_ids", "resolve_any", "resolve_id"]

MIN_PREFIX = 4  # shorter prefixes name half the database; ask for more
DISPLAY_MIN = 8  # tables show at least this much of an id


def _candidates(text: str, kinds: Sequence[str], settings: Settings) -> list[tuple[str, str]]:
    with db(settings) as session:
        exact = [(k, text) for k in kinds
                 if repos.lookup.ids_with_prefix(session, k, text, limit=2) == [text]]
        if exact:
            return exact
        return [(k, i) for k in kinds
                for i in repos.lookup.ids_with_prefix(session, k, text, limit=6)]


def resolve_any(text: str, *, kinds: Sequence[str] | None = None,
                settings: Settings | None = None) -> tuple[str, str]:
    """``(kind, full id)`` of the one object whose id is ``text`` or starts with it, among
    ``kinds`` (default: every kind). NotFoundError when none does, InputError naming the
    candidates when several do."""
    wanted = list(kinds or repos.lookup.KINDS)
    key = text.strip()
    label = " or ".join(wanted) if len(wanted) <= 2 else "object"
    if len(key) < MIN_PREFIX:
        raise InputError(f"id {text!r} is too short: give at least {MIN_PREFIX} characters "
                         "of it")
    found = _candidates(key, wanted, ready(settings))
    if not found:
        raise NotFoundError(label, key, hint="see `editron batches` or `editron sessions` "
                                             "for ids")
    if len(found) > 1:
        listed = ", ".join(f"{kind} {i}" for kind, i in found[:5])
        raise InputError(f"id prefix {key!r} is ambiguous: it starts {listed}; give more of "
                         "it")
    return found[0]


def resolve_id(text: str, kind: str, *, settings: Settings | None = None) -> str:
    """The full id of the ``kind`` named by ``text`` (its id or a unique prefix of it)."""
    return resolve_any(text, kinds=[kind], settings=settings)[1]


def display_ids(kind: str, ids: Iterable[str], *, settings: Settings | None = None
                ) -> dict[str, str]:
    """Each id cut to the shortest prefix (at least ``DISPLAY_MIN`` characters) that still
    names only it, among every id of ``kind`` in the database."""
    out: dict[str, str] = {}
    with db(ready(settings)) as session:
        for row_id in ids:
            shared = repos.lookup.longest_shared_prefix(session, kind, row_id)
            out[row_id] = row_id[:max(DISPLAY_MIN, shared + 1)]
    return out
