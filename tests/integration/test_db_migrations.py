"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema, run
twice harmlessly, and survive two processes starting at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from editron.db import models, models_ops  # noqa: F401  (every table on the metadata)
from editron.db.migrate import current_revision, head_revision, upgrade
from editron.db.orm import Base
from editron.db.session import dispose_engines, get_engine
from editron.errors import DatabaseError
from tests.db_backends import (  # noqa: F401  (fixtures)
    database_url,
    empty_database_url,
    pg_database,
    pg_template,
    sqlite_template,
)
from tests.queue_backends import wait_for


def test_migrated_schema_matches_the_models(database_url: str) -> None:  # noqa: F811
    assert current_revision(database_url) == head_revision() == "0010"
    with get_engine(database_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_check_constraints_and_foreign_keys_are_in_the_database(
        database_url: str) -> None:  # noqa: F811
    # Autogenerate does not compare CHECK constraints or ON DELETE rules: check them here.
    inspector = inspect(get_engine(database_url))
    for table in Base.metadata.sorted_tables:
        expected_checks = {c.name for c in table.constraints
                           if c.__class__.__name__ == "CheckConstraint"}
        found_checks = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert expected_checks <= found_checks, table.name
        expected_fks = {(fk.parent.name, fk.column.table.name, (fk.ondelete or "").upper())
                        for fk in table.foreign_keys}
        found_fks = {(fk["constrained_columns"][0], fk["referred_table"],
                      (fk.get("options", {}).get("ondelete") or "").upper())
                     for fk in inspector.get_foreign_keys(table.name)}
        assert found_fks == expected_fks, table.name
        expected_ix = {ix.name for ix in table.indexes}
        found_ix = {ix["name"] for ix in inspector.get_indexes(table.name)}
        assert expected_ix <= found_ix, table.name
    assert {"ck_media_batches_status", "ck_render_jobs_priority"} <= {
        c["name"] for t in ("media_batches", "render_jobs")
        for c in inspector.get_check_constraints(t)}


def test_upgrade_is_idempotent_and_keeps_rows(database_url: str) -> None:  # noqa: F811
    from editron.db import repos
    from editron.db.session import session_scope

    with session_scope(database_url) as s:
        batch_id = repos.batches.create_batch(s, reference_name="kept", source_url="/x",
                                              source_type="local_folder").id
        repos.files.add_file(s, repos.batches.get_batch(s, batch_id), filename="a.mp4",
                             relative_path="a.mp4")
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    with session_scope(database_url) as s:
        assert [f.filename for f in repos.files.list_files(s, batch_id)] == ["a.mp4"]


def test_sqlite_foreign_keys_are_back_on_after_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    upgrade(url)
    engine = get_engine(url)
    # The pool hands back the very connection the migration used.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


# Each child says it is ready (its imports done) and waits for the go file, so both reach
# upgrade() at the same moment.
_CHILD = """
import pathlib, sys, time
from editron.db.migrate import current_revision, upgrade
go = pathlib.Path(sys.argv[2])
pathlib.Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.005)
upgrade(sys.argv[1])
print(current_revision(sys.argv[1]))
"""


def test_two_processes_upgrading_at_once(empty_database_url: str,  # noqa: F811
                                         tmp_path: Path) -> None:
    url = empty_database_url
    assert current_revision(url) is None
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{k}" for k in range(2)]
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, url, str(go), str(flag)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for flag in ready]
    wait_for(lambda: all(f.exists() for f in ready) or any(c.poll() is not None
                                                           for c in children),
             60, what="both children ready")
    go.touch()
    outcomes = [child.communicate(timeout=60) for child in children]
    for child, (out, err) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == head_revision()
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_heads() == (head_revision(),)
        assert compare_metadata(context, Base.metadata) == []


def test_failed_sqlite_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    """The whole upgrade is one transaction: a clash half way rolls every table back."""
    path = tmp_path / "clash.db"
    with sqlite3.connect(path) as conn:
        # A table the migration creates later in its run, already there: CREATE TABLE fails.
        conn.execute("CREATE TABLE tasks (id TEXT)")
    with pytest.raises(DatabaseError, match="cannot migrate the database") as caught:
        upgrade(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    dispose_engines()
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"tasks"}


def test_unreachable_database_is_a_database_error() -> None:
    with pytest.raises(DatabaseError) as caught:
        upgrade("postgresql://postgres:hunter2@127.0.0.1:1/editron")
    message = str(caught.value)
    assert "127.0.0.1:1" in message and "hunter2" not in message
