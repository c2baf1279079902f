"""store media keys: rows name media by their key in the media store
(``batches/<id>/originals/...``), not by one host's absolute path, so every host finds them

Paths under the storage folder of the process that runs the upgrade (``<home>/media`` or
MEDIA_STORAGE_PATH, or the share EDITRON_MEDIA_URL names) become keys; any other path (a
cold original kept at its source, music outside Editron) is left as it is and still read.
The downgrade turns keys back into absolute paths under the same folder.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:20:00
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

from editron.config import get_settings
from editron.store.keys import is_key, key_of

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, id column, text columns holding one path each)
_TEXT_COLUMNS = (
    ("media_batches", ("storage_path",)),
    ("media_files", ("storage_path", "proxy_path", "poster_path", "sprite_path",
                     "waveform_path")),
    ("media_batch_analyses", ("artifacts_path",)),
)
# (table, JSON columns holding an object whose values are paths)
_JSON_COLUMNS = (("edit_sessions", ("preview_paths",)),)


def _rewrite(convert: Callable[[str], str]) -> None:
    conn = op.get_bind()
    for table, columns in _TEXT_COLUMNS:
        for column in columns:
            rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table} "
                                        f"WHERE {column} IS NOT NULL")).all()
            for row_id, value in rows:
                new = convert(str(value))
                if new != value:
                    conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),
                                 {"v": new, "i": row_id})
    for table, columns in _JSON_COLUMNS:
        for column in columns:
            rows = conn.execute(sa.text(f"SELECT id, {column} FROM {table} "
                                        f"WHERE {column} IS NOT NULL")).all()
            for row_id, raw in rows:
                doc: Any = json.loads(raw) if isinstance(raw, str) else raw
                if not isinstance(doc, dict):
                    continue
                new_doc = {k: convert(v) if isinstance(v, str) else v for k, v in doc.items()}
                if new_doc != doc:
                    conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),
                                 {"v": json.dumps(new_doc), "i": row_id})


def upgrade() -> None:
    root = get_settings().storage_dir
    _rewrite(lambda value: key_of(value, root) or value)


def downgrade() -> None:
    root = get_settings().storage_dir
    _rewrite(lambda value: str(root / value) if not Path(value).is_absolute()
             and is_key(value) else value)
