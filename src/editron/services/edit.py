"""Tiers 2 and 3: ``generate_video_edits`` — blueprints from the latest analysis, one timeline
per variant and aspect ratio, stored on an ``edit_sessions`` row with every timeline export
written beside it; ``export_session`` writes one format on demand.

The session folder is ``<batch>/edits/<session id>/`` and each file in it is named
``<deliverable>[-<variant>]_<ratio as 16x9>.<ext>``, the same names ``editron run`` delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from editron.config import Settings
from editron.db import repos
from editron.db.models import EditSession, MediaFile
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.analysis import Brief
from editron.domain.status import BatchStatus, FileStatus, SessionStatus, Stage, TaskStatus
from editron.domain.timecode import DEFAULT_START, parse_timecode
from editron.domain.timeline import BrandPod, MediaInfo, Timeline
from editron.edit.exporters import PathMode, export_timeline, get_exporter
from editron.edit.music import detect_beats
from editron.edit.timeline import build_timelines, parse_ratio
from editron.errors import EditronError, InputError, InvalidStateError
from editron.jobs.app import enqueue
from editron.jobs.registry import JobPayload, operation
from editron.logs import bind
from editron.services.timeline_exports import (
    deliverable_filename,
    write_exports,
)
from editron.story.blueprints import build_blueprints
from editron.story.deliverables import get_deliverable
from editron.story.styles import default_brand, get_style

__all__ = [
    "DEFAULT_RATIOS",
    "EditSessionPublic",
    "deliverable_filename",
    "export_session",
    "generate_video_edits",
    "get_edit_session",
    "request_edit",
    "session_timelines",
]

log = logging.getLogger(__name__)
EDIT_OPERATION = "generate_video_edits"


class EditJob(JobPayload):
    """The queued assembly of one edit session (the request, validated when queued)."""

    batch_id: str
    deliverable_type: str
    aspect_ratios: list[str] | None = None
    reference_style: str | None = None
    include_captions: bool | None = None
    imovie_project: str | None = None
    variants: int | None = None
    duration: float | None = None
    music_path: str | None = None
    start_tc: str | None = None
DEFAULT_RATIOS = ("16:9", "9:16", "1:1")
class EditSessionPublic(BaseModel):
    """The ``editron edit --json`` document (DESIGN.md CLI contract)."""

    session_id: str
    batch_id: str
    analysis_id: str | None
    status: str
    deliverable_type: str
    aspect_ratios: list[str]
    variants: int
    reference_style: str | None
    include_captions: bool
    imovie_project: str | None
    timelines: list[dict[str, Any]]
    exports: dict[str, Any]
    preview_paths: dict[str, Any]
    last_error: str | None

    @classmethod
    def of(cls, row: EditSession) -> EditSessionPublic:
        return cls(session_id=row.id, batch_id=row.batch_id, analysis_id=row.analysis_id,
                   status=row.status, deliverable_type=row.deliverable_type,
                   aspect_ratios=list(row.aspect_ratios), variants=row.variants,
                   reference_style=row.reference_style,
                   include_captions=row.include_captions, imovie_project=row.imovie_project,
                   timelines=[_timeline_summary(Timeline.from_dict(t)) for t in row.timelines],
                   exports=dict(row.exports), preview_paths=dict(row.preview_paths),
                   last_error=row.last_error)


def _timeline_summary(tl: Timeline) -> dict[str, Any]:
    """Seconds for people and scripts; the frame-exact document stays in the database."""
    rate = tl.rate

    def crop(c: Any) -> dict[str, Any]:
        return {"keyframes": [{"t": round(rate.seconds(k.frame), 3), "x": round(k.x, 1),
                               "y": round(k.y, 1), "w": round(k.w, 1), "h": round(k.h, 1)}
                              for k in c.crop],
                "pad_blur": c.pad_blur, "max_step_px": round(c.max_crop_step, 2)}

    return {
        "variant": tl.variant, "aspect_ratio": tl.aspect_ratio, "width": tl.width,
        "height": tl.height, "rate": str(rate), "duration": round(tl.duration, 3),
        "duration_frames": tl.duration_frames, "style": tl.style,
        "clips": [{"file_id": c.file_id, "source_start": round(rate.seconds(c.source_start), 3),
                   "source_end": round(rate.seconds(c.source_end), 3),
                   "record_start": round(rate.seconds(c.record_start), 3),
                   "transition": c.transition_in.kind, "crop": crop(c)} for c in tl.clips],
        "captions": [{"start": round(rate.seconds(c.start), 3),
                      "end": round(rate.seconds(c.end), 3), "text": c.text}
                     for c in tl.captions],
    }


def _media_info(row: MediaFile, order: int) -> MediaInfo:
    path = row.storage_path or ""
    if not path or not Path(path).exists():
        raise InvalidStateError(f"{row.filename}: the original is not in local storage; "
                                "bring the batch back to the hot tier before editing")
    return MediaInfo(file_id=row.id, path=path, duration=row.duration_seconds or 0.0,
                     fps=row.fps or 25.0, width=row.width or 1920, height=row.height or 1080,
                     has_audio=row.has_audio, is_vfr=row.is_vfr, order=order,
                     timecode=row.timecode, audio_channels=row.audio_channels or 2)


def _brand(project_brand: dict[str, Any] | None) -> BrandPod:
    known = set(BrandPod.__dataclass_fields__)
    overrides = {k: v for k, v in (project_brand or {}).items() if k in known and v is not None}
    for key in ("logo_path", "font_path"):
        if key in overrides and not Path(str(overrides[key])).expanduser().is_file():
            raise InputError(f"the project's brand {key} {overrides[key]!r} does not exist; "
                             "fix it with the project settings", path=str(overrides[key]))
    return default_brand(**overrides)


def _learned(preferences: dict[str, Any] | None, deliverable: str) -> dict[str, Any]:
    """What feedback taught the project about this deliverable (empty when nothing)."""
    found = ((preferences or {}).get("deliverables") or {}).get(deliverable) or {}
    return dict(found) if isinstance(found, dict) else {}


def _ratios(aspect_ratios: Sequence[str] | str | None) -> list[str]:
    items = aspect_ratios.split(",") if isinstance(aspect_ratios, str) else list(
        aspect_ratios or DEFAULT_RATIOS)
    ratios = [parse_ratio(r) for r in items if r.strip()]
    return list(dict.fromkeys(ratios)) or list(DEFAULT_RATIOS)


def _check_request(deliverable_type: str, aspect_ratios: Sequence[str] | str | None,
                   reference_style: str | None, variants: int | None, duration: float | None,
                   music_path: str | None) -> list[str]:
    """Refuse bad input before anything is stored or queued; the parsed aspect ratios."""
    get_deliverable(deliverable_type)
    ratios = _ratios(aspect_ratios)
    if reference_style is not None:
        get_style(reference_style)
    if variants is not None and not 1 <= variants <= 10:
        raise InputError("variants must be between 1 and 10")
    if duration is not None and not 1.0 <= duration <= 600.0:
        raise InputError("duration must be between 1 and 600 seconds")
    if music_path and not Path(music_path).expanduser().is_file():
        raise InputError(f"music bed {music_path}: no such file", path=music_path)
    return ratios


def _chronology(files: list[MediaFile]) -> list[MediaFile]:
    """Capture time when every file has one, else the name (cameras number their files)."""
    if files and all(f.creation_time for f in files):
        return sorted(files, key=lambda f: (f.creation_time or "", f.relative_path))
    return sorted(files, key=lambda f: f.relative_path)


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
    settings: Settings | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> EditSessionPublic:
    """Assemble an edit session for one deliverable of an analysed batch, now.

    Arguments left out (``None``) come from what the project learned from feedback on earlier
    edits of this deliverable (``project.preferences["deliverables"][deliverable_type]``:
    style, duration, captions, variants), then from the defaults. ``start_tc`` is the record
    timecode every export starts at (default ``01:00:00:00``)."""
    ratios = _check_request(deliverable_type, aspect_ratios, reference_style, variants,
                            duration, music_path)
    if start_tc:
        parse_timecode(start_tc)
    music = Path(music_path).expanduser().resolve() if music_path else None
    settings = ready(settings)
    notify = progress or (lambda _stage, _fraction: None)
    with bind(batch_id=batch_id), db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        if batch.status != BatchStatus.ANALYZED:
            raise InvalidStateError(f"batch {batch_id} is {batch.status}; analyse it first "
                                    f"(editron analyze {batch_id})")
        analysis_row = repos.analyses.latest_analysis(session, batch_id, status="complete")
        if analysis_row is None:
            raise InvalidStateError(f"batch {batch_id} has no complete analysis")
        files = [f for f in batch.files if f.status == FileStatus.READY and f.has_video]
        media = {f.id: _media_info(f, i) for i, f in enumerate(_chronology(files))}
        brand = _brand(batch.project.brand if batch.project is not None else None)
        learned = _learned(batch.project.preferences if batch.project is not None else None,
                           deliverable_type)
        style = get_style(reference_style if reference_style is not None
                          else learned.get("style"))
        if include_captions is None:
            include_captions = bool(learned.get("captions", True))
        if variants is None and learned.get("variants") is not None:
            variants = int(learned["variants"])
        if duration is None and learned.get("duration") is not None:
            duration = float(learned["duration"])
        analysis = repos.analyses.load_document(analysis_row)
        brief = Brief.from_dict(analysis_row.brief or {})
        project_name = imovie_project or batch.reference_name
        row = repos.edit_sessions.create_edit_session(
            session, batch_id=batch_id, deliverable_type=deliverable_type, aspect_ratios=ratios,
            analysis_id=analysis_row.id, reference_style=style.name,
            include_captions=include_captions, imovie_project=project_name,
            variants=variants or get_deliverable(deliverable_type).variants)
        repos.tasks.ensure_tasks(session, batch)
        repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.IN_PROGRESS,
                             detail=f"assembling {deliverable_type}")
        session_id, revision = row.id, int(getattr(row, "revision", None) or 1)
    folder = settings.batch_dir(batch_id) / "edits" / session_id
    try:
        notify("blueprints", 0.0)
        blueprints = build_blueprints(analysis, brief, deliverable=deliverable_type,
                                      variants=variants, duration=duration, style=style,
                                      media=media)
        beats: list[float] = []
        if music is not None:
            beats = detect_beats(music)
        timelines: list[Timeline] = []
        for i, blueprint in enumerate(blueprints):
            notify("timelines", i / max(1, len(blueprints)))
            timelines += build_timelines(
                blueprint, aspect_ratios=ratios, analysis=analysis, media=media, style=style,
                brand=brand, include_captions=include_captions, project_name=project_name,
                music_path=str(music) if music else None, music_beats=beats,
                start_timecode=start_tc or DEFAULT_START, revision=revision)
        notify("exports", 0.0)
        exports = write_exports(folder, timelines, variants=len(blueprints))
    except EditronError as exc:
        _fail(settings, session_id, batch_id, exc.message)
        raise
    except Exception as exc:
        _fail(settings, session_id, batch_id, f"{type(exc).__name__}: {exc}")
        raise
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        repos.edit_sessions.update_edit_session(session, row,
                                                timelines=[t.to_dict() for t in timelines],
                                                exports=exports, variants=len(blueprints))
        repos.edit_sessions.set_session_status(session, row, SessionStatus.NEEDSREVIEW)
        repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.DONE,
                             detail=f"{deliverable_type}: {len(blueprints)} variant(s) × "
                             f"{len(ratios)} ratio(s) ready for review")
        append_event(session, entity_type="edit_session", entity_id=session_id,
                     event_type="edit_session.assembled", batch_id=batch_id,
                     session_id=session_id,
                     payload={"timelines": len(timelines),
                              "durations": sorted({round(t.duration, 3) for t in timelines}),
                              "notes": [n for b in blueprints for n in b.notes]})
        notify("done", 1.0)
        return EditSessionPublic.of(row)


def _fail(settings: Settings, session_id: str, batch_id: str, reason: str) -> None:
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        repos.edit_sessions.set_session_status(session, row, SessionStatus.FAILED,
                                               last_error=reason)
        repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.FAILED, detail=reason)
    log.error("edit session %s failed: %s", session_id, reason)


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
    timeline. Relative media paths are relative to the written file's folder; ``start_tc``
    replaces the session's record start timecode."""
    exporter = get_exporter(fmt)
    key = exporter.NAME
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
        data = export_timeline(tl, key, path_mode=path_mode,
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


def request_edit(*, batch_id: str, deliverable_type: str,
                 aspect_ratios: Sequence[str] | str | None = None,
                 reference_style: str | None = None, include_captions: bool | None = None,
                 imovie_project: str | None = None, variants: int | None = None,
                 duration: float | None = None, music_path: str | None = None,
                 start_tc: str | None = None, settings: Settings | None = None) -> str:
    """Validate now, assemble on the queue; returns the job id (the session id arrives in the
    job's ``edit_session.created`` event and in ``GET /api/batches/{id}/edit-sessions``)."""
    ratios = _check_request(deliverable_type, aspect_ratios, reference_style, variants,
                            duration, music_path)
    if start_tc:
        parse_timecode(start_tc)
    settings = ready(settings)
    with db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        if batch.status != BatchStatus.ANALYZED:
            raise InvalidStateError(f"batch {batch_id} is {batch.status}; analyse it first")
    job = EditJob(batch_id=batch_id, deliverable_type=deliverable_type, aspect_ratios=ratios,
                  reference_style=reference_style, include_captions=include_captions,
                  imovie_project=imovie_project, variants=variants, duration=duration,
                  music_path=music_path, start_tc=start_tc)
    return enqueue(EDIT_OPERATION, job, settings=settings, entity_type="batch",
                   entity_id=batch_id)


@operation(EDIT_OPERATION, EditJob)
def _run_edit(job: EditJob, settings: Settings) -> None:
    generate_video_edits(
        batch_id=job.batch_id, deliverable_type=job.deliverable_type,
        aspect_ratios=job.aspect_ratios, reference_style=job.reference_style,
        include_captions=job.include_captions, imovie_project=job.imovie_project,
        variants=job.variants, duration=job.duration, music_path=job.music_path,
        start_tc=job.start_tc, settings=settings)
