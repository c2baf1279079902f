"""Tier 4: ``render_video_deliverables`` — one render job per timeline (variant × aspect ratio)
and format, each rendered by one ffmpeg process from the originals, checked by QC, and
delivered; plus cancel, retry, and low-resolution review previews from the proxies.

A job renders into ``<home>/renders/<job id>/`` and only a file that passed QC is handed to
its destinations, which write under a temporary name and rename; the work folder is removed
whatever happens, so a crash or a cancel never leaves a partial file where people look.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models import RenderJob
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus, Priority, SessionStatus, Stage, TaskStatus
from editron.domain.timeline import Timeline
from editron.edit.exporters import export_timeline
from editron.errors import (
    DeliveryError,
    EditronError,
    InputError,
    InvalidStateError,
    ProcessCancelledError,
    ProcessTimeoutError,
    QcFailedError,
)
from editron.jobs.app import enqueue
from editron.jobs.registry import JobPayload, operation
from editron.logs import bind
from editron.media.ffmpeg import FfmpegProgress, run_ffmpeg
from editron.media.probe import declared_start, probe
from editron.render.destinations import parse_destination
from editron.render.graph import RenderSource, build_render_args
from editron.render.loudness import plan_loudness_cached
from editron.render.profiles import FORMATS, RenderProfile, codec_names, profile_for
from editron.render.qc import QcReport, QcSpec, read_black_log, run_qc
from editron.services.edit import deliverable_filename

__all__ = [
    "FORMATS",
    "TRANSIENT_RENDER_ERRORS",
    "RenderJobPublic",
    "RenderRequestPublic",
    "cancel_render_job",
    "default_destination",
    "get_render_job",
    "give_up_render_job",
    "list_session_renders",
    "process_render_job",
    "qc_spec_for",
    "render_previews",
    "render_video_deliverables",
    "retry_render_job",
    "run_render_job_inline",
]

log = logging.getLogger(__name__)
# Worth another attempt: the disk or the network hiccuped. A QC failure or a bad timeline
# would fail the same way again, so those fail at once.
TRANSIENT_RENDER_ERRORS: tuple[type[BaseException], ...] = (OSError, DeliveryError)
RENDER_OPERATION = "render_job"
_PROGRESS_EVERY_SECONDS = 1.0


class RenderJobRun(JobPayload):
    """The queued run of one render job (the render_jobs row carries the rest)."""

    render_job_id: str
_CANCEL_POLL_SECONDS = 0.5


class RenderJobPublic(BaseModel):
    id: str
    edit_session_id: str
    aspect_ratio: str
    variant: int
    format: str
    profile: str
    priority: str
    status: str
    progress_percent: float
    destinations: list[str]
    output_urls: list[str]
    qc: dict[str, Any]
    attempts: int
    last_error: str | None
    started_at: str | None
    completed_at: str | None

    @classmethod
    def of(cls, row: RenderJob) -> RenderJobPublic:
        return cls(id=row.id, edit_session_id=row.edit_session_id,
                   aspect_ratio=row.aspect_ratio, variant=row.variant, format=row.format,
                   profile=row.profile, priority=row.priority, status=row.status,
                   progress_percent=round(row.progress_percent, 2),
                   destinations=_destinations_of(row), output_urls=list(row.output_urls),
                   qc=dict(row.qc), attempts=row.attempts, last_error=row.last_error,
                   started_at=row.started_at, completed_at=row.completed_at)


class RenderRequestPublic(BaseModel):
    """The ``editron render --json`` document (DESIGN.md CLI contract)."""

    edit_session_id: str
    render_job_ids: list[str]
    jobs: list[RenderJobPublic]


def _destinations_of(row: RenderJob) -> list[str]:
    if not row.destination:
        return []
    try:
        value = json.loads(row.destination)
    except ValueError:
        return [row.destination]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _formats(formats: Sequence[str] | str | None) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats or ["mp4"])
    cleaned = list(dict.fromkeys(f.strip().lower().lstrip(".") for f in items if f.strip()))
    bad = [f for f in cleaned if f not in FORMATS]
    if bad:
        raise InputError(f"unknown render format {bad[0]!r}; use mp4, mov or webm")
    return cleaned or ["mp4"]


def _priority(priority: str) -> Priority:
    try:
        return Priority(priority.strip().lower())
    except ValueError:
        raise InputError(f"unknown priority {priority!r}; use low, standard or rush") from None


def default_destination(settings: Settings, session_id: str) -> str:
    return str(settings.home_dir / "deliveries" / session_id)


def render_video_deliverables(
    *,
    edit_session_id: str,
    destinations: Sequence[str] | str | None = None,
    formats: Sequence[str] | str | None = None,
    priority: str = Priority.STANDARD.value,
    profile: str | None = None,
    ratios: Sequence[str] | None = None,
    settings: Settings | None = None,
    enqueue_jobs: bool = True,
) -> RenderRequestPublic:
    """Create the session's render jobs and put them on the queue (``enqueue_jobs``), or leave
    them queued for the caller to run in-process with ``process_render_job``."""
    fmts = _formats(formats)
    rank = _priority(priority)
    settings = ready(settings)
    targets = [destinations] if isinstance(destinations, str) else list(destinations or [])
    targets = [t for t in targets if t.strip()] or [default_destination(settings,
                                                                        edit_session_id)]
    for target in targets:  # refuse a bad destination before any job exists
        parse_destination(target, settings=settings)
    with bind(session_id=edit_session_id), db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, edit_session_id)
        if row.status == SessionStatus.ASSEMBLING or not row.timelines:
            raise InvalidStateError(f"edit session {edit_session_id} is {row.status}; it has "
                                    "no timelines to render yet")
        timelines = [Timeline.from_dict(t) for t in row.timelines]
        if ratios:
            timelines = [t for t in timelines if t.aspect_ratio in set(ratios)]
        for tl in timelines:  # unknown profile names and mov/mp4 mismatches fail here
            for fmt in fmts:
                profile_for(tl.aspect_ratio, fmt, profile)
        if row.status == SessionStatus.NEEDSREVIEW:
            repos.edit_sessions.set_session_status(session, row, SessionStatus.APPROVED)
        if row.status != SessionStatus.RENDERING:
            repos.edit_sessions.set_session_status(session, row, SessionStatus.RENDERING)
        jobs = [repos.render_jobs.create_render_job(session, edit_session_id=edit_session_id,
                                                    aspect_ratio=tl.aspect_ratio, format=fmt,
                                                    profile=profile or "", variant=tl.variant,
                                                    destination=json.dumps(targets), priority=rank)
                for tl in timelines for fmt in fmts]
        repos.tasks.ensure_tasks(session, row.batch)
        repos.tasks.set_task(session, row.batch_id, Stage.RENDER, TaskStatus.IN_PROGRESS,
                             detail=f"{len(jobs)} render(s) queued")
        ids = [j.id for j in jobs]
    if enqueue_jobs:
        for job_id in ids:
            enqueue(RENDER_OPERATION, RenderJobRun(render_job_id=job_id), settings=settings,
                    priority=rank.value, entity_type="render_job", entity_id=job_id)
    return _request(settings, edit_session_id, ids)


def _request(settings: Settings, session_id: str, ids: Sequence[str]) -> RenderRequestPublic:
    with db(settings) as session:
        rows = [repos.render_jobs.get_render_job(session, i) for i in ids]
        return RenderRequestPublic(edit_session_id=session_id, render_job_ids=list(ids),
                                   jobs=[RenderJobPublic.of(r) for r in rows])


def get_render_job(job_id: str, *, settings: Settings | None = None) -> RenderJobPublic:
    settings = ready(settings)
    with db(settings) as session:
        return RenderJobPublic.of(repos.render_jobs.get_render_job(session, job_id))


def list_session_renders(session_id: str, *, settings: Settings | None = None
                         ) -> list[RenderJobPublic]:
    settings = ready(settings)
    with db(settings) as session:
        repos.edit_sessions.get_edit_session(session, session_id)
        return [RenderJobPublic.of(r)
                for r in repos.render_jobs.list_render_jobs(session, edit_session_id=session_id)]


def qc_spec_for(timeline: Timeline, profile: RenderProfile) -> QcSpec:
    """What QC expects of a render: the timeline's frames at its rate, the profile's size and
    codecs and loudness; black from dips and silence from mute clips are planned."""
    rate = timeline.rate
    black: list[tuple[float, float]] = []
    silence: list[tuple[float, float]] = []
    for clip in timeline.clips:
        t = clip.transition_in
        if t.kind == "dip_to_black" and t.frames:
            black.append((rate.seconds(clip.record_start - t.frames),
                          rate.seconds(clip.record_start + t.frames)))
        if not clip.audio and timeline.music is None:
            silence.append((rate.seconds(clip.record_start), rate.seconds(clip.record_end)))
    vcodec, acodec = codec_names(profile)
    return QcSpec(expected_frames=timeline.duration_frames, rate_num=rate.num,
                  rate_den=rate.den, width=profile.width, height=profile.height,
                  video_codec=vcodec, audio_codec=acodec,
                  loudness_target=profile.loudness_target_lufs,
                  planned_black=tuple(black), planned_silence=tuple(silence))


def _sources(timeline: Timeline) -> dict[str, RenderSource]:
    out: dict[str, RenderSource] = {}
    for file_id, info in timeline.media.items():
        path = Path(info.path)
        if not path.is_file():
            raise InvalidStateError(f"{path.name}: the original is missing from storage "
                                    f"({path}); ingest the footage again", path=str(path))
        out[file_id] = RenderSource(path, info.width, info.height, info.has_audio,
                                    declared_start(path))
    return out


class _JobWatch:
    """Progress events at most once a second, and the cancel flag read from the database."""

    def __init__(self, settings: Settings, job_id: str, duration: float,
                 should_cancel: Callable[[], bool] | None,
                 on_progress: Callable[[float], None] | None, *, frame_rate: float) -> None:
        self._settings, self._job_id, self._duration = settings, job_id, duration
        self._frame_rate = frame_rate
        self._external, self._callback = should_cancel, on_progress
        self._last_event = 0.0
        self._percent = 0.0
        self._last_poll = 0.0
        self._cancelled = False
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def encode_started(self) -> None:
        """The render's ffmpeg starts now: ETA and fps count from here, not from the
        loudness plan before it."""
        self._started = time.monotonic()

    def progress(self, p: FfmpegProgress) -> None:
        if p.done:  # ffmpeg's closing block carries no time; completion reports 100 %
            return
        now = time.monotonic()
        percent = min(99.0, 100.0 * p.out_time / self._duration) if self._duration else 0.0
        percent = self._percent = max(self._percent, percent)
        if self._callback is not None:
            self._callback(percent)
        if now - self._last_event < _PROGRESS_EVERY_SECONDS:
            return
        self._last_event = now
        elapsed = now - self._started
        eta = elapsed * (100.0 - percent) / percent if percent > 0.5 else None
        # ffmpeg reports 0 fps until it has encoded for a while; the output written so far
        # over the time taken says it from the first report on
        fps = p.fps if p.fps else (p.out_time * self._frame_rate / elapsed
                                   if p.out_time > 0 and elapsed > 0 else None)
        with db(self._settings) as session:
            row = repos.render_jobs.get_render_job(session, self._job_id)
            if row.status == JobStatus.RENDERING:
                repos.render_jobs.set_job_progress(session, row, percent, eta_seconds=eta, fps=fps,
                                                   speed=p.speed)

    def cancelled(self) -> bool:
        if self._external is not None and self._external():
            return True
        now = time.monotonic()
        with self._lock:
            if self._cancelled or now - self._last_poll < _CANCEL_POLL_SECONDS:
                return self._cancelled
            self._last_poll = now
        with db(self._settings) as session:
            status = repos.render_jobs.get_render_job(session, self._job_id).status
        with self._lock:
            self._cancelled = status == JobStatus.CANCELLED
            return self._cancelled


def process_render_job(job_id: str, *, settings: Settings | None = None,
                       should_cancel: Callable[[], bool] | None = None,
                       on_progress: Callable[[float], None] | None = None) -> RenderJobPublic:
    """Render, check and deliver one job now. Safe to call again after a crash: a job left
    ``rendering`` by a dead worker starts over; a finished or cancelled one is left alone."""
    settings = ready(settings)
    with bind(job_id=job_id), db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status in (JobStatus.COMPLETE, JobStatus.CANCELLED):
            return RenderJobPublic.of(row)
        if row.status == JobStatus.RENDERING:  # its worker died mid-render: start over
            repos.render_jobs.set_job_status(session, row, JobStatus.QUEUED)
        elif row.status == JobStatus.FAILED:
            raise InvalidStateError(f"render job {job_id} failed; retry it with "
                                    f"`editron render --retry {job_id}`")
        repos.render_jobs.set_job_status(session, row, JobStatus.RENDERING)
        edit = repos.edit_sessions.get_edit_session(session, row.edit_session_id)
        if edit.status != SessionStatus.RENDERING:
            repos.edit_sessions.set_session_status(session, edit, SessionStatus.RENDERING)
        timeline = next((Timeline.from_dict(t) for t in edit.timelines
                         if t["aspect_ratio"] == row.aspect_ratio
                         and int(t["variant"]) == row.variant), None)
        fmt, profile_name, targets = row.format, row.profile or None, _destinations_of(row)
        session_id, variants = edit.id, edit.variants
    work = settings.home_dir / "renders" / job_id
    try:
        if timeline is None:
            raise InvalidStateError(f"edit session {session_id} has no {row.aspect_ratio} "
                                    f"timeline for variant {row.variant}")
        profile = profile_for(timeline.aspect_ratio, fmt, profile_name,
                              loudness=settings.render_loudness_lufs)
        name = deliverable_filename(timeline.deliverable, timeline.variant,
                                    timeline.aspect_ratio, profile.container, variants=variants)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        output = work / name
        report = _render_and_check(timeline, profile, output, work, settings=settings,
                                   watch=_JobWatch(settings, job_id, timeline.duration,
                                                   should_cancel, on_progress,
                                                   frame_rate=timeline.rate.fps))
        if not report.passed:
            with db(settings) as session:
                row = repos.render_jobs.get_render_job(session, job_id)
                repos.render_jobs.update_render_job(session, row, qc=report.to_dict())
            raise QcFailedError(f"QC failed for {name}: {', '.join(report.flags)}")
        urls = [parse_destination(t, settings=settings).deliver(output, name).url
                for t in targets]
    except ProcessCancelledError:
        log.info("render job %s cancelled", job_id)
        _settle_session(settings, session_id)
        return get_render_job(job_id, settings=settings)
    except TRANSIENT_RENDER_ERRORS as exc:
        if isinstance(exc, DeliveryError) and not exc.transient:  # bad token, no space...
            _fail_job(settings, job_id, exc.message)
            raise EditronError(exc.message, path=exc.path) from exc
        with db(settings) as session:  # the queue will run it again; show it waiting
            row = repos.render_jobs.get_render_job(session, job_id)
            if row.status == JobStatus.RENDERING:
                repos.render_jobs.set_job_status(session, row, JobStatus.QUEUED)
                repos.render_jobs.update_render_job(session, row,
                                                    last_error=f"{type(exc).__name__}: {exc}")
        raise
    except (EditronError, ValueError) as exc:
        reason = exc.message if isinstance(exc, EditronError) else str(exc)
        if isinstance(exc, ProcessTimeoutError):
            reason = f"timed out after {settings.render_timeout_seconds:.0f} s: {reason}"
        _fail_job(settings, job_id, reason)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status == JobStatus.RENDERING:
            repos.render_jobs.update_render_job(session, row, output_urls=urls, qc=report.to_dict(),
                                                last_error=None)
            repos.render_jobs.set_job_status(session, row, JobStatus.COMPLETE)
    _settle_session(settings, session_id)
    return get_render_job(job_id, settings=settings)


def _render_and_check(timeline: Timeline, profile: RenderProfile, output: Path, work: Path, *,
                      settings: Settings, watch: _JobWatch) -> QcReport:
    captions = None
    if timeline.captions:
        captions = work / "captions.ass"
        captions.write_text(str(export_timeline(timeline, "ass")), encoding="utf-8")
    sources = _sources(timeline)
    plan = plan_loudness_cached(timeline, profile, sources=sources,
                                cache_dir=settings.loudness_cache_dir,
                                timeout=settings.render_timeout_seconds)
    black_log = work / "black.log"  # the render measures its own black runs for QC
    args = build_render_args(timeline, profile, sources=sources, output=output,
                             captions_ass=captions, gain_db=plan.gain_db, black_log=black_log)
    watch.encode_started()
    run_ffmpeg(args, duration=timeline.duration, on_progress=watch.progress,
               should_cancel=watch.cancelled, timeout=settings.render_timeout_seconds,
               label="render", path=output)
    # QC checks the loudness the plan could reach: a near-silent program is not lifted into
    # hiss just to meet the platform target (the plan's note says so in the log).
    spec = replace(qc_spec_for(timeline, profile), loudness_target=plan.expected_lufs)
    black = read_black_log(black_log, until=timeline.duration) if black_log.exists() else None
    return run_qc(output, spec, should_cancel=watch.cancelled, black_segments=black)


def _fail_job(settings: Settings, job_id: str, reason: str) -> None:
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status in (JobStatus.QUEUED, JobStatus.RENDERING):
            repos.render_jobs.set_job_status(session, row, JobStatus.FAILED, last_error=reason)
        session_id = row.edit_session_id
    log.error("render job %s failed: %s", job_id, reason)
    _settle_session(settings, session_id)


def give_up_render_job(job_id: str, reason: str, *, settings: Settings) -> None:
    """The queue will not run the job again (attempts used up): fail it for good."""
    _fail_job(settings, job_id, reason)


def _give_up_queued(job: RenderJobRun, reason: str, settings: Settings) -> None:
    give_up_render_job(job.render_job_id, reason, settings=settings)


@operation(RENDER_OPERATION, RenderJobRun, on_give_up=_give_up_queued,
           transient=TRANSIENT_RENDER_ERRORS)
def _run_render(job: RenderJobRun, settings: Settings) -> None:
    process_render_job(job.render_job_id, settings=settings)


def _settle_session(settings: Settings, session_id: str) -> None:
    """The session and its render card follow the renders once none is waiting or running."""
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id)
        jobs = repos.render_jobs.list_render_jobs(session, edit_session_id=session_id)
        live = [j for j in jobs if j.status in (JobStatus.QUEUED, JobStatus.RENDERING)]
        if live or edit.status != SessionStatus.RENDERING:
            if live:
                done = sum(j.status == JobStatus.COMPLETE for j in jobs)
                repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.IN_PROGRESS,
                                     detail=f"{done} of {len(jobs)} render(s) done")
            return
        failed = [j for j in jobs if j.status == JobStatus.FAILED]
        complete = [j for j in jobs if j.status == JobStatus.COMPLETE]
        if failed or not complete:
            reason = (f"{len(failed)} render(s) failed: " + "; ".join(
                f"{j.aspect_ratio} v{j.variant} {j.format}: {j.last_error}" for j in failed)
                if failed else "every render was cancelled")
            repos.edit_sessions.set_session_status(session, edit, SessionStatus.FAILED,
                                                   last_error=reason)
            repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.FAILED,
                                 detail=reason[:500])
            return
        repos.edit_sessions.set_session_status(session, edit, SessionStatus.COMPLETE)
        repos.tasks.set_task(session, edit.batch_id, Stage.RENDER, TaskStatus.DONE,
                             detail=f"{len(complete)} render(s) passed QC")
        delivered = sum(len(j.output_urls) for j in complete)
        repos.tasks.set_task(session, edit.batch_id, Stage.DELIVER, TaskStatus.DONE,
                             detail=f"{delivered} file(s) delivered")


def cancel_render_job(job_id: str, *, settings: Settings | None = None) -> RenderJobPublic:
    """Cancel a queued or running render; a running ffmpeg is stopped within a second and its
    temporary files removed."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status not in (JobStatus.QUEUED, JobStatus.RENDERING):
            raise InvalidStateError(f"render job {job_id} is {row.status}; only a queued or "
                                    "rendering job can be cancelled")
        was_queued = row.status == JobStatus.QUEUED
        repos.render_jobs.set_job_status(session, row, JobStatus.CANCELLED)
        session_id = row.edit_session_id
    if was_queued:
        _settle_session(settings, session_id)
    return get_render_job(job_id, settings=settings)


def retry_render_job(job_id: str, *, settings: Settings | None = None,
                     enqueue_job: bool = True) -> RenderJobPublic:
    """Queue a failed or cancelled render again."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise InvalidStateError(f"render job {job_id} is {row.status}; only a failed or "
                                    "cancelled job can be retried")
        repos.render_jobs.set_job_status(session, row, JobStatus.QUEUED)
        edit = repos.edit_sessions.get_edit_session(session, row.edit_session_id)
        if edit.status != SessionStatus.RENDERING:
            repos.edit_sessions.set_session_status(session, edit, SessionStatus.RENDERING)
        priority = row.priority
    if enqueue_job:
        enqueue(RENDER_OPERATION, RenderJobRun(render_job_id=job_id), settings=settings,
                priority=priority, entity_type="render_job", entity_id=job_id)
    return get_render_job(job_id, settings=settings)


def render_previews(session_id: str, *, settings: Settings | None = None,
                    should_cancel: Callable[[], bool] | None = None) -> dict[str, str]:
    """A small fast render of every timeline from the proxies (originals where a proxy is
    missing), for review in the dashboard; stored on the session as ``preview_paths``."""
    settings = ready(settings)
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id)
        timelines = [Timeline.from_dict(t) for t in edit.timelines]
        proxies = {f.id: f.proxy_path for f in repos.files.list_files(session, edit.batch_id)}
        folder = settings.batch_dir(edit.batch_id) / "edits" / session_id / "previews"
        variants = edit.variants
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    for tl in timelines:
        sources = _sources(tl)
        for file_id, src in list(sources.items()):
            proxy = proxies.get(file_id)
            if proxy and Path(proxy).is_file():
                p = probe(Path(proxy))
                sources[file_id] = RenderSource(Path(proxy), p.width or src.width,
                                                p.height or src.height, src.has_audio,
                                                declared_start(Path(proxy)))
        profile = profile_for(tl.aspect_ratio, "mp4", "preview")
        name = deliverable_filename(tl.deliverable, tl.variant, tl.aspect_ratio, "mp4",
                                    variants=variants)
        part = folder / f".{name}.part.mp4"
        captions = None
        if tl.captions:
            captions = folder / f".{name}.ass"
            captions.write_text(str(export_timeline(tl, "ass")), encoding="utf-8")
        try:
            run_ffmpeg(build_render_args(tl, profile, sources=sources, output=part,
                                         captions_ass=captions),
                       duration=tl.duration, should_cancel=should_cancel,
                       timeout=settings.render_timeout_seconds, label="preview", path=part)
            part.replace(folder / name)
        finally:
            part.unlink(missing_ok=True)
            if captions is not None:
                captions.unlink(missing_ok=True)
        paths[f"{tl.aspect_ratio} v{tl.variant}"] = str(folder / name)
    with db(settings) as session:
        edit = repos.edit_sessions.get_edit_session(session, session_id)
        repos.edit_sessions.update_edit_session(session, edit, preview_paths=paths)
    return paths


def run_render_job_inline(job_id: str, *, settings: Settings | None = None,
                          on_progress: Callable[[float], None] | None = None
                          ) -> RenderJobPublic:
    """Run a job here and now (no queue), retrying transient failures like a worker would;
    returns the job however it ended instead of raising."""
    settings = ready(settings)
    for attempt in range(1, settings.job_max_attempts + 1):
        try:
            return process_render_job(job_id, settings=settings, on_progress=on_progress)
        except TRANSIENT_RENDER_ERRORS as exc:
            if attempt == settings.job_max_attempts:
                give_up_render_job(job_id, f"{type(exc).__name__}: {exc} (after {attempt} "
                                   "attempts)", settings=settings)
            else:
                time.sleep(min(30.0, settings.job_backoff_base_seconds * 2 ** (attempt - 1)))
        except EditronError:
            break
    return get_render_job(job_id, settings=settings)
