"""Tiers 2 and 3: ``generate_video_edits`` — an edit session for one deliverable of an
analysed batch, one timeline per variant and aspect ratio with every export written beside
it; ``request_edit`` queues the same work; ``export_session`` writes one format on demand.

A session is created first (``assembling``, with its request stored) and then assembled
(``edit_assemble``), so a queued edit has its session id at once and a retried job assembles
the same session again. The session folder is ``<batch>/edits/<session id>/`` and each file in
it is named ``<deliverable>[-<variant>]_<ratio as 16x9>.<ext>``, the names ``editron run``
delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from editron.config import Settings
from editron.db import repos
from editron.db.repos.job_runs import RunSnapshot
from editron.db.runtime import db, ready
from editron.domain.feedback import Adjustments
from editron.domain.status import BatchStatus, FileStatus, SessionStatus, Stage, TaskStatus
from editron.domain.timecode import parse_timecode
from editron.domain.timeline import Timeline
from editron.edit.exporters import PathMode, export_timeline, get_exporter
from editron.edit.timeline import parse_ratio
from editron.errors import InputError, InvalidStateError
from editron.jobs.app import enqueue
from editron.jobs.inline import begin_run, stage_run
from editron.jobs.registry import JobPayload, operation
from editron.logs import bind
from editron.services.edit_assemble import assemble_session, no_picture_reason
from editron.services.edit_public import EditSessionPublic, EditSpec
from editron.services.requests import EditRequest
from editron.services.runs import interrupted_edit
from editron.services.timeline_exports import deliverable_filename
from editron.services.timeline_media import referenced
from editron.story.deliverables import get_deliverable
from editron.story.styles import get_style

__all__ = [
    "DEFAULT_RATIOS",
    "EDIT_OPERATION",
    "AssembleJob",
    "EditSessionPublic",
    "EditSpec",
    "QueuedEdit",
    "create_session_row",
    "deliverable_filename",
    "export_session",
    "generate_video_edits",
    "get_edit_session",
    "make_spec",
    "prepare_edit",
    "queue_assembly",
    "request_edit",
    "request_edit_for",
    "session_timelines",
]

log = logging.getLogger(__name__)
EDIT_OPERATION = "generate_video_edits"
DEFAULT_RATIOS = ("16:9", "9:16", "1:1")


class AssembleJob(JobPayload):
    """The queued assembly of one edit session (its request is stored on the session)."""

    session_id: str


class QueuedEdit(BaseModel):
    """An edit put on the queue: its session exists already (``assembling``)."""

    job_id: str
    session_id: str
    batch_id: str
    status: str = "queued"


def _ratios(aspect_ratios: Sequence[str] | str | None) -> list[str]:
    items = aspect_ratios.split(",") if isinstance(aspect_ratios, str) else list(
        aspect_ratios or DEFAULT_RATIOS)
    ratios = [parse_ratio(r) for r in items if r.strip()]
    return list(dict.fromkeys(ratios)) or list(DEFAULT_RATIOS)


def make_spec(*, deliverable_type: str, aspect_ratios: Sequence[str] | str | None = None,
              reference_style: str | None = None, include_captions: bool | None = None,
              imovie_project: str | None = None, variants: int | None = None,
              duration: float | None = None, music_path: str | None = None,
              start_tc: str | None = None, adjustments: Adjustments | None = None,
              previews: bool = False) -> EditSpec:
    """The request checked and normalised before anything is stored or queued."""
    kind = get_deliverable(deliverable_type)
    if reference_style is not None:
        get_style(reference_style)
    if variants is not None and not 1 <= variants <= 10:
        raise InputError("variants must be between 1 and 10")
    if duration is not None and not 1.0 <= duration <= 600.0:
        raise InputError("duration must be between 1 and 600 seconds")
    if music_path and not Path(music_path).expanduser().is_file():
        raise InputError(f"music bed {music_path}: no such file", path=music_path)
    if start_tc:
        parse_timecode(start_tc)
    return EditSpec(deliverable_type=kind.name, aspect_ratios=_ratios(aspect_ratios),
                    reference_style=reference_style, include_captions=include_captions,
                    imovie_project=imovie_project, variants=variants, duration=duration,
                    music_path=str(Path(music_path).expanduser().resolve()) if music_path
                    else None, start_tc=start_tc, previews=previews,
                    adjustments=(adjustments or Adjustments()).to_dict())


def create_session_row(session: Session, batch_id: str, spec: EditSpec, *,
                       parent_id: str | None = None, revision: int = 1) -> str:
    """The session row for ``spec`` (``assembling``), in the caller's transaction; the batch
    must be analysed."""
    batch = repos.batches.get_batch(session, batch_id)
    if batch.status != BatchStatus.ANALYZED:
        raise InvalidStateError(f"batch {batch_id} is {batch.status}; analyse it first "
                                f"(editron analyze {batch_id})")
    analysis = repos.analyses.latest_analysis(session, batch_id, status="complete")
    if analysis is None:
        raise InvalidStateError(f"batch {batch_id} has no complete analysis")
    if not any(f.status == FileStatus.READY and f.has_video for f in batch.files):
        raise InputError(no_picture_reason(batch.files))
    row = repos.edit_sessions.create_edit_session(
        session, batch_id=batch_id, deliverable_type=spec.deliverable_type,
        aspect_ratios=spec.aspect_ratios, analysis_id=analysis.id,
        reference_style=spec.reference_style,
        include_captions=spec.include_captions is not False,
        imovie_project=spec.imovie_project or batch.reference_name,
        variants=spec.variants or get_deliverable(spec.deliverable_type).variants,
        parent_id=parent_id, revision=revision, request=spec.model_dump())
    repos.tasks.ensure_tasks(session, batch)
    repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.IN_PROGRESS,
                         detail=f"assembling {spec.deliverable_type} r{revision}")
    return row.id


def prepare_edit(batch_id: str, spec: EditSpec, *, settings: Settings) -> str:
    """A new session for ``spec``, ready to assemble; its id."""
    with bind(batch_id=batch_id), db(settings) as session:
        return create_session_row(session, batch_id, spec)


def generate_video_edits(
    *,
    batch_id: str,
    deliverable_type: str,
    aspect_ratios: Sequence[str] | str | None = None,
    reference_style: str | None = None,
    include_captions: bool | None = None,
    imovie_project: str | None = None,
    variants: int | None = None,
    duration: float | None = None,
    music_path: str | None = None,
    start_tc: str | None = None,
    adjustments: Adjustments | None = None,
    previews: bool = False,
    settings: Settings | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> EditSessionPublic:
    """Assemble an edit session for one deliverable of an analysed batch, now.

    Options left out (``None``) come from the client's memory of earlier reviews, then from
    the defaults; the brief comes first of all (``story.choices``), and every preference that
    shaped the cut is cited on the session (``applied_preferences``). ``start_tc`` is the
    record timecode every export starts at (default ``01:00:00:00``); ``previews`` renders
    the review previews once assembled.

    The run is leased (``jobs.inline.stage_run``, on the session); the session of the same
    request left by a process that died is taken over and finished instead of another being
    made."""
    spec = make_spec(deliverable_type=deliverable_type, aspect_ratios=aspect_ratios,
                     reference_style=reference_style, include_captions=include_captions,
                     imovie_project=imovie_project, variants=variants, duration=duration,
                     music_path=music_path, start_tc=start_tc, adjustments=adjustments,
                     previews=previews)
    settings = ready(settings)
    session_id, claimed = _leased_session(batch_id, spec, settings=settings)
    with stage_run(EDIT_OPERATION, AssembleJob(session_id=session_id), settings=settings,
                   entity_type="edit_session", entity_id=session_id, claimed=claimed):
        return assemble_session(session_id, settings=settings, progress=progress)


def _leased_session(batch_id: str, spec: EditSpec, *, settings: Settings
                    ) -> tuple[str, RunSnapshot]:
    """The session to assemble and its run, held by this process: the session of the same
    request a dead process left (its run taken over, so the same command run again finishes
    it), else a new session made together with its run, so a kill at any point leaves a run
    ``editron status`` calls interrupted."""
    interrupted = interrupted_edit(batch_id, spec.model_dump(), settings=settings)
    if interrupted is not None:
        return interrupted
    with bind(batch_id=batch_id), db(settings) as session:
        session_id = create_session_row(session, batch_id, spec)
        claimed = begin_run(session, EDIT_OPERATION, AssembleJob(session_id=session_id),
                            settings=settings, entity_type="edit_session",
                            entity_id=session_id)
    return session_id, claimed


def request_edit(*, batch_id: str, deliverable_type: str,
                 aspect_ratios: Sequence[str] | str | None = None,
                 reference_style: str | None = None, include_captions: bool | None = None,
                 imovie_project: str | None = None, variants: int | None = None,
                 duration: float | None = None, music_path: str | None = None,
                 start_tc: str | None = None, previews: bool = False,
                 settings: Settings | None = None) -> QueuedEdit:
    """Validate now, create the session, assemble it on the queue."""
    spec = make_spec(deliverable_type=deliverable_type, aspect_ratios=aspect_ratios,
                     reference_style=reference_style, include_captions=include_captions,
                     imovie_project=imovie_project, variants=variants, duration=duration,
                     music_path=music_path, start_tc=start_tc, previews=previews)
    settings = ready(settings)
    session_id = prepare_edit(batch_id, spec, settings=settings)
    return queue_assembly(session_id, batch_id, settings=settings)


def request_edit_for(batch_id: str, body: EditRequest, *, settings: Settings) -> QueuedEdit:
    """``request_edit`` from the shared request model (the API and the dashboard's form)."""
    return request_edit(batch_id=batch_id, deliverable_type=body.deliverable_type,
                        aspect_ratios=body.aspect_ratios, reference_style=body.reference_style,
                        include_captions=body.include_captions,
                        imovie_project=body.imovie_project, variants=body.variants,
                        duration=body.duration, start_tc=body.start_tc,
                        previews=body.previews, settings=settings)


def queue_assembly(session_id: str, batch_id: str, *, settings: Settings) -> QueuedEdit:
    job_id = enqueue(EDIT_OPERATION, AssembleJob(session_id=session_id), settings=settings,
                     entity_type="edit_session", entity_id=session_id)
    return QueuedEdit(job_id=job_id, session_id=session_id, batch_id=batch_id)


@operation(EDIT_OPERATION, AssembleJob, queue="analysis")  # planning, CPU-light
def _run_assembly(job: AssembleJob, settings: Settings) -> None:
    assemble_session(job.session_id, settings=settings)


def get_edit_session(session_id: str, *, settings: Settings | None = None
                     ) -> EditSessionPublic:
    settings = ready(settings)
    with db(settings) as session:
        return EditSessionPublic.of(repos.edit_sessions.get_edit_session(session, session_id))


def session_timelines(session_id: str, *, settings: Settings | None = None
                      ) -> tuple[EditSessionPublic, list[Timeline]]:
    """The session and its frame-exact timelines."""
    settings = ready(settings)
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        return EditSessionPublic.of(row), [Timeline.from_dict(t) for t in row.timelines]


def export_session(*, session_id: str, fmt: str, out: Path, ratio: str | None = None,
                   variant: int | None = None, path_mode: PathMode = "absolute",
                   start_tc: str | None = None, settings: Settings | None = None
                   ) -> list[Path]:
    """Write the session's timelines in ``fmt``. ``out`` is a file when exactly one timeline
    is chosen (by ``ratio`` and ``variant``), otherwise a folder that receives one file per
    timeline. Media are named as this host sees them (``timeline_media.referenced``), and
    relative media paths are relative to the written file's folder; ``start_tc`` replaces
    the session's record start timecode."""
    exporter = get_exporter(fmt)
    key = exporter.NAME
    settings = ready(settings)
    public, timelines = session_timelines(session_id, settings=settings)
    if public.status in (SessionStatus.ASSEMBLING, SessionStatus.FAILED):
        raise InvalidStateError(f"edit session {session_id} is {public.status}; nothing to "
                                "export yet")
    chosen = [replace(t, start_timecode=start_tc) if start_tc else t for t in timelines
              if (ratio is None or t.aspect_ratio == parse_ratio(ratio))
              and (variant is None or t.variant == variant)]
    if not chosen:
        have = ", ".join(sorted({f"{t.aspect_ratio} v{t.variant}" for t in timelines}))
        raise InputError(f"edit session {session_id} has no timeline for that choice; it has "
                         f"{have}")
    ext = exporter.EXTENSION
    single = len(chosen) == 1 and out.suffix != ""
    targets: list[Path] = []
    for tl in chosen:
        target = out if single else out / deliverable_filename(
            tl.deliverable, tl.variant, tl.aspect_ratio, ext, variants=public.variants)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = export_timeline(referenced(tl, settings), key, path_mode=path_mode,
                               relative_to=str(target.parent.absolute())
                               if path_mode == "relative" else None)
        tmp = target.with_name(f".{target.name}.part")
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        tmp.replace(target)
        targets.append(target)
    return targets
