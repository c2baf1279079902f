"""Assembling an edit session that exists (``assembling``): its stored request, the client's
memory and the brief are weighed (``story.choices``), blueprints picked from the latest
analysis, one timeline made per variant and aspect ratio, and every export written beside
it. Running it again on the same session (a retried job, a crash) builds it again from the
same request; a session already assembled is left as it is (but for review previews it was
asked for and a crash kept it from rendering)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from editron.config import Settings
from editron.db import repos
from editron.db.models import MediaBatch, MediaFile
from editron.db.repos.events import append_event
from editron.db.runtime import db
from editron.domain.analysis import Brief
from editron.domain.feedback import SourceSpan
from editron.domain.status import FileStatus, SessionStatus, Stage, TaskStatus
from editron.domain.timecode import DEFAULT_START
from editron.domain.timeline import BrandPod, MediaInfo, Timeline
from editron.edit.music import detect_beats
from editron.edit.timeline import build_timelines
from editron.errors import EditronError, InputError, InvalidStateError
from editron.logs import bind
from editron.services.edit_public import EditSessionPublic, EditSpec
from editron.services.memory import memory_for
from editron.services.render.previews import render_previews
from editron.services.timeline_exports import publish_exports, write_exports
from editron.services.timeline_media import in_store, media_key, referenced
from editron.story.blueprints import build_blueprints
from editron.story.choices import EditChoices, choose
from editron.story.styles import default_brand

__all__ = ["assemble_session", "no_picture_reason"]

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]


def _media_info(row: MediaFile, order: int, settings: Settings) -> MediaInfo:
    """The file as the timeline names it: by its media-store key (never this host's path of
    it, which another host would not have); asked of the store, not fetched."""
    if not row.storage_path or not in_store(settings, row.storage_path):
        raise InvalidStateError(f"{row.filename}: the original is not in local storage; "
                                "bring the batch back to the hot tier before editing")
    path = media_key(settings, row.storage_path) or row.storage_path
    return MediaInfo(file_id=row.id, path=path, duration=row.duration_seconds or 0.0,
                     fps=row.fps or 25.0, width=row.width or 1920, height=row.height or 1080,
                     has_audio=row.has_audio, is_vfr=row.is_vfr, order=order,
                     timecode=row.timecode, audio_channels=row.audio_channels or 2)


def _chronology(files: list[MediaFile]) -> list[MediaFile]:
    """Capture time when every file has one, else the name (cameras number their files)."""
    if files and all(f.creation_time for f in files):
        return sorted(files, key=lambda f: (f.creation_time or "", f.relative_path))
    return sorted(files, key=lambda f: f.relative_path)


def no_picture_reason(files: Sequence[MediaFile]) -> str:
    """Why nothing can be cut, file by file: audio-only files give sound but no picture."""
    sound = [f.relative_path for f in files if f.status == FileStatus.READY and not f.has_video]
    if sound:
        return ("no file in this batch has a picture to cut: " + ", ".join(sound[:5])
                + (" has" if len(sound) == 1 else " have") + " audio only; add video footage")
    return "no media to edit: no file in this batch is ready"


def _brand(project_brand: dict[str, Any] | None) -> BrandPod:
    known = set(BrandPod.__dataclass_fields__)
    overrides = {k: v for k, v in (project_brand or {}).items() if k in known and v is not None}
    for key in ("logo_path", "font_path"):
        if key in overrides and not Path(str(overrides[key])).expanduser().is_file():
            raise InputError(f"the project's brand {key} {overrides[key]!r} does not exist; "
                             "fix it with the project settings", path=str(overrides[key]))
    return default_brand(**overrides)


def _here(spans: tuple[SourceSpan, ...], files: list[MediaFile]) -> list[SourceSpan]:
    """The spans that fall in this batch's files: by file id, or by the file's checksum
    (the same footage in another of the client's batches)."""
    by_checksum = {f.checksum_sha256: f.id for f in files if f.checksum_sha256}
    ids = {f.id for f in files}
    out = []
    for span in spans:
        if span.file_id in ids:
            out.append(span)
        elif span.checksum and span.checksum in by_checksum:
            out.append(SourceSpan(by_checksum[span.checksum], span.start, span.end,
                                  span.checksum))
    return out


class _Inputs:
    """Everything the build reads, taken from the database in one transaction."""

    def __init__(self, batch: MediaBatch, spec: EditSpec, revision: int, *,
                 settings: Settings) -> None:
        files = [f for f in batch.files if f.status == FileStatus.READY and f.has_video]
        if not files:
            raise InputError(no_picture_reason(batch.files))
        self.files = files
        self.media: Mapping[str, MediaInfo] = {
            f.id: _media_info(f, i, settings) for i, f in enumerate(_chronology(files))}
        self.brand = _brand(batch.project.brand if batch.project is not None else None)
        self.spec, self.revision = spec, revision
        self.project_name = spec.imovie_project or batch.reference_name


def assemble_session(session_id: str, *, settings: Settings,
                     progress: Progress | None = None) -> EditSessionPublic:
    """Build the session's timelines and exports from its stored request (see the module
    docstring); the session ends ``needsreview``, or ``failed`` with the reason."""
    notify = progress or (lambda _stage, _fraction: None)
    assembled = _already_assembled(settings, session_id)
    if assembled is not None:
        return assembled
    with bind(session_id=session_id), db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        if row.status != SessionStatus.ASSEMBLING:
            if row.status != SessionStatus.FAILED or row.timelines:
                return EditSessionPublic.of(row)  # assembled already: a duplicate run
            repos.edit_sessions.set_session_status(session, row, SessionStatus.ASSEMBLING)
        batch_id, spec = row.batch_id, EditSpec.model_validate(row.request)
        batch = repos.batches.get_batch(session, batch_id)
        analysis_row = repos.analyses.latest_analysis(session, batch_id, status="complete")
        if analysis_row is None:
            raise InvalidStateError(f"batch {batch_id} has no complete analysis")
        analysis = repos.analyses.load_document(analysis_row)
        brief = Brief.from_dict(analysis_row.brief or {})
        try:
            inputs = _Inputs(batch, spec, row.revision, settings=settings)
        except EditronError as exc:
            repos.edit_sessions.set_session_status(session, row, SessionStatus.FAILED,
                                                   last_error=exc.message)
            raise
        choices = choose(deliverable=spec.deliverable_type, brief=brief,
                         request=spec.explicit(),
                         memory=memory_for(session, batch, spec.deliverable_type))
    try:
        timelines, notes, exports = _build(inputs, choices, analysis, brief, notify,
                                           settings, settings.batch_dir(batch_id) / "edits" /
                                           session_id)
    except EditronError as exc:
        _fail(settings, session_id, batch_id, exc.message)
        raise
    except Exception as exc:
        _fail(settings, session_id, batch_id, f"{type(exc).__name__}: {exc}")
        raise
    made = _finish(settings, session_id, batch_id, timelines, notes, exports, choices)
    if spec.previews:
        notify("previews", 0.0)
        made = _previews(settings, session_id, batch_id) or made
    return made


def _already_assembled(settings: Settings, session_id: str) -> EditSessionPublic | None:
    """The session when a run before this one assembled it: a duplicate run, or the resumed
    run of a process killed after assembling, which renders the review previews still owed;
    None when it is to be assembled (``assembling``, or failed before any timeline)."""
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        if row.status == SessionStatus.ASSEMBLING or (row.status == SessionStatus.FAILED
                                                      and not row.timelines):
            return None
        public, batch_id = EditSessionPublic.of(row), row.batch_id
        owed = (row.status == SessionStatus.NEEDSREVIEW and not row.preview_paths
                and bool((row.request or {}).get("previews")))
    return (_previews(settings, session_id, batch_id) or public) if owed else public


def _previews(settings: Settings, session_id: str, batch_id: str) -> EditSessionPublic | None:
    """Render the review previews; a failure is logged and noted, the cut stays reviewable
    (its exports are written)."""
    try:
        render_previews(session_id, settings=settings)
    except EditronError as exc:
        log.warning("review previews of %s not rendered: %s", session_id, exc.message)
        with db(settings) as session:
            append_event(session, entity_type="edit_session", entity_id=session_id,
                         event_type="edit_session.previews_failed", batch_id=batch_id,
                         session_id=session_id, payload={"error": exc.message})
        return None
    with db(settings) as session:
        return EditSessionPublic.of(repos.edit_sessions.get_edit_session(session, session_id))


def _build(inputs: _Inputs, choices: EditChoices, analysis: Any, brief: Brief,
           notify: Progress, settings: Settings, folder: Path
           ) -> tuple[list[Timeline], list[str], dict[str, Any]]:
    spec = inputs.spec
    notify("blueprints", 0.0)
    blueprints = build_blueprints(analysis, brief, deliverable=spec.deliverable_type,
                                  variants=spec.variants, duration=choices.duration,
                                  style=choices.style, media=inputs.media,
                                  drop=_here(choices.drop, inputs.files),
                                  keep=_here(choices.keep, inputs.files))
    music = Path(spec.music_path).expanduser() if spec.music_path and choices.music else None
    beats = detect_beats(music) if music is not None else []
    timelines: list[Timeline] = []
    for i, blueprint in enumerate(blueprints):
        notify("timelines", i / max(1, len(blueprints)))
        timelines += build_timelines(
            blueprint, aspect_ratios=spec.aspect_ratios, analysis=analysis, media=inputs.media,
            style=choices.style, brand=inputs.brand, include_captions=choices.captions,
            project_name=inputs.project_name, music_path=str(music) if music else None,
            music_beats=beats, start_timecode=spec.start_tc or DEFAULT_START,
            revision=inputs.revision)
    notify("exports", 0.0)
    written = write_exports(folder, [referenced(t, settings) for t in timelines],
                            variants=len(blueprints))
    exports = publish_exports(settings, written)
    return timelines, [n for b in blueprints for n in b.notes], exports


def _finish(settings: Settings, session_id: str, batch_id: str, timelines: list[Timeline],
            notes: list[str], exports: dict[str, Any], choices: EditChoices
            ) -> EditSessionPublic:
    variants = len({t.variant for t in timelines}) or 1
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        repos.edit_sessions.update_edit_session(
            session, row, timelines=[t.to_dict() for t in timelines], exports=exports,
            variants=variants, reference_style=choices.style.name,
            include_captions=choices.captions,
            applied_preferences=[asdict(a) for a in choices.applied]
            + [{"key": "note", "value": row.deliverable_type, "because": n} for n in notes])
        repos.edit_sessions.set_session_status(session, row, SessionStatus.NEEDSREVIEW)
        repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.DONE,
                             detail=f"{row.deliverable_type} r{row.revision}: {variants} "
                                    f"variant(s) × {len(row.aspect_ratios)} ratio(s) ready "
                                    "for review")
        append_event(session, entity_type="edit_session", entity_id=session_id,
                     event_type="edit_session.assembled", batch_id=batch_id,
                     session_id=session_id,
                     payload={"timelines": len(timelines), "revision": row.revision,
                              "durations": sorted({round(t.duration, 3) for t in timelines}),
                              "notes": notes,
                              "applied_preferences": [a.key for a in choices.applied]})
        return EditSessionPublic.of(row)


def _fail(settings: Settings, session_id: str, batch_id: str, reason: str) -> None:
    with db(settings) as session:
        row = repos.edit_sessions.get_edit_session(session, session_id)
        if row.status == SessionStatus.ASSEMBLING:
            repos.edit_sessions.set_session_status(session, row, SessionStatus.FAILED,
                                                   last_error=reason)
        repos.tasks.set_task(session, batch_id, Stage.EDIT, TaskStatus.FAILED, detail=reason)
    log.error("edit session %s failed: %s", session_id, reason)
