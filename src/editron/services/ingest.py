"""Tier 0: ``ingest_media_batch`` — create a batch, stage its files, probe, dedupe, derive.

The request is validated (source parsed, tier and project checked) before anything is written,
so bad input costs nothing. The work itself (``process_ingest``) is idempotent: a retried job
after a worker crash clears the half-made file rows and starts over, resuming any partial
download from its ``.part`` file.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from editron.config import Settings, get_settings
from editron.db import repos
from editron.db.models import MediaBatch
from editron.db.repos.events import append_event
from editron.db.repos.job_runs import RunSnapshot
from editron.db.runtime import db, ready
from editron.domain.media import MediaProbe, StagedFile
from editron.domain.status import BatchStatus, FileStatus, Stage, StorageTier, TaskStatus
from editron.errors import EditronError, InputError
from editron.ingest.progress import ProgressSink
from editron.ingest.sources import parse_source
from editron.jobs.app import enqueue
from editron.jobs.inline import begin_run, stage_run
from editron.jobs.registry import JobPayload, operation
from editron.logs import bind
from editron.media.derivatives import make_derivatives
from editron.media.probe import probe
from editron.media.streams import probe_notes
from editron.services.card_progress import CardProgress, ingest_percent
from editron.services.runs import interrupted_ingest
from editron.services.schemas import BatchPublic
from editron.services.staging import stage_source
from editron.store import batch_key, key_of, publish

__all__ = ["INGEST_OPERATION", "IngestJob", "get_batch", "give_up_ingest", "ingest_media_batch",
           "list_batches", "process_ingest"]

log = logging.getLogger(__name__)
INGEST_OPERATION = "ingest_media_batch"


class IngestJob(JobPayload):
    """The queued ingest of one created batch."""

    batch_id: str


def _tier(value: str) -> StorageTier:
    try:
        return StorageTier(value)
    except ValueError:
        raise InputError(
            f"unknown storage tier {value!r}: use one of hot, warm, cold"
        ) from None


def _retention_days(settings: Settings, tier: StorageTier) -> int:
    return {
        StorageTier.HOT: settings.retention_days_hot,
        StorageTier.WARM: settings.retention_days_warm,
        StorageTier.COLD: settings.retention_days_cold,
    }[tier]


def ingest_media_batch(
    *,
    source_url: str,
    reference_name: str | None = None,
    storage_tier: str = "hot",
    checksum_required: bool = True,
    project_id: str | None = None,
    settings: Settings | None = None,
    progress: ProgressSink | None = None,
    defer: bool = False,
    remote: bool = False,
    resume: bool = False,
) -> BatchPublic:
    """Create a batch for ``source_url`` and ingest it now, or enqueue it when ``defer``.

    ``remote``: the caller came over the network (HTTP, MCP), so a local source must lie
    inside the operator's import roots (``EDITRON_IMPORT_ROOTS``); the CLI leaves it off.
    ``resume``: a batch from the same source (and project) whose in-process ingest was
    interrupted is taken over and finished instead of a new one being made (the CLI's
    default; ``editron ingest --new`` turns it off)."""
    settings = settings or get_settings()
    roots = settings.import_root_dirs if remote else None
    spec = parse_source(source_url, import_roots=roots)  # InputError before any work starts
    tier = _tier(storage_tier)
    settings = ready(settings)
    # Local paths are stored resolved so a worker elsewhere in the tree finds them.
    stored = source_url if spec.is_remote else spec.location
    found = interrupted_ingest(stored, project_id=project_id, settings=settings) if (
        resume and not defer) else None
    if found is not None:
        return _ingest_under(found[0], found[1], settings=settings, progress=progress)
    with db(settings) as session:
        if project_id is not None:
            repos.projects.get_project(session, project_id)
        batch = repos.batches.create_batch(
            session, reference_name=reference_name or spec.reference_name, source_url=stored,
            source_type=spec.kind.value, storage_tier=tier.value,
            checksum_required=checksum_required, project_id=project_id)
        retention = datetime.now(UTC) + timedelta(days=_retention_days(settings, tier))
        repos.batches.update_batch(session, batch,
                                   storage_path=batch_key(batch.id),
                                   retention_until=retention.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        repos.tasks.ensure_tasks(session, batch)
        batch_id = batch.id
        # The batch and its run are written together: a kill at any point leaves a run.
        claimed = None if defer else begin_run(
            session, INGEST_OPERATION, IngestJob(batch_id=batch_id), settings=settings,
            entity_type="batch", entity_id=batch_id)
    if claimed is None:
        enqueue(INGEST_OPERATION, IngestJob(batch_id=batch_id), settings=settings,
                entity_type="batch", entity_id=batch_id)
        return get_batch(batch_id, settings=settings)
    return _ingest_under(batch_id, claimed, settings=settings, progress=progress)


def _ingest_under(batch_id: str, claimed: RunSnapshot, *, settings: Settings,
                  progress: ProgressSink | None) -> BatchPublic:
    """The ingest of ``batch_id`` here and now, under the run this process holds."""
    with stage_run(INGEST_OPERATION, IngestJob(batch_id=batch_id), settings=settings,
                   entity_type="batch", entity_id=batch_id, claimed=claimed):
        process_ingest(batch_id, settings=settings, progress=progress)
    return get_batch(batch_id, settings=settings)


class _EventProgress:
    """Forwards progress to the CLI's bars and, at most twice a second, to the event log."""

    def __init__(self, settings: Settings, batch_id: str, inner: ProgressSink | None) -> None:
        self._settings, self._batch_id, self._inner = settings, batch_id, inner
        self._last = 0.0
        self._card = CardProgress(settings, batch_id, Stage.INGEST)

    def on_bytes(self, name: str, done: int, total: int | None) -> None:
        if self._inner is not None:
            self._inner.on_bytes(name, done, total)
        if total:
            self._card.set(min(ingest_percent(staged=done / total), 99.0))
        now = time.monotonic()
        if now - self._last >= 0.5 or (total is not None and done >= total):
            self._last = now
            self._event("batch.download_progress", {"file": name, "bytes_done": done,
                                                   "bytes_total": total})

    def on_file(self, name: str, index: int, count: int) -> None:
        if self._inner is not None:
            self._inner.on_file(name, index, count)
        self._card.set(min(ingest_percent(file_index=index, file_count=count), 99.0))
        self._event("batch.file_progress", {"file": name, "index": index, "count": count})

    def _event(self, kind: str, payload: dict[str, Any]) -> None:
        with db(self._settings) as session:
            append_event(session, entity_type="batch", entity_id=self._batch_id,
                         event_type=kind, payload=payload, batch_id=self._batch_id)


def process_ingest(
    batch_id: str, *, settings: Settings, progress: ProgressSink | None = None
) -> None:
    """Do the ingest work for a created batch. Safe to run again after a crash."""
    with bind(batch_id=batch_id), db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        repos.files.delete_files(session, batch)  # a retried job starts from a clean slate
        # ...and so do the files' derivatives, named by the file rows just deleted.
        shutil.rmtree(settings.batch_dir(batch_id) / "derived", ignore_errors=True)
        repos.batches.set_batch_status(session, batch, BatchStatus.DOWNLOADING)
        repos.tasks.set_task(session, batch_id, Stage.INGEST, TaskStatus.IN_PROGRESS,
                             detail="bringing files in")
        spec = parse_source(batch.fetch_url)
        tier = StorageTier(batch.storage_tier)
        checksum = batch.checksum_required
    batch_dir = settings.batch_dir(batch_id)
    sink = _EventProgress(settings, batch_id, progress)
    try:
        staged = stage_source(spec, batch_dir / "originals", settings=settings, checksum=checksum,
                              keep_at_source=tier is StorageTier.COLD, progress=sink)
    except EditronError as exc:
        _finish_failed(settings, batch_id, exc.message)
        raise
    with db(settings) as session:
        repos.batches.update_batch(session, repos.batches.get_batch(session, batch_id), metadata={
            "skipped": staged.skipped,
            "source_errors": [{"filename": n, "error": e} for n, e in staged.errors]})
    total = len(staged.files)
    for index, item in enumerate(staged.files, start=1):
        sink.on_file(item.relative_name, index, total)
        _ingest_one(settings, batch_id, item, tier=tier, batch_dir=batch_dir)
    _finish(settings, batch_id)


def _ingest_one(settings: Settings, batch_id: str, item: StagedFile, *, tier: StorageTier,
                batch_dir: Path) -> None:
    """One staged file: a duplicate, a rejected file, or a new row whose derivatives follow."""
    staged_here = item.path.is_relative_to(batch_dir)
    with bind(batch_id=batch_id), db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        fields: dict[str, Any] = {
            "filename": Path(item.relative_name).name,
            "relative_path": item.relative_name,
            "size_bytes": item.size_bytes,
            "checksum_sha256": item.checksum_sha256,
            "source_url": item.source_url or (
                str(item.path) if tier is StorageTier.COLD else None),
        }
        original = repos.files.find_file_by_checksum(session, batch_id, item.checksum_sha256)
        if original is not None:
            if staged_here:
                item.path.unlink(missing_ok=True)
            repos.files.add_file(session, batch, event_type="file.duplicate",
                                 detail={"duplicate_of": original.id},
                                 status=FileStatus.DUPLICATE.value, duplicate_of=original.id,
                                 storage_path=original.storage_path, **fields)
            return
        try:
            info = probe(item.path)
        except EditronError as exc:
            if staged_here:
                item.path.unlink(missing_ok=True)
            repos.files.add_file(session, batch, event_type="file.failed",
                                 detail={"error": exc.message}, status=FileStatus.FAILED.value,
                                 error=exc.message, storage_path=None, **fields)
            log.warning("file %s rejected: %s", item.relative_name, exc.message)
            return
        remote = tier is StorageTier.COLD and fields["source_url"] is not None
        if remote and staged_here:
            # Cold: a downloaded original is dropped once probed; it is fetched again on demand.
            item.path.unlink(missing_ok=True)
        note = ({"note": "kept locally: an archive member cannot be fetched from the source "
                         "on its own"} if tier is StorageTier.COLD and not remote else {})
        note.update(probe_notes(info))  # the audio stream used, an HDR source's tone-mapping
        row = repos.files.add_file(
            session, batch, status=(FileStatus.REMOTE if remote else FileStatus.READY).value,
            storage_path=None if remote else _kept(settings, item.path), file_metadata=note,
            **fields, **_probe_columns(info))
        file_id = row.id
    derived, problem = ({}, None) if tier is StorageTier.COLD else _derive(
        item, batch_dir / "derived" / file_id, info, tier)
    derived = {k: v if v is None else _kept(settings, Path(v)) for k, v in derived.items()}
    with db(settings) as session:
        row = repos.files.get_file(session, file_id)
        if problem is not None:
            derived["file_metadata"] = {**row.file_metadata, "derivative_error": problem}
        repos.files.update_file(session, row, **derived)
        append_event(session, entity_type="file", entity_id=file_id, event_type="file.ingested",
                     batch_id=batch_id,
                     payload={"filename": item.relative_name, "duration": info.duration_seconds,
                              "resolution": info.resolution})


def _derive(item: StagedFile, folder: Path, info: MediaProbe, tier: StorageTier
            ) -> tuple[dict[str, Any], str | None]:
    """The derivative columns (proxy, poster, sprite, waveform), or why they failed: a file
    without derivatives is still usable, only slower to review."""
    try:
        outputs = make_derivatives(item.path, folder, info, tier=tier.value)
    except EditronError as exc:
        log.warning("derivatives for %s failed: %s", item.relative_name, exc.message)
        return {}, exc.message
    return {"proxy_path": _str(outputs.proxy), "poster_path": _str(outputs.poster),
            "sprite_path": _str(outputs.sprite), "waveform_path": _str(outputs.waveform)}, None


def _kept(settings: Settings, path: Path) -> str:
    """What the row keeps for a file: its media-store key once it is in the store when it
    was written under the storage folder; a file kept at its source (a cold original) by
    its path."""
    if key_of(path, settings.storage_dir) is None:
        return str(path)
    return publish(settings, path)


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def _probe_columns(info: MediaProbe) -> dict[str, Any]:
    return {
        "container": info.container,
        "duration_seconds": info.duration_seconds,
        "resolution": info.resolution,
        "width": info.width,
        "height": info.height,
        "rotation": info.rotation,
        "codec": info.codec,
        "fps": info.fps,
        "is_vfr": info.is_vfr,
        "has_video": info.has_video,
        "has_audio": info.has_audio,
        "audio_codec": info.audio.codec if info.audio else None,
        "audio_channels": info.audio.channels if info.audio else None,
        "audio_sample_rate": info.audio.sample_rate if info.audio else None,
        "creation_time": info.creation_time,
        "timecode": info.timecode,
    }


def _finish(settings: Settings, batch_id: str) -> None:
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        good = [f for f in batch.files if f.status in (FileStatus.READY, FileStatus.REMOTE)]
        repos.batches.update_batch(session, batch, file_count=len(good),
                                   total_size_bytes=sum(f.size_bytes for f in good))
        if good:
            repos.batches.set_batch_status(session, batch, BatchStatus.READY)
            failed = sum(1 for f in batch.files if f.status == FileStatus.FAILED)
            detail = f"{len(good)} file(s) ready" + (f", {failed} rejected" if failed else "")
            repos.tasks.set_task(session, batch_id, Stage.INGEST, TaskStatus.DONE, detail=detail,
                                 progress=100.0)
            return
    _finish_failed(settings, batch_id, _failure_reason(settings, batch_id))


def _failure_reason(settings: Settings, batch_id: str) -> str:
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        reasons = [f"{f.relative_path}: {f.error}" for f in batch.files if f.error]
        reasons += [f"{e['filename']}: {e['error']}"
                    for e in (batch.batch_metadata or {}).get("source_errors", [])]
    if not reasons:
        return "no media files found in the source"
    return "no file could be ingested; " + "; ".join(reasons[:5])


def _finish_failed(settings: Settings, batch_id: str, reason: str) -> None:
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        repos.batches.set_batch_status(session, batch, BatchStatus.FAILED, last_error=reason)
        repos.tasks.set_task(session, batch_id, Stage.INGEST, TaskStatus.FAILED, detail=reason)


def give_up_ingest(job: IngestJob, reason: str, settings: Settings) -> None:
    """The queue's last word on a job that kept crashing: the batch must not stay 'downloading'."""
    _finish_failed(settings, job.batch_id, f"ingest gave up: {reason}")


@operation(INGEST_OPERATION, IngestJob, on_give_up=give_up_ingest, queue="ingest")
def _run_ingest(job: IngestJob, settings: Settings) -> None:
    process_ingest(job.batch_id, settings=settings)


def get_batch(batch_id: str, *, settings: Settings | None = None) -> BatchPublic:
    settings = ready(settings)
    with db(settings) as session:
        return BatchPublic.of(repos.batches.get_batch(session, batch_id))


def list_batches(
    *, settings: Settings | None = None, status: str | None = None,
    project_id: str | None = None, limit: int = 50, offset: int = 0,
) -> list[BatchPublic]:
    settings = ready(settings)
    with db(settings) as session:
        rows: list[MediaBatch] = repos.batches.list_batches(session, status=status,
                                                            project_id=project_id,
                                                            limit=limit, offset=offset)
        return [BatchPublic.of(b) for b in rows]
