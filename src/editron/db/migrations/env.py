"""Alembic environment: runs with the connection handed over by ``editron.db.migrate``."""

from __future__ import annotations

from alembic import context

from editron.db import models, models_ops  # noqa: F401  (every table on the metadata)
from editron.db.orm import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through editron.db.migrate.upgrade(url)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
