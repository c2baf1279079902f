from __future__ import annotations

from pathlib import Path

import pytest

from editron.config import Settings


def test_defaults_live_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("EDITRON_DATABASE_URL", "EDITRON_QUEUE_URL", "MEDIA_STORAGE_PATH"):
        monkeypatch.delenv(var, raising=False)
    settings = Settings(home=tmp_path / "h")
    home = (tmp_path / "h").resolve()
    assert settings.resolved_database_url == f"sqlite:///{home / 'editron.db'}"
    assert settings.resolved_queue_url == f"sqlite:///{home / 'queue.db'}"
    assert settings.storage_dir == home / "media"
    assert settings.batch_dir("b1") == home / "media" / "batches" / "b1"


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_HOME", str(tmp_path))
    monkeypatch.setenv("EDITRON_DATABASE_URL", "postgresql://localhost/x")
    monkeypatch.setenv("EDITRON_QUEUE_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("MEDIA_STORAGE_PATH", str(tmp_path / "store"))
    monkeypatch.setenv("EDITRON_MAX_BATCH_BYTES", "1234")
    monkeypatch.setenv("EDITRON_LOG_FORMAT", "json")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql://localhost/x"
    assert settings.resolved_queue_url == "redis://127.0.0.1:6379/3"
    assert settings.storage_dir == (tmp_path / "store").resolve()
    assert settings.max_batch_bytes == 1234
    assert settings.log_format == "json"


def test_bad_log_format_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        Settings()
