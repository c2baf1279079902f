"""secrets at rest: Dropbox access tokens sealed with the secret key; a source URL with
credentials stored redacted, the whole of it sealed in a new source_secret column; the URLs
stored errors quote redacted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from editron.config import get_settings
from editron.db.secrets import SecretBox, box_for, is_sealed
from editron.domain.redact import redact_text, redact_url

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SOURCED = ("media_batches", "media_files")
_ERRORS = (("media_batches", "last_error"), ("media_files", "error"),
           ("media_batch_analyses", "last_error"), ("edit_sessions", "last_error"),
           ("render_jobs", "last_error"), ("job_runs", "last_error"))


def _box() -> SecretBox:
    # ``db.migrate.upgrade`` hands over the box of the settings that asked for the upgrade.
    box = context.config.attributes.get("secret_box")
    return box if isinstance(box, SecretBox) else box_for(get_settings())


def _rows(table: str, column: str) -> list[tuple[object, object]]:
    """(id, value) of every row whose ``column`` is set."""
    query = sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
    return [(row[0], row[1]) for row in op.get_bind().execute(query)]


def _set(table: str, row_id: object, **values: object) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    op.get_bind().execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                          {"id": row_id, **values})


def upgrade() -> None:
    for table in _SOURCED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source_secret", sa.Text(), nullable=True))
    box = _box()
    for row_id, token in _rows("dropbox_sources", "access_token"):
        if not is_sealed(str(token)):
            _set("dropbox_sources", row_id, access_token=box.seal(str(token)))
    for table in _SOURCED:
        for row_id, url in _rows(table, "source_url"):
            shown = redact_url(str(url))
            if shown != url:
                _set(table, row_id, source_url=shown, source_secret=box.seal(str(url)))
    for table, column in _ERRORS:
        for row_id, error in _rows(table, column):
            if redact_text(str(error)) != error:
                _set(table, row_id, **{column: redact_text(str(error))})


def downgrade() -> None:
    box = _box()
    for row_id, token in _rows("dropbox_sources", "access_token"):
        _set("dropbox_sources", row_id, access_token=box.open(
            str(token), what=f"the access token of Dropbox source {row_id}"))
    for table in _SOURCED:
        for row_id, secret in _rows(table, "source_secret"):
            _set(table, row_id, source_url=box.open(
                str(secret), what=f"the source URL of {table} row {row_id}"))
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_secret")
