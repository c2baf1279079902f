"""#17.2: EDITRON_MAX_BATCH_BYTES holds for every source, each refused with the size and the
limit (LimitExceededError, HTTP 413): a local folder before anything is copied, an archive by
what it expands to (inside a folder, downloaded, or a Dropbox folder link), a download, and a
watched Dropbox folder before anything is fetched."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from editron.config import Settings, reset_settings
from editron.errors import LimitExceededError
from editron.services.dropbox_poll import poll_dropbox_source
from editron.services.ingest import ingest_media_batch, list_batches
from editron.services.sources import add_dropbox_source
from tests.dropbox_api_server import serve_dropbox
from tests.http_server import serve

LIMIT = 1_000_000


def _settings(**extra: object) -> Settings:
    # A ratio this high lets a zip of zeros past the bomb guard, so the batch limit is what
    # stops it.
    return Settings(max_batch_bytes=LIMIT, max_archive_ratio=1e9, **extra)  # type: ignore[arg-type]


def _zeros_zip(path: Path, size: int = 3 * LIMIT) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.mp4", b"\0" * size)
    assert path.stat().st_size < LIMIT
    return path


def _refused(settings: Settings, source: str, pattern: str) -> None:
    with pytest.raises(LimitExceededError, match=pattern) as caught:
        ingest_media_batch(source_url=source, settings=settings)
    assert f"batch limit of {LIMIT} bytes" in caught.value.message
    assert "EDITRON_MAX_BATCH_BYTES" in caught.value.message
    failed = list_batches(settings=settings)[0]
    assert failed.status == "failed" and "batch limit" in (failed.last_error or "")
    originals = Path(settings.batch_dir(failed.batch_id)) / "originals"
    assert not [p for p in originals.rglob("*") if p.is_file()]  # nothing left behind


def test_a_local_folder_is_measured_before_anything_is_copied(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"\0" * (LIMIT // 2 + 1))
    (folder / "b.mp4").write_bytes(b"\0" * (LIMIT // 2 + 1))
    _refused(_settings(), str(folder), rf"{LIMIT + 2} bytes is more than")


def test_cold_tier_in_place_is_measured_too(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"\0" * (LIMIT + 1))
    with pytest.raises(LimitExceededError, match="batch limit"):
        ingest_media_batch(source_url=str(folder), storage_tier="cold", settings=_settings())


def test_an_archive_in_a_folder_counts_what_it_expands_to(tmp_path: Path) -> None:
    folder = tmp_path / "zipped"
    folder.mkdir()
    _zeros_zip(folder / "cards.zip")
    _refused(_settings(), str(folder), "at least")


def test_a_downloaded_archive_counts_what_it_expands_to(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    _zeros_zip(served / "cards.zip")
    with serve(served) as server:
        _refused(_settings(), server.url("cards.zip"), "at least")


def test_a_download_past_the_limit_is_refused(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "big.mp4").write_bytes(b"\0" * (LIMIT + 5))
    with serve(served) as server:
        _refused(_settings(), server.url("big.mp4"), rf"{LIMIT + 5} bytes is more than")


def test_a_dropbox_folder_link_counts_what_it_expands_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = tmp_path / "served"
    (served / "scl" / "fo" / "abc").mkdir(parents=True)
    _zeros_zip(served / "scl" / "fo" / "abc" / "gala")
    with serve(served) as server:
        monkeypatch.setenv("EDITRON_DROPBOX_CONTENT_HOST", server.url("").rstrip("/"))
        reset_settings()
        settings = _settings()
        _refused(settings, "https://www.dropbox.com/scl/fo/abc/gala?rlkey=k&dl=0", "at least")


def test_a_watched_dropbox_folder_is_refused_before_any_download() -> None:
    with serve_dropbox(token="sl.token") as fake:
        fake.put("/Events/Gala/a.mp4", b"\0" * (LIMIT // 2 + 1))
        fake.put("/Events/Gala/b.mp4", b"\0" * (LIMIT // 2 + 1))
        settings = _settings(dropbox_api_host=fake.api_url)
        source = add_dropbox_source(folder_path="/Events/Gala", access_token="sl.token",
                                    settings=settings)
        with pytest.raises(LimitExceededError, match=rf"{LIMIT + 2} bytes is more than"):
            poll_dropbox_source(source.id, settings=settings, defer_ingest=False)
        assert list_batches(settings=settings) == []
