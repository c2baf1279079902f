"""store exports and renders: a session's ``exports`` document and its timelines name files
by their media-store key, and a render job keeps its file's key (``output_key``), so no
host's absolute path of a stored file is left in an edit session

Paths under the storage folder of the process that runs the upgrade become keys: the
exports' ``folder`` and each file's ``path``, and each timeline's media paths (sources,
music bed, logo). Any other path is left as it is and still read. The downgrade drops
``output_key`` and turns those keys back into absolute paths under the same folder.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:20:00
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

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Convert = Callable[[str], str]


def _exports(doc: Any, convert: Convert) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    if isinstance(out.get("folder"), str):
        out["folder"] = convert(out["folder"])
    out["files"] = [{**f, "path": convert(f["path"])} if isinstance(f, dict)
                    and isinstance(f.get("path"), str) else f for f in out.get("files", [])]
    return out


def _timeline(doc: Any, convert: Convert) -> Any:
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    media = out.get("media")
    if isinstance(media, dict):
        out["media"] = {fid: {**m, "path": convert(m["path"])} if isinstance(m, dict)
                        and isinstance(m.get("path"), str) else m for fid, m in media.items()}
    for part, field in (("music", "path"), ("brand", "logo_path")):
        item = out.get(part)
        if isinstance(item, dict) and isinstance(item.get(field), str):
            out[part] = {**item, field: convert(item[field])}
    return out


def _rewrite(convert: Convert) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, exports, timelines FROM edit_sessions")).all()
    for row_id, raw_exports, raw_timelines in rows:
        exports = json.loads(raw_exports) if isinstance(raw_exports, str) else raw_exports
        timelines = json.loads(raw_timelines) if isinstance(raw_timelines, str) \
            else raw_timelines
        new_exports = _exports(exports, convert)
        new_timelines = [_timeline(t, convert) for t in timelines] \
            if isinstance(timelines, list) else timelines
        if new_exports != exports or new_timelines != timelines:
            conn.execute(sa.text("UPDATE edit_sessions SET exports = :e, timelines = :t "
                                 "WHERE id = :i"),
                         {"e": json.dumps(new_exports), "t": json.dumps(new_timelines),
                          "i": row_id})


def upgrade() -> None:
    with op.batch_alter_table("render_jobs") as batch:
        batch.add_column(sa.Column("output_key", sa.Text(), nullable=True))
    root = get_settings().storage_dir
    _rewrite(lambda value: key_of(value, root) or value)


def downgrade() -> None:
    root = get_settings().storage_dir
    _rewrite(lambda value: str(root / value) if value and not Path(value).is_absolute()
             and is_key(value) else value)
    with op.batch_alter_table("render_jobs") as batch:
        batch.drop_column("output_key")
