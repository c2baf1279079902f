"""What every repository shares: lookup by id that raises NotFoundError, bounded paging, the
one function through which any row's status changes (it appends the event too), and the
redaction of every error column on write (no stored error keeps a URL's credentials)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, event, update
from sqlalchemy.orm import Session

from editron.db.models import EditSession, MediaBatch, MediaBatchAnalysis, MediaFile, RenderJob
from editron.db.models_ops import JobRun, Task
from editron.db.orm import db_time, utcnow
from editron.db.repos.events import append_event
from editron.domain.redact import redact_text
from editron.errors import InputError, InvalidStateError, NotFoundError

__all__ = ["MAX_PAGE", "get_or_raise", "page_bounds", "set_status"]

T = TypeVar("T")

MAX_PAGE = 1000

# Columns that hold what went wrong, which often quotes a URL: every write of one, however it
# is made (a constructor, an attribute, ``set_status(values=...)``), is redacted first.
_ERROR_COLUMNS: tuple[tuple[type[Any], str], ...] = (
    (MediaBatch, "last_error"), (MediaFile, "error"), (MediaBatchAnalysis, "last_error"),
    (EditSession, "last_error"), (RenderJob, "last_error"), (JobRun, "last_error"),
    (Task, "detail"))
_ERROR_KEYS = frozenset(name for _, name in _ERROR_COLUMNS)


def _redact_on_set(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return redact_text(value) if isinstance(value, str) else value


for _model, _column in _ERROR_COLUMNS:
    event.listen(getattr(_model, _column), "set", _redact_on_set, retval=True)


class _HasStatus(Protocol):
    id: str
    status: str


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


def set_status(session: Session, row: _HasStatus, status: str, *, entity_type: str,
               label: str, machine: Mapping[Any, frozenset[Any]] | None = None,
               scope: Mapping[str, str | None] | None = None,
               payload: Mapping[str, Any] | None = None,
               guard: Sequence[ColumnElement[bool]] = (),
               values: Mapping[str, Any] | None = None, strict: bool = True) -> bool:
    """The one way any row's status changes. Moves ``row`` to ``status`` (with ``values``, other
    columns set in the same statement) and appends ``<entity_type>.status_changed`` in the
    same transaction, so the event log is each row's whole status history (creations log the
    first status in their ``.created`` event).

    The change is one guarded ``UPDATE ... WHERE id = :id AND status = :previous`` plus any
    ``guard`` conditions, so two writers racing on a row cannot both move it. With a
    ``machine`` (current -> allowed next) an illegal move raises InvalidStateError and changes
    nothing. When the guard finds the row changed meanwhile, ``strict`` raises
    InvalidStateError; otherwise the result is False and nothing is written."""
    previous = str(row.status)
    if machine is not None and status not in machine.get(previous, frozenset()):
        raise InvalidStateError(f"{label} {row.id} is {previous}; it cannot become {status}")
    model: Any = type(row)
    fields: dict[str, Any] = {"status": status, **{
        k: redact_text(v) if k in _ERROR_KEYS and isinstance(v, str) else v
        for k, v in (values or {}).items()}}
    if hasattr(model, "updated_at"):
        # A job row's times are leases the sweep compares on the database's clock.
        fields["updated_at"] = db_time() if model is JobRun else utcnow()
    result = session.execute(
        update(model).where(model.id == row.id, model.status == previous, *guard)
        .values(**fields).execution_options(synchronize_session=False))
    won = result.rowcount == 1  # type: ignore[attr-defined]
    session.refresh(row)  # see the row as stored, whoever wrote it
    if not won:
        if strict:
            raise InvalidStateError(f"{label} {row.id} changed meanwhile (it is now "
                                    f"{row.status}); nothing was done, try again")
        return False
    append_event(session, entity_type=entity_type, entity_id=row.id,
                 event_type=f"{entity_type}.status_changed",
                 payload={"from": previous, "status": status, **(payload or {})},
                 **(scope or {}))
    return True
