"""Shared fixtures: an isolated Editron home per test, and test media generated once a session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from editron.config import Settings, reset_settings
from editron.db.session import dispose_engines
from tests import media_factory as mf

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(available: bool, what: str) -> None:
    """Skip with a visible reason locally; under CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is not reachable, and CI=true forbids skipping", pytrace=False)
    pytest.skip(f"{what} is not reachable on localhost")


@pytest.fixture(autouse=True)
def editron_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "editron-home"
    monkeypatch.setenv("EDITRON_HOME", str(home))
    monkeypatch.setenv("EDITRON_ALLOW_PRIVATE_URLS", "1")
    for var in ("EDITRON_DATABASE_URL", "EDITRON_QUEUE_URL", "MEDIA_STORAGE_PATH",
                "EDITRON_MEDIA_STORAGE_PATH", "EDITRON_LOG_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("EDITRON_DOWNLOAD_BACKOFF_BASE_SECONDS", "0.01")
    reset_settings()
    yield home
    reset_settings()
    dispose_engines()


@pytest.fixture()
def settings(editron_home: Path) -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ingest test media, made once per session: one file per name in
    ``tests.media_factory.MEDIA_SET`` (which says what each one is). Read-only: copy a file
    before changing it."""
    root = tmp_path_factory.mktemp("media")
    mf.make_media_set(root)
    return root


@pytest.fixture()
def footage(tmp_path: Path, media_dir: Path) -> Path:
    """A small event folder: two good clips, a duplicate, a bad one and a note."""
    folder = tmp_path / "footage"
    (folder / "day1").mkdir(parents=True)
    shutil.copy(media_dir / "clip.mp4", folder / "day1" / "keynote.mp4")
    shutil.copy(media_dir / "audio_only.wav", folder / "ambience.wav")
    shutil.copy(media_dir / "clip.mp4", folder / "keynote_copy.mp4")
    shutil.copy(media_dir / "truncated.mp4", folder / "broken.mp4")
    shutil.copy(media_dir / "notes.txt", folder / "notes.txt")
    return folder


@dataclass(frozen=True)
class AnalysedEvent:
    settings: Settings
    batch_id: str
    footage: Path


@pytest.fixture(scope="session")
def analysed_event(tmp_path_factory: pytest.TempPathFactory) -> AnalysedEvent:
    """The sample event (three clips, speech, crowd bursts) at a small size, ingested and
    analysed with speech once per session in its own Editron home, for the edit and render
    tests. Read-only: tests make new edit sessions, never change the batch."""
    from editron.demo import make_sample_event
    from editron.services.analyze import analyze_media_batch
    from editron.services.ingest import ingest_media_batch

    root = tmp_path_factory.mktemp("analysed_event")
    footage = root / "footage"
    make_sample_event(footage, size="320x180", fps=25)
    settings = Settings(home=root / "home")
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    analyze_media_batch(batch_id=batch.batch_id, brief="Sponsors: Northwind Energy",
                        max_iterations=2, settings=settings)
    return AnalysedEvent(settings, batch.batch_id, footage)
