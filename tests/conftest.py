"""Shared fixtures: an isolated Editron home per test, and test media generated once a session.

Under CI=true a skipped test fails (``tests/ci_strict.py``), and Hypothesis draws the same
examples on every run; everywhere, Hypothesis has no deadline (a loaded two-core machine
would miss it)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from editron.config import Settings, reset_settings
from editron.db.session import dispose_engines
from tests import media_factory as mf
from tests.ci_strict import (  # noqa: F401  (hooks, found by name)
    in_ci,
    pytest_make_collect_report,
    pytest_runtest_makereport,
)

IN_CI = in_ci()

hypothesis_settings.register_profile("editron", deadline=None)
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("editron"),
                                     derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile("ci" if IN_CI else "editron")


def require_service(available: bool, what: str) -> None:
    """Skip with a visible reason locally; under CI the skip is a failure (ci_strict)."""
    if not available:
        pytest.skip(f"{what} is not reachable on localhost")


@pytest.fixture(autouse=True)
def editron_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "editron-home"
    monkeypatch.setenv("EDITRON_HOME", str(home))
    monkeypatch.setenv("EDITRON_ALLOW_PRIVATE_URLS", "1")
    # Network callers (API, MCP) may ingest the test's own folders; tests/api/test_import_roots
    # sets its own roots to show everything else is refused.
    monkeypatch.setenv("EDITRON_IMPORT_ROOTS", str(tmp_path))
    for var in ("EDITRON_DATABASE_URL", "EDITRON_QUEUE_URL", "MEDIA_STORAGE_PATH",
                "EDITRON_MEDIA_URL", "EDITRON_MEDIA_CACHE_BYTES",
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


def _relocate(database: Path, old: str, new: str) -> None:
    """Rewrite the absolute paths the database keeps (originals, proxies, analysis folders,
    in plain and in JSON columns) from the master's home to the copy's."""
    with sqlite3.connect(database) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]:
                conn.execute(f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) '
                             f'WHERE instr("{column}", ?) > 0', (old, new, old))


@pytest.fixture(scope="session")
def analysed_event_master(tmp_path_factory: pytest.TempPathFactory) -> AnalysedEvent:
    """The sample event (three clips, speech, crowd bursts) at a small size, ingested and
    analysed with speech once per session in an Editron home of its own. Never used as is:
    ``analysed_event`` hands each test a copy."""
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
    dispose_engines()
    # Fold the write-ahead log into the database file, so a copy of the home is complete.
    with sqlite3.connect(settings.home_dir / "editron.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root / "loudness-cache").mkdir()
    return AnalysedEvent(settings, batch.batch_id, footage)


@pytest.fixture()
def analysed_event(analysed_event_master: AnalysedEvent, tmp_path: Path) -> AnalysedEvent:
    """The analysed sample event in a copy of its home made for this test (database, media,
    renders and deliveries its own), so what one test writes (edit sessions, render jobs,
    feedback, delivered files) no other test sees, whatever the order. Only the loudness
    cache is shared: a plan is keyed by its program's content, so a warm cache saves time
    and changes no result."""
    master = analysed_event_master
    home = tmp_path / "event-home"
    shutil.copytree(master.settings.home_dir, home)
    _relocate(home / "editron.db", f"{master.settings.home_dir}/", f"{home.resolve()}/")
    cache = home / "cache" / "loudness"
    cache.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(cache, ignore_errors=True)
    cache.symlink_to(master.settings.home_dir.parent / "loudness-cache", target_is_directory=True)
    return AnalysedEvent(Settings(home=home), master.batch_id, master.footage)
