"""Credentials at rest (issue 17, point 4): Dropbox tokens and a source URL's password are
sealed with Fernet in the database, read back in plain through the repositories, refused
with a clear error under the wrong key, and sealed by migration 0007 when stored before it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import text

from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.migrate import alembic_config, upgrade
from editron.db.runtime import db, ready
from editron.db.secrets import forget_keys
from editron.db.session import get_engine, session_scope
from editron.errors import SecretKeyError
from editron.jobs.app import make_huey
from tests.db_backends import (  # noqa: F401  (fixtures)
    database_url,
    empty_database_url,
    pg_database,
    pg_template,
    sqlite_template,
)

TOKEN = "sl.u.AFakeDropboxTokenThatMustNotBeStored"
URL = "https://editor:hunter2pass@media.example.com/reel.mp4?token=qs-secret-7&dl=1"


def _raw(url: str, sql: str) -> list[tuple[object, ...]]:
    with get_engine(url).connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _add_source(url: str) -> str:
    with session_scope(url) as s:
        return repos.dropbox_sources.create_dropbox_source(
            s, folder_path="/Events/Gala", access_token=TOKEN).id


def test_a_dropbox_token_is_sealed_in_the_database_and_read_back_in_plain(
        database_url: str, editron_home: Path) -> None:  # noqa: F811
    source_id = _add_source(database_url)
    [(stored,)] = _raw(database_url, "SELECT access_token FROM dropbox_sources")
    assert isinstance(stored, str) and stored.startswith("fernet:")
    assert TOKEN not in stored and "AFakeDropbox" not in stored
    with session_scope(database_url) as s:
        row = repos.dropbox_sources.get_dropbox_source(s, source_id)
        assert (row.access_token, row.has_token) == (TOKEN, True)
    key_file = editron_home / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    Fernet(key_file.read_text().strip().encode())  # a real Fernet key


def test_a_credentialed_source_url_is_stored_redacted_and_fetched_whole(
        database_url: str) -> None:  # noqa: F811
    with session_scope(database_url) as s:
        batch = repos.batches.create_batch(s, reference_name="reel", source_url=URL,
                                           source_type="http")
        repos.files.add_file(s, batch, filename="reel.mp4", relative_path="reel.mp4",
                             source_url=URL, status="remote")
        batch_id = batch.id
    for table in ("media_batches", "media_files"):
        [(shown, sealed)] = _raw(database_url, f"SELECT source_url, source_secret FROM {table}")
        assert shown == ("https://REDACTED@media.example.com/reel.mp4"
                         "?token=REDACTED&dl=1"), table
        assert "hunter2pass" not in str(sealed) and "qs-secret-7" not in str(sealed)
    with session_scope(database_url) as s:
        batch = repos.batches.get_batch(s, batch_id)
        assert batch.fetch_url == URL
        assert [f.fetch_url for f in repos.files.list_files(s, batch_id)] == [URL]
    with session_scope(database_url) as s:  # a URL without credentials is kept as it is
        plain = repos.batches.create_batch(s, reference_name="open", source_type="http",
                                           source_url="https://media.example.com/a.mp4")
        assert (plain.source_url, plain.source_secret) == ("https://media.example.com/a.mp4",
                                                           None)


def test_the_wrong_key_is_a_clear_error_naming_the_source(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    source_id = _add_source(database_url)
    monkeypatch.setenv("EDITRON_SECRET_KEY", Fernet.generate_key().decode())
    reset_settings()
    with session_scope(database_url) as s:
        row = repos.dropbox_sources.get_dropbox_source(s, source_id)
        assert row.has_token  # telling a token is there needs no key
        with pytest.raises(SecretKeyError) as caught:
            _ = row.access_token
    message = caught.value.message
    assert f"Dropbox source {source_id}" in message
    assert "EDITRON_SECRET_KEY" in message and "another key" in message
    assert TOKEN not in message


def test_a_missing_key_file_is_a_clear_error(database_url: str,  # noqa: F811
                                             editron_home: Path) -> None:
    source_id = _add_source(database_url)
    (editron_home / "secret.key").unlink()
    forget_keys()
    with session_scope(database_url) as s, pytest.raises(SecretKeyError) as caught:
        _ = repos.dropbox_sources.get_dropbox_source(s, source_id).access_token
    assert "no key is configured" in caught.value.message
    assert f"Dropbox source {source_id}" in caught.value.message


def test_rotation_keeps_reading_what_the_old_key_sealed(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("EDITRON_SECRET_KEY", old)
    reset_settings()
    source_id = _add_source(database_url)
    monkeypatch.setenv("EDITRON_SECRET_KEY", f"{new},{old}")
    reset_settings()
    with session_scope(database_url) as s:
        assert repos.dropbox_sources.get_dropbox_source(s, source_id).access_token == TOKEN


def _upgrade_to(url: str, revision: str) -> None:
    with get_engine(url).begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_migration_0007_seals_what_was_stored_in_plain(
        empty_database_url: str) -> None:  # noqa: F811
    url = empty_database_url
    _upgrade_to(url, "0006")
    with get_engine(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO dropbox_sources (id, folder_path, access_token, storage_tier, active, "
            "created_at) VALUES ('src-1', '/Events', :token, 'hot', true, '2026-01-01')"),
            {"token": TOKEN})
        conn.execute(text(
            "INSERT INTO media_batches (id, reference_name, source_url, source_type, "
            "storage_tier, checksum_required, status, file_count, total_size_bytes, metadata, "
            "last_error, created_at, updated_at) VALUES ('b-1', 'reel', :url, 'http', 'hot', "
            "true, 'failed', 0, 0, '{}', :error, '2026-01-01', '2026-01-01')"),
            {"url": URL, "error": f"download of {URL} failed"})
    upgrade(url)
    [(token,)] = _raw(url, "SELECT access_token FROM dropbox_sources")
    [(shown, sealed, error)] = _raw(url, "SELECT source_url, source_secret, last_error "
                                         "FROM media_batches")
    assert str(token).startswith("fernet:") and TOKEN not in str(token)
    assert "hunter2pass" not in f"{shown}{sealed}{error}"
    assert "qs-secret-7" not in f"{shown}{sealed}{error}"
    with session_scope(url) as s:
        assert repos.dropbox_sources.get_dropbox_source(s, "src-1").access_token == TOKEN
        assert repos.batches.get_batch(s, "b-1").fetch_url == URL


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_home_folder_is_made_0700_and_its_database_queue_and_key_file_0600(
        tmp_path: Path) -> None:

    old = os.umask(0o022)  # the usual umask, which alone would give 0755 and 0644
    try:
        settings = Settings(home=tmp_path / "fresh" / "home")
        ready(settings)
        with db(settings) as s:  # a first credential makes the key file
            repos.dropbox_sources.create_dropbox_source(s, folder_path="/E", access_token=TOKEN)
        make_huey(settings.resolved_queue_url)
    finally:
        os.umask(old)
    home = settings.home_dir
    assert _mode(home) == 0o700
    assert _mode(settings.storage_dir) == 0o700
    assert _mode(home / "editron.db") == 0o600
    assert _mode(home / "queue.db") == 0o600
    assert _mode(home / "secret.key") == 0o600
    for journal in home.glob("editron.db-*"):  # SQLite gives -wal/-shm the database's mode
        assert _mode(journal) == 0o600, journal.name
