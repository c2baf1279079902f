"""Token scopes: what an API token may do, over HTTP and MCP alike.

A token holds a set of scopes; each route and MCP tool needs one. ``read`` sees everything
(GET routes, status tools); ``operate`` starts and changes work (ingest, analyse, edit, review,
render, cancel, retry, poll); ``admin`` changes configuration (projects, their memory, watched
Dropbox folders with their credentials). Scopes do not imply one another, so a dashboard can
hold ``read`` alone and a deploy bot ``operate`` alone.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_SCOPES", "DEFAULT_SCOPES", "Scope", "missing_scope"]


class Scope(StrEnum):
    READ = "read"
    OPERATE = "operate"
    ADMIN = "admin"


ALL_SCOPES: tuple[Scope, ...] = (Scope.READ, Scope.OPERATE, Scope.ADMIN)
# What `editron tokens create` gives without --scope: enough to run the pipeline and follow it,
# not to change projects or Dropbox credentials.
DEFAULT_SCOPES: tuple[Scope, ...] = (Scope.READ, Scope.OPERATE)


def missing_scope(held: frozenset[str] | set[str] | list[str], needed: Scope) -> str | None:
    """The reason a token holding ``held`` may not do what needs ``needed``, or None (pure)."""
    if needed.value in held:
        return None
    have = ", ".join(sorted(held)) or "none"
    return (f"this token lacks the '{needed.value}' scope (it has: {have}); create one with "
            f"`editron tokens create --name NAME --scope {needed.value}`")
