"""Migration 0010 on a populated SQLite database: a session's exports and timeline media
paths under the storage folder become media-store keys (paths elsewhere are left as they
are), render jobs get ``output_key``; the downgrade undoes it."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import text

from editron.config import Settings
from editron.db import repos
from editron.db.migrate import alembic_config, current_revision, upgrade
from editron.db.session import get_engine, session_scope
from editron.store import resolve_local


def _upgrade_to(url: str, revision: str, *, down: bool = False) -> None:
    with get_engine(url).begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _session_docs(url: str, session_id: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    with get_engine(url).connect() as conn:
        exports, timelines = conn.execute(text(
            "SELECT exports, timelines FROM edit_sessions WHERE id = :i"), {"i": session_id}).one()
    return (json.loads(exports) if isinstance(exports, str) else exports,
            json.loads(timelines) if isinstance(timelines, str) else timelines)


def test_0010_turns_export_and_timeline_paths_into_keys(settings: Settings,
                                                         tmp_path: Path) -> None:
    url = settings.resolved_database_url
    settings.ensure_dirs()
    _upgrade_to(url, "0009")
    root = settings.storage_dir
    folder = root / "batches" / "b-1" / "edits" / "e-1"
    folder.mkdir(parents=True)
    (folder / "recap_16x9.fcpxml").write_text("<fcpxml/>")
    music = tmp_path / "music" / "bed.wav"
    original = root / "batches/b-1/originals/day1/keynote.mp4"
    timeline = {"name": "recap", "media": {"f-1": {"file_id": "f-1", "path": str(original)},
                                           "f-2": {"file_id": "f-2", "path": "/cold/x.mov"}},
                "music": {"path": str(music)}, "brand": {"logo_path": None}}
    exports = {"folder": str(folder), "errors": [],
               "files": [{"format": "fcpxml", "variant": 1, "aspect_ratio": "16:9",
                          "path": str(folder / "recap_16x9.fcpxml")}]}
    with session_scope(url) as s:
        batch = repos.batches.create_batch(
            s, reference_name="gala", source_url="https://example.com/gala.zip",
            source_type="http", storage_tier="hot", checksum_required=True)
        edit = repos.edit_sessions.create_edit_session(
            s, batch_id=batch.id, deliverable_type="recap", aspect_ratios=["16:9"])
        edit.exports, edit.timelines = exports, [timeline]
        edit_id = edit.id
    upgrade(url)
    assert current_revision(url) == "0010"
    new_exports, [new_timeline] = _session_docs(url, edit_id)
    assert new_exports["folder"] == "batches/b-1/edits/e-1"
    [item] = new_exports["files"]  # type: ignore[misc]
    assert item["path"] == "batches/b-1/edits/e-1/recap_16x9.fcpxml"
    assert resolve_local(settings, item["path"]).read_text() == "<fcpxml/>"
    media = new_timeline["media"]
    assert media["f-1"]["path"] == "batches/b-1/originals/day1/keynote.mp4"  # type: ignore[index]
    assert media["f-2"]["path"] == "/cold/x.mov", "a path outside is left as it is"  # type: ignore[index]
    assert new_timeline["music"] == {"path": str(music)}
    assert str(root) not in json.dumps([new_exports, new_timeline])
    with get_engine(url).connect() as conn:
        columns = {c[1] for c in conn.execute(text("PRAGMA table_info(render_jobs)")).all()}
    assert "output_key" in columns
    _upgrade_to(url, "0009", down=True)
    old_exports, [old_timeline] = _session_docs(url, edit_id)
    assert old_exports == exports and old_timeline == timeline
