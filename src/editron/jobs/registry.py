"""Operations the queue can run, registered by name where they are defined.

The queue learns them from whoever imports the defining modules: the entry points (the CLI,
the API app, the worker command and the MCP server) import ``editron.services``, whose
modules register theirs. Nothing here imports upwards.

A job's arguments are a typed payload (:class:`JobPayload`) stored as a JSON document with a
``schema_version``; a row written by an older Editron is upgraded on load, one written by a
newer one is refused with a clear message instead of being half-understood.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from editron.config import Settings
from editron.errors import QueueError, StoreUnavailableError

__all__ = ["ALWAYS_TRANSIENT", "DEFAULT_QUEUE", "DEFAULT_TRANSIENT", "JobPayload", "Operation",
           "Periodic", "get_operation", "operation", "periodic_tasks", "queue_of",
           "register_operation", "register_periodic", "registered_operations", "registered_queues"]

# The queue an operation that names none is sent to. Each queue is served by the workers
# started for it (``editron worker --queues ingest,analysis,render``; all of them by default).
DEFAULT_QUEUE = "analysis"
# Worth another attempt unless an operation declares otherwise: the disk or network hiccuped.
DEFAULT_TRANSIENT: tuple[type[BaseException], ...] = (OSError, TimeoutError)
# Worth another attempt for every operation, whatever it declares: the media store could not
# be reached, so the job goes back to the queue (perhaps to a worker that can reach it)
# instead of failing its batch or session.
ALWAYS_TRANSIENT: tuple[type[BaseException], ...] = (StoreUnavailableError,)


class JobPayload(BaseModel):
    """The arguments of one queued operation. Subclasses add fields; a field change that old
    rows cannot satisfy bumps ``SCHEMA_VERSION`` and overrides :meth:`upgrade`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = 1

    @model_validator(mode="before")
    @classmethod
    def _current_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and "schema_version" not in data:
            return {**data, "schema_version": cls.SCHEMA_VERSION}
        return data

    @classmethod
    def upgrade(cls, version: int, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` as written at ``version``, brought to ``version + 1``."""
        raise QueueError(f"{cls.__name__} has no upgrade from version {version}")

    @classmethod
    def load(cls, data: Mapping[str, Any], *, operation: str = "") -> Self:
        """The payload from a stored document (rows from before versioning are version 1)."""
        doc = dict(data)
        version = int(doc.get("schema_version", 1))
        what = operation or cls.__name__
        if version > cls.SCHEMA_VERSION:
            raise QueueError(f"job {what!r} was written by a newer Editron (arguments version "
                             f"{version}, this one knows {cls.SCHEMA_VERSION}); upgrade this "
                             "worker")
        while version < cls.SCHEMA_VERSION:
            doc = cls.upgrade(version, doc)
            version += 1
        doc["schema_version"] = version
        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise QueueError(f"job {what!r} has unusable arguments: {where}: "
                             f"{first.get('msg')}") from None

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


P = TypeVar("P", bound=JobPayload)


@dataclass(frozen=True, slots=True)
class Operation(Generic[P]):
    name: str
    payload: type[P]
    run: Callable[[P, Settings], None]
    # Called once when the job will not run again (attempts exhausted or a permanent error), so
    # the entity it works on is left in a consistent status (e.g. batch -> failed).
    on_give_up: Callable[[P, str, Settings], None] | None = None
    # Exceptions worth another attempt; anything else fails the job at once.
    transient: tuple[type[BaseException], ...] = DEFAULT_TRANSIENT + ALWAYS_TRANSIENT
    # Which workers run it: ingest (network and disk), analysis (CPU), render (ffmpeg).
    queue: str = DEFAULT_QUEUE

    def load(self, arguments: Mapping[str, Any]) -> P:
        return self.payload.load(arguments, operation=self.name)


_OPERATIONS: dict[str, Operation[Any]] = {}


def register_operation(name: str, run: Callable[[P, Settings], None], *, payload: type[P],
                       on_give_up: Callable[[P, str, Settings], None] | None = None,
                       transient: tuple[type[BaseException], ...] | None = None,
                       queue: str = DEFAULT_QUEUE) -> Operation[P]:
    declared = tuple(transient or DEFAULT_TRANSIENT)
    op = Operation(name, payload, run, on_give_up,
                   declared + tuple(t for t in ALWAYS_TRANSIENT if t not in declared), queue)
    _OPERATIONS[name] = op
    return op


def operation(name: str, payload: type[P], *,
              on_give_up: Callable[[P, str, Settings], None] | None = None,
              transient: tuple[type[BaseException], ...] | None = None,
              queue: str = DEFAULT_QUEUE
              ) -> Callable[[Callable[[P, Settings], None]], Callable[[P, Settings], None]]:
    """Decorator form of :func:`register_operation` for the function that runs the job."""

    def decorate(run: Callable[[P, Settings], None]) -> Callable[[P, Settings], None]:
        register_operation(name, run, payload=payload, on_give_up=on_give_up,
                           transient=transient, queue=queue)
        return run

    return decorate


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
    return list(_PERIODIC.values())


def get_operation(name: str) -> Operation[Any]:
    try:
        return _OPERATIONS[name]
    except KeyError:
        raise QueueError(f"no queue operation named {name!r} in this process; known: "
                         f"{', '.join(sorted(_OPERATIONS)) or 'none'} (a worker must be "
                         "started with `editron worker`, which loads every operation)"
                         ) from None


def registered_operations() -> list[str]:
    return sorted(_OPERATIONS)


def registered_queues() -> list[str]:
    """Every queue a registered operation is sent to (what a worker serves by default)."""
    return sorted({op.queue for op in _OPERATIONS.values()} | {DEFAULT_QUEUE})


def queue_of(operation_name: str) -> str:
    """The queue ``operation_name`` is sent to (QueueError when it is not registered)."""
    return get_operation(operation_name).queue
