"""Migration 0009 on a populated SQLite database: absolute paths under the storage folder
become media-store keys; paths elsewhere are left as they are; the downgrade undoes it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from editron.config import Settings
from editron.db import repos
from editron.db.migrate import alembic_config, current_revision
from editron.db.session import get_engine, session_scope
from editron.services.media_access import local_media_path


def _upgrade_to(url: str, revision: str, *, down: bool = False) -> None:
    with get_engine(url).begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _raw(url: str, sql: str) -> list[tuple[object, ...]]:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def test_0009_turns_storage_paths_into_keys(settings: Settings, tmp_path: Path) -> None:
    url = settings.resolved_database_url
    settings.ensure_dirs()
    _upgrade_to(url, "0008")
    root = settings.storage_dir
    original = root / "batches" / "b-1" / "originals" / "day1" / "keynote.mp4"
    original.parent.mkdir(parents=True)
    original.write_bytes(b"media bytes")
    outside = tmp_path / "kept-at-source" / "ambience.wav"
    with session_scope(url) as s:
        batch = repos.batches.create_batch(
            s, reference_name="gala", source_url="https://example.com/gala.zip",
            source_type="http", storage_tier="hot", checksum_required=True)
        repos.batches.update_batch(s, batch, storage_path=str(root / "batches" / batch.id))
        batch_id = batch.id
        kept = repos.files.add_file(
            s, batch, filename="keynote.mp4", relative_path="day1/keynote.mp4", size_bytes=11,
            status="ready", storage_path=str(original),
            proxy_path=str(root / "batches/b-1/derived/f/proxy.mp4"), poster_path=None)
        cold = repos.files.add_file(s, batch, filename="ambience.wav",
                                    relative_path="ambience.wav", size_bytes=5, status="ready",
                                    storage_path=str(outside))
        analysis = repos.analyses.create_analysis(s, batch_id=batch.id)
        analysis.artifacts_path = str(root / "batches" / batch.id / "analysis" / "a-1")
        edit = repos.edit_sessions.create_edit_session(
            s, batch_id=batch.id, deliverable_type="recap", aspect_ratios=["16:9"])
        edit.preview_paths = {"16:9 v1": str(root / "batches/b-1/edits/e/previews/p.mp4")}
        kept_id, cold_id, analysis_id, edit_id = kept.id, cold.id, analysis.id, edit.id
    _upgrade_to(url, "0009")
    assert current_revision(url) == "0009"
    files = dict((r[0], r[1:]) for r in _raw(
        url, "SELECT id, storage_path, proxy_path, poster_path FROM media_files"))
    assert files[kept_id] == ("batches/b-1/originals/day1/keynote.mp4",
                              "batches/b-1/derived/f/proxy.mp4", None)
    assert files[cold_id] == (str(outside), None, None), "a path outside is left as it is"
    assert _raw(url, "SELECT storage_path FROM media_batches") == [(f"batches/{batch_id}",)]
    assert _raw(url, f"SELECT artifacts_path FROM media_batch_analyses WHERE id = "
                     f"'{analysis_id}'") == [(f"batches/{batch_id}/analysis/a-1",)]
    [(previews,)] = _raw(url, f"SELECT preview_paths FROM edit_sessions WHERE id = '{edit_id}'")
    assert "batches/b-1/edits/e/previews/p.mp4" in str(previews) and str(root) not in str(previews)
    # the key reads through the media store
    assert local_media_path(kept_id, settings=settings) == original
    _upgrade_to(url, "0008", down=True)
    assert _raw(url, f"SELECT storage_path FROM media_files WHERE id = '{kept_id}'") == [
        (str(original),)]
