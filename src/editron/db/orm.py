"""The declarative base every table shares: the constraint naming convention (so SQLite and
PostgreSQL migrations name constraints alike), UUID text ids, ISO-8601 UTC text times, and
CHECK constraints built from the status enums."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Float, MetaData, String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["NAMING", "Base", "check_in", "db_time", "new_id", "utcnow"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> str:
    """ISO-8601 UTC with microseconds; sorts as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class db_time(FunctionElement[str]):  # lower case: it reads as a function in a query
    """The database server's time ``ago`` seconds back, as the text :func:`utcnow` writes.

    Leases (heartbeats, the sweep's staleness, worker liveness) are written and compared with
    this, so hosts whose clocks disagree still agree on which lease is dead: every time
    involved comes from the one database clock. SQLite's ``'now'`` has milliseconds, padded to
    the same six digits, so the texts sort alike on both backends.
    """

    type = String()
    inherit_cache = True

    def __init__(self, ago: float = 0.0) -> None:
        super().__init__(bindparam(None, float(ago), type_=Float()))


@compiles(db_time, "sqlite")
def _sqlite_time(element: db_time, compiler: SQLCompiler, **kw: Any) -> str:
    ago = compiler.process(element.clauses, **kw)
    return (f"(strftime('%Y-%m-%dT%H:%M:%f', 'now', (-({ago})) || ' seconds') "
            "|| '000Z')")


@compiles(db_time, "postgresql")
def _postgresql_time(element: db_time, compiler: SQLCompiler, **kw: Any) -> str:
    ago = compiler.process(element.clauses, **kw)
    # clock_timestamp(), not now(): a long transaction must not see its start time.
    return ("to_char((clock_timestamp() AT TIME ZONE 'UTC') - "
            f"(CAST({ago} AS DOUBLE PRECISION) * INTERVAL '1 second'), "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")


def check_in(column: str, values: type[Any]) -> str:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({allowed})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}
