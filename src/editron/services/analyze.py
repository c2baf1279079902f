"""Tier 1: ``analyze_media_batch`` — run the analysis passes over a ready batch, store the
``media_batch_analyses`` row and write the analysis folder."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from editron.analysis.base import FileContext, Transcriber
from editron.analysis.brief import deliverable_targets, parse_brief
from editron.analysis.engine import analyze_files, selected_analysers
from editron.analysis.logos import load_logo
from editron.analysis.report import write_report
from editron.analysis.speech import transcriber_for
from editron.analysis.speech_models import check_language, model_at
from editron.config import Settings
from editron.db import repos
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.analysis import AnalysisResult, Brief
from editron.domain.languages import DETECT, language_wish
from editron.domain.media import AudioStreamInfo, MediaProbe
from editron.domain.status import BatchStatus, FileStatus, Stage, TaskStatus
from editron.domain.sync import SyncResult, manual_offsets
from editron.errors import EditronError, InputError, InvalidStateError
from editron.jobs.app import enqueue
from editron.jobs.inline import stage_run
from editron.jobs.registry import JobPayload, operation
from editron.logs import bind
from editron.media.probe import probe as probe_media
from editron.services.analysis_public import (
    AnalysisPublic,
    get_analysis,
    latest_analysis,
    sync_rows,
)
from editron.services.card_progress import analysis_progress
from editron.services.media_access import local_media_path
from editron.services.runs import interrupted_run
from editron.store import local_or_none, publish_tree
from editron.story.deliverables import parse_deliverables

__all__ = ["AnalysisPublic", "analyze_media_batch", "get_analysis", "latest_analysis",
           "request_analysis", "sync_rows"]

log = logging.getLogger(__name__)
ANALYZE_OPERATION = "analyze_media_batch"


class AnalyzeJob(JobPayload):
    """The queued analysis of one batch (the request, validated when it was queued).
    Version 2 added ``language`` and ``speech_model``."""

    SCHEMA_VERSION: ClassVar[int] = 2
    batch_id: str
    brief: str | dict[str, Any] | None = None
    scope: list[str] | None = None
    model_hint: str | None = None
    max_iterations: int = 3
    analysers: list[str] | None = None
    language: str = DETECT
    speech_model: str | None = None

    @classmethod
    def upgrade(cls, version: int, data: dict[str, Any]) -> dict[str, Any]:
        # A job queued before languages existed was heard as English (tiny.en): keep that.
        return {**data, "language": "en", "schema_version": 2}


def _probe_of(row: Any) -> MediaProbe:
    audio = (AudioStreamInfo(row.audio_codec or "", row.audio_channels or 0,
                             row.audio_sample_rate or 0) if row.has_audio else None)
    return MediaProbe(container=row.container or "", duration_seconds=row.duration_seconds or 0,
                      has_video=row.has_video, has_audio=row.has_audio, codec=row.codec,
                      width=row.width, height=row.height, rotation=row.rotation, fps=row.fps,
                      is_vfr=row.is_vfr, audio=audio)


def _analysable_proxy(proxy: str | None, original: MediaProbe, *,
                      settings: Settings) -> Path | None:
    """The ingest proxy when it holds the original's frames at the original's times, so the
    analysis can decode it instead; ``None`` means decode the original.

    Variable-frame-rate originals are analysed from the original (the proxy's encoder may
    retime their frames), as is anything whose proxy disagrees with it in rate or length."""
    if not settings.analyse_proxies or not proxy or not original.has_video or original.is_vfr:
        return None
    path = local_or_none(settings, proxy)
    if path is None or path.suffix != ".mp4":
        return None
    try:
        copy = probe_media(path)
    except EditronError as exc:
        log.warning("proxy %s unreadable, analysing the original: %s", path, exc.message)
        return None
    fps = original.fps or 0.0
    frame = 1.0 / fps if fps else 0.04
    same_rate = copy.fps is not None and abs(copy.fps - fps) <= 1e-3 * max(fps, 1.0)
    same_length = abs(copy.duration_seconds - original.duration_seconds) <= 2 * frame + 0.05
    if not (copy.has_video and same_rate and same_length
            and copy.has_audio == original.has_audio):
        log.info("proxy %s does not match its original (rate %s/%s, %.3f/%.3f s); analysing "
                 "the original", path, copy.fps, original.fps, copy.duration_seconds,
                 original.duration_seconds)
        return None
    return path


def analyze_media_batch(
    *,
    batch_id: str,
    brief: str | dict[str, Any] | None = None,
    scope: Sequence[str] | str | None = None,
    model_hint: str | None = None,
    max_iterations: int = 3,
    settings: Settings | None = None,
    transcriber: Transcriber | None = None,
    progress: Callable[[str, float], None] | None = None,
    analysers: Sequence[str] | None = None,
    language: str = DETECT,
    speech_model: Path | str | None = None,
) -> AnalysisPublic:
    """Analyse a ready (or already analysed) batch now and return the stored analysis.
    ``language``: detect, or the ISO code of the speech; ``speech_model``: a local
    CTranslate2 Whisper model folder (default: ``analysis.speech_models.choose_model``).

    The run is leased (``jobs.inline.stage_run``); a batch left ``analyzing`` by a process
    that died is taken over and analysed again instead of being refused."""
    settings = ready(settings)
    job = AnalyzeJob(batch_id=batch_id, brief=brief, scope=parse_deliverables(scope),
                     model_hint=model_hint, max_iterations=max_iterations,
                     analysers=list(analysers) if analysers is not None else None,
                     language=language, speech_model=_path_text(speech_model))
    claimed = interrupted_run(batch_id, ANALYZE_OPERATION, settings=settings)
    with stage_run(ANALYZE_OPERATION, job, settings=settings, entity_type="batch",
                   entity_id=batch_id, claimed=claimed):
        return analyse_now(batch_id=batch_id, brief=brief, scope=scope, model_hint=model_hint,
                           max_iterations=max_iterations, settings=settings,
                           transcriber=transcriber, progress=progress, analysers=analysers,
                           resume=claimed is not None, language=language,
                           speech_model=speech_model)


def _path_text(path: Path | str | None) -> str | None:
    return None if path is None else str(Path(path).expanduser())


def _checked_speech(language: str, speech_model: Path | str | None, settings: Settings, *,
                    check_model: bool = True) -> str | None:
    """The language code (None: detect); bad input, or a named English-only model asked for
    another language, is refused here, before any work."""
    try:
        code = language_wish(language)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    given = speech_model or settings.whisper_model_path
    if check_model and given is not None:
        check_language(model_at(Path(given).expanduser()), code)
    return code


def analyse_now(
    *,
    batch_id: str,
    brief: str | dict[str, Any] | None = None,
    scope: Sequence[str] | str | None = None,
    model_hint: str | None = None,
    max_iterations: int = 3,
    settings: Settings | None = None,
    transcriber: Transcriber | None = None,
    progress: Callable[[str, float], None] | None = None,
    analysers: Sequence[str] | None = None,
    resume: bool = False,
    language: str = DETECT,
    speech_model: Path | str | None = None,
) -> AnalysisPublic:
    """The analysis itself; ``resume``: the caller holds the lease of the run that left the
    batch ``analyzing`` (a dead worker's job, or an interrupted in-process run)."""
    parsed, targets_scope = _checked_request(brief, scope, model_hint=model_hint,
                                             max_iterations=max_iterations, analysers=analysers)
    settings = ready(settings)
    code = _checked_speech(language, speech_model, settings,
                           check_model=transcriber is None and max_iterations >= 2)
    analysis_id, manual, files = _start_analysis(
        settings, batch_id, parsed, targets_scope, model_hint=model_hint,
        max_iterations=max_iterations, resume=resume)
    work = settings.batch_dir(batch_id) / "scratch" / analysis_id
    folder = settings.batch_dir(batch_id) / "analysis" / analysis_id
    try:
        contexts = [FileContext(file_id, local_media_path(file_id, settings=settings), probe,
                                parsed, work / file_id, model_hint,
                                proxy=_analysable_proxy(proxy, probe, settings=settings))
                    for file_id, _, probe, proxy in files]
        if transcriber is None and max_iterations >= 2:
            transcriber = transcriber_for(code, Path(speech_model) if speech_model else None,
                                          settings)
        result, spools = analyze_files(contexts, max_iterations=max_iterations,
                                       transcriber=transcriber,
                                       progress=analysis_progress(settings, batch_id,
                                                                  max_iterations, progress),
                                       analysers=analysers, manual_sync=manual)
        targets = deliverable_targets(targets_scope, parsed)
        names = {file_id: name for file_id, name, _, _ in files}
        write_report(folder, result=result, brief=parsed, targets=targets, names=names,
                     spools=spools)
    except EditronError as exc:
        _fail(settings, batch_id, analysis_id, exc.message)
        raise
    except Exception as exc:
        _fail(settings, batch_id, analysis_id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _store_result(settings, batch_id, analysis_id, result, targets=targets,
                         folder=folder)


# (file id, relative path, probe, proxy path) of each file the analysis reads.
_AnalysedFile = tuple[str, str, MediaProbe, str | None]


def _checked_request(brief: str | dict[str, Any] | None, scope: Sequence[str] | str | None, *,
                     model_hint: str | None, max_iterations: int,
                     analysers: Sequence[str] | None) -> tuple[Brief, list[str]]:
    """The parsed brief and scope; bad input is refused here, before any work."""
    if not 1 <= max_iterations <= 3:
        raise InputError("passes must be 1, 2 or 3")
    if model_hint not in (None, "fast", "accurate"):
        raise InputError(f"unknown model hint {model_hint!r}: use fast or accurate")
    if analysers is not None:
        selected_analysers(1, set(analysers))  # an unknown name is refused before any work
    targets_scope = parse_deliverables(scope)
    parsed = parse_brief(brief)
    for logo in parsed.sponsor_logos:  # a bad logo is bad input: refuse before any work
        load_logo(Path(logo).expanduser())
    return parsed, targets_scope


def _start_analysis(settings: Settings, batch_id: str, parsed: Brief, targets_scope: list[str],
                    *, model_hint: str | None, max_iterations: int, resume: bool
                    ) -> tuple[str, dict[str, float], list[_AnalysedFile]]:
    """Mark the batch ``analyzing`` and make its analysis row: the row's id, the event
    offsets set by hand, and the files to analyse."""
    with bind(batch_id=batch_id), db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        if resume and batch.status == BatchStatus.ANALYZING:
            repos.analyses.fail_running(session, batch_id, reason="interrupted; analysed again")
        elif batch.status not in (BatchStatus.READY, BatchStatus.ANALYZED):
            raise InvalidStateError(f"batch {batch_id} is {batch.status}; only a ready or "
                                    "analysed batch can be analysed")
        else:
            repos.batches.set_batch_status(session, batch, BatchStatus.ANALYZING)
        repos.tasks.ensure_tasks(session, batch)
        repos.tasks.set_task(session, batch_id, Stage.ANALYZE, TaskStatus.IN_PROGRESS,
                             detail="analysing footage")
        row = repos.analyses.create_analysis(session, batch_id=batch_id, brief=parsed.to_dict(),
                                             scope=targets_scope, model_hint=model_hint,
                                             max_iterations=max_iterations)
        analysis_id = row.id
        manual = _manual_sync(session, batch_id)
        files = [(f.id, f.relative_path, _probe_of(f), f.proxy_path) for f in batch.files
                 if f.status in (FileStatus.READY, FileStatus.REMOTE)]
    return analysis_id, manual, files


def _store_result(settings: Settings, batch_id: str, analysis_id: str, result: AnalysisResult,
                  *, targets: list[dict[str, Any]], folder: Path) -> AnalysisPublic:
    """Store the analysis document and settle the batch: analysed if any file could be."""
    with db(settings) as session:
        row = repos.analyses.get_analysis(session, analysis_id)
        repos.analyses.store_document(session, row, result, deliverable_targets=targets,
                                      artifacts_path=publish_tree(settings, folder))
        batch = repos.batches.get_batch(session, batch_id)
        good = any(r.status != "failed" for r in result.file_reports)
        repos.batches.set_batch_status(session, batch,
                                       BatchStatus.ANALYZED if good else BatchStatus.FAILED,
                                       last_error=None if good else "no file could be analysed")
        repos.tasks.set_task(session, batch_id, Stage.ANALYZE,
                             TaskStatus.DONE if good else TaskStatus.FAILED, detail=result.summary)
        append_event(session, entity_type="analysis", entity_id=analysis_id,
                     event_type="analysis.complete", batch_id=batch_id,
                     payload={"passes_completed": result.passes_completed,
                              "hero_moments": len(result.hero_moments)})
        return AnalysisPublic.of(row)


def _manual_sync(session: Session, batch_id: str) -> dict[str, float]:
    """The event offsets set by hand on the batch's last complete analysis, kept by the next."""
    previous = repos.analyses.latest_analysis(session, batch_id, status="complete")
    if previous is None or not previous.sync:
        return {}
    return manual_offsets(SyncResult.from_dict(previous.sync))


def _fail(settings: Settings, batch_id: str, analysis_id: str, reason: str) -> None:
    with db(settings) as session:
        row = repos.analyses.get_analysis(session, analysis_id)
        if row.status == "running":
            repos.analyses.set_analysis_status(session, row, "failed", last_error=reason)
        batch = repos.batches.get_batch(session, batch_id)
        # The footage is still good: the batch goes back to ready so analysis can be retried.
        repos.batches.set_batch_status(session, batch, BatchStatus.READY)
        repos.tasks.set_task(session, batch_id, Stage.ANALYZE, TaskStatus.FAILED, detail=reason)


def request_analysis(*, batch_id: str, brief: str | dict[str, Any] | None = None,
                     scope: Sequence[str] | str | None = None, model_hint: str | None = None,
                     max_iterations: int = 3, analysers: Sequence[str] | None = None,
                     language: str = DETECT, speech_model: Path | str | None = None,
                     settings: Settings | None = None) -> str:
    """Validate now, run on the queue; returns the job id. ``speech_model`` is a folder on
    the worker's machine (the CLI's; network callers have no such field)."""
    if not 1 <= max_iterations <= 3:
        raise InputError("passes must be 1, 2 or 3")
    if analysers is not None:
        selected_analysers(1, set(analysers))  # an unknown name is refused now
    settings = ready(settings)
    _checked_speech(language, speech_model, settings)
    job = AnalyzeJob(batch_id=batch_id, brief=brief, scope=parse_deliverables(scope),
                     model_hint=model_hint, max_iterations=max_iterations,
                     analysers=list(analysers) if analysers is not None else None,
                     language=language, speech_model=_path_text(speech_model))
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        if batch.status not in (BatchStatus.READY, BatchStatus.ANALYZED):
            raise InvalidStateError(f"batch {batch_id} is {batch.status}; only a ready or "
                                    "analysed batch can be analysed")
    return enqueue(ANALYZE_OPERATION, job, settings=settings, entity_type="batch",
                   entity_id=batch_id)


@operation(ANALYZE_OPERATION, AnalyzeJob, queue="analysis")
def _run_analysis(job: AnalyzeJob, settings: Settings) -> None:
    # The worker holds this job's lease: a batch still 'analyzing' was left so by this job's
    # own earlier attempt, whose worker died.
    analyse_now(resume=True, batch_id=job.batch_id, brief=job.brief, scope=job.scope,
                        model_hint=job.model_hint, max_iterations=job.max_iterations,
                        analysers=job.analysers, settings=settings, language=job.language,
                        speech_model=job.speech_model)
