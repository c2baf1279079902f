"""Operations the queue can run, registered by name (the services register theirs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from editron.config import Settings
from editron.errors import QueueError

__all__ = ["Operation", "Periodic", "get_operation", "periodic_tasks", "register_operation",
           "register_periodic", "registered_operations"]

Runner = Callable[[dict[str, Any], Settings], None]
GiveUp = Callable[[dict[str, Any], str, Settings], None]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    run: Runner
    # Called once when the job will not run again (attempts exhausted or a permanent error), so
    # the entity it works on is left in a consistent status (e.g. batch -> failed).
    on_give_up: GiveUp | None = None
    # Exceptions worth another attempt; anything else fails the job at once.
    transient: tuple[type[BaseException], ...] = (OSError, TimeoutError)


_OPERATIONS: dict[str, Operation] = {}


def register_operation(name: str, run: Runner, *, on_give_up: GiveUp | None = None,
                       transient: tuple[type[BaseException], ...] | None = None) -> Operation:
    op = Operation(name, run, on_give_up, transient or (OSError, TimeoutError))
    _OPERATIONS[name] = op
    return op


@dataclass(frozen=True, slots=True)
class Periodic:
    """Work every worker's sweeper starts every ``interval(settings)`` seconds (0 turns it
    off), such as queueing polls of watched Dropbox folders."""

    name: str
    interval: Callable[[Settings], float]
    run: Callable[[Settings], None]


_PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, interval: Callable[[Settings], float],
                      run: Callable[[Settings], None]) -> Periodic:
    task = Periodic(name, interval, run)
    _PERIODIC[name] = task
    return task


def periodic_tasks() -> list[Periodic]:
    _load_service_operations()
    return list(_PERIODIC.values())


def get_operation(name: str) -> Operation:
    _load_service_operations()
    try:
        return _OPERATIONS[name]
    except KeyError:
        raise QueueError(f"no queue operation named {name!r}; known: "
                         f"{', '.join(sorted(_OPERATIONS)) or 'none'}") from None


def registered_operations() -> list[str]:
    _load_service_operations()
    return sorted(_OPERATIONS)


def _load_service_operations() -> None:
    # Importing the services registers their operations; done lazily to keep jobs below services.
    import editron.services.operations  # noqa: F401
