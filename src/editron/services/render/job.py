"""Tier 4: ``render_video_deliverables`` — one render job per timeline (variant × aspect ratio)
and format, each rendered by one ffmpeg process from the originals, checked by QC, and
delivered; plus cancel, retry, and low-resolution review previews from the proxies.

A job renders into ``<home>/renders/<job id>/<claim>/`` (a folder per claim) and only a file
that passed QC is handed to its destinations, which write under a temporary name and rename;
the work folder is removed whatever happens, so a crash or a cancel never leaves a partial
file where people look.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.status import JobStatus, SessionStatus
from editron.domain.timeline import Timeline
from editron.edit.captions import burn_in_fonts
from editron.edit.exporters import export_timeline
from editron.errors import (
    DeliveryError,
    EditronError,
    InvalidStateError,
    MediaError,
    NotFoundError,
    ProcessCancelledError,
    ProcessCrashedError,
    ProcessTimeoutError,
    QcFailedError,
    StoreUnavailableError,
)
from editron.jobs.execution import lease_lost_check
from editron.jobs.registry import operation
from editron.logs import bind
from editron.media.colour import tonemap_method
from editron.media.ffmpeg import FfmpegProgress, run_ffmpeg
from editron.media.probe import declared_start
from editron.media.streams import source_facts
from editron.render.destinations import parse_destination
from editron.render.graph import build_render_args
from editron.render.loudness import plan_loudness_cached
from editron.render.profiles import RenderProfile, codec_names, profile_for
from editron.render.qc import QcReport, run_qc
from editron.render.qc_parse import QcSpec, read_black_log
from editron.render.segments import RenderSource
from editron.services.media_access import local_media_path
from editron.services.render.public import (
    RENDER_OPERATION,
    RenderJobPublic,
    RenderJobRun,
    destinations_of,
    get_render_job,
)
from editron.services.render.settle import fail_job, give_up_render_job, settle_session
from editron.services.render.stored import render_folder, store_render
from editron.services.timeline_exports import deliverable_filename
from editron.store import is_key

__all__ = ["TRANSIENT_RENDER_ERRORS", "process_render_job", "qc_spec_for", "sources_for"]

log = logging.getLogger(__name__)
# Worth another attempt: the disk, the network or the media store hiccuped, or ffmpeg was
# killed by a signal (a crash, the OOM killer). A QC failure or a bad timeline would fail the
# same way again, so those fail at once.
TRANSIENT_RENDER_ERRORS: tuple[type[BaseException], ...] = (
    OSError, DeliveryError, ProcessCrashedError, StoreUnavailableError)
_PROGRESS_EVERY_SECONDS = 1.0


_CANCEL_POLL_SECONDS = 0.5


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


def sources_for(timeline: Timeline, *, settings: Settings | None = None
                ) -> dict[str, RenderSource]:
    """Each clip's source file. With ``settings`` the originals are found by file id through
    the media store: a saved timeline names them by key (a legacy one by the path they had
    on the host that assembled it)."""
    out: dict[str, RenderSource] = {}
    for file_id, info in timeline.media.items():
        path = Path(info.path)
        if settings is not None and (is_key(info.path) or not path.is_file()):
            with suppress(MediaError, NotFoundError):  # said below, with the timeline's path
                path = local_media_path(file_id, settings=settings)
        if not path.is_file():
            raise InvalidStateError(f"{path.name}: the original is missing from storage "
                                    f"({path}); ingest the footage again", path=str(path))
        facts = source_facts(path)
        out[file_id] = RenderSource(path, info.width, info.height, info.has_audio,
                                    declared_start(path), audio_stream=facts.audio_stream,
                                    transfer=facts.transfer, primaries=facts.primaries,
                                    matrix=facts.matrix,
                                    tonemap=tonemap_method() if facts.transfer else "zscale")
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
    claimed = _claim(settings, job_id)
    if isinstance(claimed, RenderJobPublic):
        return claimed
    # a folder per claim: a worker presumed dead that is still encoding on this host never
    # shares (or deletes) the folder of the worker that took its job over
    work = settings.home_dir / "renders" / job_id / uuid.uuid4().hex[:12]
    try:
        urls, report, key = _render_and_deliver(settings, job_id, claimed, work,
                                                should_cancel=should_cancel,
                                                on_progress=on_progress)
    except ProcessCancelledError:
        log.info("render job %s stopped (cancelled, or taken over by another worker)", job_id)
        settle_session(settings, claimed.session_id)
        return get_render_job(job_id, settings=settings)
    except TRANSIENT_RENDER_ERRORS as exc:
        if isinstance(exc, DeliveryError) and not exc.transient:  # bad token, no space...
            fail_job(settings, job_id, exc.message)
            raise EditronError(exc.message, path=exc.path) from exc
        _show_waiting(settings, job_id, exc)
        raise
    except (EditronError, ValueError) as exc:
        reason = exc.message if isinstance(exc, EditronError) else str(exc)
        if isinstance(exc, ProcessTimeoutError):
            reason = f"timed out after {settings.render_timeout_seconds:.0f} s: {reason}"
        fail_job(settings, job_id, reason)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):  # the job's folder, once no claim uses it
            work.parent.rmdir()
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status == JobStatus.RENDERING:
            repos.render_jobs.update_render_job(session, row, output_urls=urls, qc=report.to_dict(),
                                                output_key=key, last_error=None)
            repos.render_jobs.set_job_status(session, row, JobStatus.COMPLETE)
    settle_session(settings, claimed.session_id)
    return get_render_job(job_id, settings=settings)


@dataclass(frozen=True, slots=True)
class _Claimed:
    """What a render job needs from the database, read when it was marked ``rendering``."""

    timeline: Timeline | None
    aspect_ratio: str
    variant: int
    fmt: str
    profile_name: str | None
    targets: list[str]
    session_id: str
    batch_id: str
    variants: int


def _claim(settings: Settings, job_id: str) -> _Claimed | RenderJobPublic:
    """Mark the job (and its session) ``rendering``; a finished or cancelled job is returned
    as it is."""
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
        return _Claimed(timeline=timeline, aspect_ratio=row.aspect_ratio, variant=row.variant,
                        fmt=row.format, profile_name=row.profile or None,
                        targets=destinations_of(row), session_id=edit.id,
                        batch_id=edit.batch_id, variants=edit.variants)


def _render_and_deliver(settings: Settings, job_id: str, claimed: _Claimed, work: Path, *,
                        should_cancel: Callable[[], bool] | None,
                        on_progress: Callable[[float], None] | None
                        ) -> tuple[list[str], QcReport, str]:
    """Render into ``work``, check it (QC), put it into the media store and deliver it: the
    delivered URLs, the QC and the file's key in the store."""
    timeline = claimed.timeline
    if timeline is None:
        raise InvalidStateError(f"edit session {claimed.session_id} has no "
                                f"{claimed.aspect_ratio} timeline for variant {claimed.variant}")
    profile = profile_for(timeline.aspect_ratio, claimed.fmt, claimed.profile_name,
                          loudness=settings.render_loudness_lufs)
    name = deliverable_filename(timeline.deliverable, timeline.variant, timeline.aspect_ratio,
                                profile.container, variants=claimed.variants)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    output = work / name
    watch = _JobWatch(settings, job_id, timeline.duration, should_cancel, on_progress,
                      frame_rate=timeline.rate.fps)
    report = _render_and_check(timeline, profile, output, work, settings=settings, watch=watch)
    if not report.passed:
        with db(settings) as session:
            row = repos.render_jobs.get_render_job(session, job_id)
            # the file's name: its scratch path is this worker's and is removed at once
            repos.render_jobs.update_render_job(session, row,
                                                qc=replace(report, path=name).to_dict())
        raise QcFailedError(f"QC failed for {name}: {', '.join(report.flags)}")
    if watch.cancelled():  # cancelled, or taken over by another worker, during QC
        raise ProcessCancelledError(f"{name}: stopped before delivery", path=str(output))
    key = store_render(settings, batch_id=claimed.batch_id, job_id=job_id, output=output,
                       timeline=timeline)
    report = replace(report, path=key)  # the checked file as every host names it
    folder = render_folder(claimed.batch_id, job_id)
    urls = [parse_destination(t, settings=settings).for_render(folder).deliver(output, name).url
            for t in claimed.targets]
    return urls, report, key


def _show_waiting(settings: Settings, job_id: str, exc: BaseException) -> None:
    """A transient failure: the queue will run the job again, so show it waiting."""
    with db(settings) as session:
        row = repos.render_jobs.get_render_job(session, job_id)
        if row.status == JobStatus.RENDERING:
            repos.render_jobs.set_job_status(session, row, JobStatus.QUEUED)
            repos.render_jobs.update_render_job(session, row,
                                                last_error=f"{type(exc).__name__}: {exc}")


def _render_and_check(timeline: Timeline, profile: RenderProfile, output: Path, work: Path, *,
                      settings: Settings, watch: _JobWatch) -> QcReport:
    captions = fonts = None
    if timeline.captions:
        captions = work / "captions.ass"
        captions.write_text(str(export_timeline(timeline, "ass")), encoding="utf-8")
        fonts = burn_in_fonts(timeline, work / "fonts")
    sources = sources_for(timeline, settings=settings)
    plan = plan_loudness_cached(timeline, profile, sources=sources,
                                cache_dir=settings.loudness_cache_dir,
                                timeout=settings.render_timeout_seconds)
    black_log = work / "black.log"  # the render measures its own black runs for QC
    args = build_render_args(timeline, profile, sources=sources, output=output,
                             captions_ass=captions, gain_db=plan.gain_db, black_log=black_log,
                             captions_fonts=fonts)
    watch.encode_started()
    run_ffmpeg(args, duration=timeline.duration, on_progress=watch.progress,
               should_cancel=watch.cancelled, timeout=settings.render_timeout_seconds,
               label="render", path=output)
    # QC checks the loudness the plan could reach: a near-silent program is not lifted into
    # hiss just to meet the platform target (the plan's note says so in the log).
    spec = replace(qc_spec_for(timeline, profile), loudness_target=plan.expected_lufs)
    black = read_black_log(black_log, until=timeline.duration) if black_log.exists() else None
    return run_qc(output, spec, should_cancel=watch.cancelled, black_segments=black)


def _give_up_queued(job: RenderJobRun, reason: str, settings: Settings) -> None:
    give_up_render_job(job.render_job_id, reason, settings=settings)


@operation(RENDER_OPERATION, RenderJobRun, on_give_up=_give_up_queued,
           transient=TRANSIENT_RENDER_ERRORS, queue="render")
def _run_render(job: RenderJobRun, settings: Settings) -> None:
    # a worker presumed dead (its lease taken over) stops its encode and delivers nothing
    process_render_job(job.render_job_id, settings=settings, should_cancel=lease_lost_check())
