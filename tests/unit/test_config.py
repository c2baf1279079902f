from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from editron.cli.main import app as cli
from editron.config import Settings, get_settings, reset_settings
from editron.errors import ConfigError


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


def test_a_setting_that_cannot_be_used_is_named_as_the_user_set_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    reset_settings()
    monkeypatch.setenv("EDITRON_JOB_HEARTBEAT_SECONDS", "abc")
    monkeypatch.setenv("EDITRON_DOWNLOAD_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ConfigError) as bad:
        get_settings()
    message = bad.value.message
    assert "EDITRON_JOB_HEARTBEAT_SECONDS='abc': Input should be a valid number" in message
    assert "EDITRON_DOWNLOAD_TIMEOUT_SECONDS='soon'" in message
    assert "pydantic" not in message and "unset it for the default" in message
    reset_settings()


def test_a_lease_must_outlive_two_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Else a busy worker's jobs look dead between two of its beats and are taken over."""
    reset_settings()
    monkeypatch.setenv("EDITRON_JOB_HEARTBEAT_SECONDS", "5")
    monkeypatch.setenv("EDITRON_JOB_STALE_AFTER_SECONDS", "8")
    with pytest.raises(ConfigError, match=r"EDITRON_JOB_STALE_AFTER_SECONDS \(8\) must be at "
                                          r"least twice EDITRON_JOB_HEARTBEAT_SECONDS \(5\)"):
        get_settings()
    monkeypatch.setenv("EDITRON_JOB_STALE_AFTER_SECONDS", "10")
    reset_settings()
    assert get_settings().job_stale_after_seconds == 10
    reset_settings()


def test_cli_says_which_setting_is_wrong_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_settings()
    monkeypatch.setenv("EDITRON_JOB_HEARTBEAT_SECONDS", "abc")
    out = CliRunner().invoke(cli, ["workers"])
    reset_settings()
    assert out.exit_code == 2, out.output
    assert out.output.startswith("error: EDITRON_JOB_HEARTBEAT_SECONDS='abc'")
    assert "Traceback" not in out.output
