from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from editron.config import Settings
from editron.db.repos.events import events_after
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.errors import UnsupportedSourceError
from editron.services.gc import collect_garbage
from editron.services.ingest import get_batch, ingest_media_batch, list_batches
from editron.store import resolve_local
from tests.http_server import Fault, serve


def test_folder_ingest_dedupes_rejects_and_skips(footage: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(footage), reference_name="Gala",
                               settings=settings)
    assert batch.status == "ready"
    names = sorted(f.relative_path for f in batch.files)
    # keynote.mp4 and keynote_copy.mp4 hold the same bytes: one is stored, one noted.
    assert len(names) == 2 and "ambience.wav" in names
    assert len(batch.duplicates) == 1
    assert batch.file_count == 2
    assert [e.filename for e in batch.errors] == ["broken.mp4"]
    assert "truncated" in batch.errors[0].error
    assert batch.skipped == ["notes.txt"]
    keynote = next(f for f in batch.files if f.filename.startswith("keynote"))
    original = (footage / "day1" / "keynote.mp4").read_bytes()
    assert keynote.checksum_sha256 == hashlib.sha256(original).hexdigest()
    assert keynote.resolution == "320x240" and keynote.has_audio and keynote.codec == "h264"
    # hot tier: proxy, poster, sprite and waveform are in the media store, named by key
    for path in (keynote.proxy_path, keynote.poster_path, keynote.sprite_path,
                 keynote.waveform_path):
        assert path is not None and path.startswith(f"batches/{batch.batch_id}/derived/")
        assert resolve_local(settings, path).stat().st_size > 0
    stored = list((settings.batch_dir(batch.batch_id) / "originals").rglob("*.mp4"))
    assert len(stored) == 1, "duplicates are stored once"
    with session_scope(settings.resolved_database_url) as s:
        kinds = [e.event_type for e in events_after(s, 0, batch_id=batch.batch_id)]
    assert kinds[0] == "batch.created" and "file.duplicate" in kinds and "file.failed" in kinds
    assert kinds.count("file.ingested") == 2 and "batch.download_progress" in kinds
    statuses = [e for e in kinds if e == "batch.status_changed"]
    assert len(statuses) == 2  # downloading, ready


def test_all_files_bad_fails_the_batch(media_dir: Path, tmp_path: Path,
                                       settings: Settings) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    shutil.copy(media_dir / "empty.mp4", folder / "zero.mp4")
    shutil.copy(media_dir / "truncated.mp4", folder / "cut.mp4")
    batch = ingest_media_batch(source_url=str(folder), settings=settings)
    assert batch.status == "failed" and batch.file_count == 0
    assert batch.last_error is not None
    assert "zero.mp4: file is empty" in batch.last_error and "cut.mp4" in batch.last_error


def test_http_zip_and_dropbox_folder_link(media_dir: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    www = tmp_path / "www"
    www.mkdir()
    with zipfile.ZipFile(www / "event.zip", "w") as zf:
        zf.write(media_dir / "clip.mov", "cam-a/stage.mov")
        zf.write(media_dir / "audio_only.wav", "room.wav")
        zf.writestr("shotlist.pdf", b"%PDF")
    with serve(www) as server:
        server.add_fault("event.zip", Fault("status", status=503))
        monkeypatch.setenv("EDITRON_DROPBOX_CONTENT_HOST", f"http://127.0.0.1:{server.port}")
        from editron.config import reset_settings

        reset_settings()
        settings = Settings()
        batch = ingest_media_batch(source_url=server.url("event.zip"), settings=settings,
                                   storage_tier="warm")
        assert batch.status == "ready" and batch.file_count == 2
        assert sorted(f.relative_path for f in batch.files) == ["cam-a/stage.mov", "room.wav"]
        assert batch.skipped == ["shotlist.pdf"]
        stage = next(f for f in batch.files if f.filename == "stage.mov")
        assert stage.poster_path and stage.sprite_path and stage.proxy_path is None
        link = "https://www.dropbox.com/scl/fo/abc123/event.zip?rlkey=k&dl=0"
        dropbox = ingest_media_batch(source_url=link, settings=settings)
        assert dropbox.status == "ready" and dropbox.file_count == 2
        asked = [r for r in server.requests if r["path"] == "/scl/fo/abc123/event.zip"]
        assert asked, "the folder link was fetched as a direct download"


def test_cold_tier_leaves_originals_at_source(footage: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(footage), storage_tier="cold", settings=settings)
    assert batch.status == "ready"
    assert all(f.status == "remote" and f.proxy_path is None for f in batch.files)
    assert not (settings.batch_dir(batch.batch_id) / "originals").exists() or not any(
        (settings.batch_dir(batch.batch_id) / "originals").rglob("*.mp4"))


def test_bad_input_costs_nothing(settings: Settings) -> None:
    with pytest.raises(UnsupportedSourceError):
        ingest_media_batch(source_url="gopher://old/thing", settings=settings)
    with pytest.raises(Exception, match="storage tier"):
        ingest_media_batch(source_url="/tmp", storage_tier="lukewarm", settings=settings)
    assert list_batches(settings=settings) == []


def test_gc_removes_expired_working_files(footage: Path, settings: Settings) -> None:
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    nothing = collect_garbage(settings=settings)
    assert nothing.freed_bytes == 0 and nothing.batches == []
    later = datetime.now(UTC) + timedelta(days=settings.retention_days_hot + 1)
    dry = collect_garbage(settings=settings, now=later, dry_run=True)
    assert dry.freed_bytes > 0 and (settings.batch_dir(batch.batch_id) / "derived").exists()
    orphan = settings.storage_dir / "batches" / "not-a-batch"
    orphan.mkdir(parents=True)
    (orphan / "junk.bin").write_bytes(b"x" * 100)
    report = collect_garbage(settings=settings, now=later)
    assert report.freed_bytes == dry.freed_bytes + 100
    assert report.batches == [batch.batch_id] and report.orphans == ["not-a-batch"]
    assert not (settings.batch_dir(batch.batch_id) / "derived").exists()
    assert get_batch(batch.batch_id, settings=ready(settings)).status == "ready"


def test_gc_prunes_loudness_plans_nobody_used_for_a_month(settings: Settings) -> None:
    import os

    from editron.services.gc import LOUDNESS_PLAN_DAYS

    folder = settings.loudness_cache_dir
    folder.mkdir(parents=True)
    fresh, stale = folder / "fresh.json", folder / "stale.json"
    for plan in (fresh, stale):
        plan.write_text('{"gain_db": 3.0, "expected_lufs": -14.0, "note": ""}')
    month_ago = datetime.now(UTC) - timedelta(days=LOUDNESS_PLAN_DAYS + 1)
    os.utime(stale, (month_ago.timestamp(), month_ago.timestamp()))
    dry = collect_garbage(settings=settings, dry_run=True)
    assert dry.removed_files == 1 and stale.exists()
    report = collect_garbage(settings=settings)
    assert report.removed_files == 1 and report.freed_bytes == fresh.stat().st_size
    assert fresh.exists() and not stale.exists()
    assert any("loudness plans" in line for line in report.details)


def test_given_up_ingest_leaves_batch_failed_not_downloading(footage: Path,
                                                             settings: Settings) -> None:
    from editron.db import repos
    from editron.domain.status import BatchStatus
    from editron.services.ingest import IngestJob, give_up_ingest

    batch = ingest_media_batch(source_url=str(footage), settings=settings, defer=True)
    with session_scope(settings.resolved_database_url) as s:
        repos.batches.set_batch_status(s, repos.batches.get_batch(s, batch.batch_id),
                                       BatchStatus.DOWNLOADING)
    give_up_ingest(IngestJob(batch_id=batch.batch_id), "worker killed 3 times", settings)
    after = get_batch(batch.batch_id, settings=settings)
    assert after.status == "failed"
    assert after.last_error == "ingest gave up: worker killed 3 times"


def test_cold_http_original_is_fetched_on_demand(media_dir: Path, tmp_path: Path,
                                                 settings: Settings) -> None:
    from editron.services.media_access import local_media_path

    www = tmp_path / "www"
    www.mkdir()
    shutil.copy(media_dir / "clip.mp4", www / "stage.mp4")
    with serve(www) as server:
        batch = ingest_media_batch(source_url=server.url("stage.mp4"), storage_tier="cold",
                                   settings=settings)
        assert batch.status == "ready" and batch.files[0].status == "remote"
        assert not list((settings.batch_dir(batch.batch_id)).rglob("stage.mp4"))
        path = local_media_path(batch.files[0].id, settings=settings)
        assert path.read_bytes() == (media_dir / "clip.mp4").read_bytes()
        assert local_media_path(batch.files[0].id, settings=settings) == path
        assert len(server.requests) == 2  # ingest, then one fetch on demand


def test_cold_local_original_is_read_in_place(footage: Path, settings: Settings) -> None:
    from editron.services.media_access import local_media_path

    batch = ingest_media_batch(source_url=str(footage), storage_tier="cold", settings=settings)
    keynote = next(f for f in batch.files if f.filename.startswith("keynote"))
    assert local_media_path(keynote.id, settings=settings) == footage / keynote.relative_path


def test_gc_removes_and_dry_run_reports_what_killed_runs_left(footage: Path,
                                                              settings: Settings) -> None:
    """#17.3: derivative folders of rows a re-run ingest replaced, scratch of a dead
    analysis, render work of a job that is not running and idle .part files go; live ones
    stay."""
    import os

    from editron.jobs.orphans import PART_IDLE_SECONDS

    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    bdir = settings.batch_dir(batch.batch_id)
    live = {p.name for p in (bdir / "derived").iterdir()}
    left = [bdir / "derived" / "gone-file-id", bdir / "scratch" / "dead-analysis",
            settings.home_dir / "renders" / "no-such-job", bdir / "edits" / "s1" / "x.part"]
    for path in left:
        path.mkdir(parents=True)
        (path / "junk.bin").write_bytes(b"x" * 10)
    fresh_part = bdir / "downloads" / "now.mp4.part"
    fresh_part.parent.mkdir(parents=True, exist_ok=True)
    fresh_part.write_bytes(b"y")
    old = left[3].stat().st_mtime - PART_IDLE_SECONDS - 60
    os.utime(left[3], (old, old))
    dry = collect_garbage(settings=settings, dry_run=True)
    assert sorted(dry.orphans) == sorted(str(p) for p in left)
    assert dry.freed_bytes == 40 and all(p.exists() for p in left)
    done = collect_garbage(settings=settings)
    assert sorted(done.orphans) == sorted(str(p) for p in left) and done.freed_bytes == 40
    assert not any(p.exists() for p in left) and fresh_part.exists()
    assert {p.name for p in (bdir / "derived").iterdir()} == live
    assert collect_garbage(settings=settings, dry_run=True).orphans == []
