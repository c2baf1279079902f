"""``editron edit`` and ``editron export``: assemble timelines, and write them for an editor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from editron.cli.follow import queue_configured, wait_for_job
from editron.cli.output import emit, guarded, table
from editron.cli.progress import RichProgress
from editron.config import Settings, get_settings
from editron.domain.feedback import Adjustments
from editron.edit.exporters import EXPORTERS
from editron.edit.timeline import parse_ratio
from editron.errors import EditronError, InputError
from editron.services.edit import (
    EditSessionPublic,
    QueuedEdit,
    export_session,
    generate_video_edits,
    get_edit_session,
    request_edit,
)
from editron.services.ids import resolve_id
from editron.services.package import export_package
from editron.services.revisions import regenerate
from editron.services.vocabulary import names_of
from editron.store import local_folder
from editron.story.deliverables import DELIVERABLES

__all__ = ["register", "render_session", "run_edit"]

console = Console()
StartTc = Annotated[str, typer.Option("--start-tc", help="Record timecode of the first frame "
                                      "in every export (drop-frame at 29.97 and 59.94).")]


def render_session(doc: EditSessionPublic) -> None:
    title = f"edit session {doc.session_id} ({doc.deliverable_type}, {doc.status}"
    if doc.parent_id:
        title += f", revision {doc.revision} of {doc.parent_id}"
    table(title + ")",
          ("variant", "ratio", "size", "duration", "clips", "captions"),
          [(tl["variant"], tl["aspect_ratio"], f"{tl['width']}×{tl['height']}",
            f"{tl['duration']:.2f} s", len(tl["clips"]), len(tl["captions"]))
           for tl in doc.timelines])
    for key, path in doc.preview_paths.items():
        console.print(f"review preview {key}: {path}")
    for pref in doc.applied_preferences:
        console.print(f"applied: {pref['key']} = {pref['value']} — {pref['because']}")
    if doc.exports.get("folder"):  # a media-store key: shown where this host reads it
        console.print(f"timelines (OTIO, FCPXML, Premiere XML, EDL, captions): "
                      f"{local_folder(get_settings(), doc.exports['folder'])}")
    for err in doc.exports.get("errors", []):
        console.print(f"not written: {err['format']} {err['aspect_ratio']} v{err['variant']}: "
                      f"{err['error']}")


def run_edit(batch_id: str, *, deliverable: str, ratios: str | None, captions: bool | None,
             style: str | None, variants: int | None, duration: float | None,
             project: str | None = None, music: str | None = None,
             start_tc: str | None = None, previews: bool = False) -> EditSessionPublic:
    with RichProgress() as progress:
        return generate_video_edits(
            batch_id=batch_id, deliverable_type=deliverable, aspect_ratios=ratios,
            reference_style=style, include_captions=captions, imovie_project=project,
            variants=variants, duration=duration, music_path=music, start_tc=start_tc,
            previews=previews,
            progress=lambda stage, done: progress.on_step(f"edit {deliverable}", done * 100,
                                                          100, detail=stage))


def _by_hand(style: str | None, duration: float | None, captions: bool | None,
             ratios: str | None) -> Adjustments:
    """``edit --from`` options as the adjustments of the new revision."""
    return Adjustments(style=style, duration=duration, captions=captions,
                       ratios=tuple(parse_ratio(r) for r in ratios.split(",") if r.strip())
                       if ratios else None)


def _revise_by_hand(settings: Settings, source: str, adjustments: Adjustments, *,
                    wait: bool) -> EditSessionPublic | None:
    """``edit --from``: the new revision's session, or None once a queued job was printed."""
    with console.status("assembling the revision…"):
        made = regenerate(resolve_id(source, "edit session", settings=settings),
                          adjustments=adjustments, settings=settings)
    if queue_configured(settings) and not wait:
        emit(made, as_json=True)
        return None
    if queue_configured(settings):
        wait_for_job(settings, made.job_id or "")
    return get_edit_session(made.session_id, settings=settings)


def _follow_edit(settings: Settings, job: QueuedEdit, *,
                 wait: bool) -> EditSessionPublic | None:
    """A queued edit: printed at once, or followed until assembled (``--wait``)."""
    if not wait:
        emit(job, as_json=True)
        return None
    outcome = wait_for_job(settings, job.job_id)
    doc = get_edit_session(job.session_id, settings=settings)
    if outcome != "done":
        raise EditronError(f"edit job {job.job_id} {outcome}; see `editron "
                           f"session {job.session_id}`")
    return doc


def _edit_batch(settings: Settings, batch_id: str, *, deliverable: str, ratios: str | None,
                captions: bool | None, style: str | None, variants: int | None,
                duration: float | None, project: str | None, music: str | None,
                start_tc: str, previews: bool, wait: bool) -> EditSessionPublic | None:
    """``edit BATCH``: on the queue when one is configured (None once the job was printed),
    else assembled here."""
    if not queue_configured(settings):
        return run_edit(batch_id, deliverable=deliverable, ratios=ratios, captions=captions,
                        style=style, variants=variants, duration=duration, project=project,
                        music=music, start_tc=start_tc, previews=previews)
    job = request_edit(batch_id=batch_id, deliverable_type=deliverable, aspect_ratios=ratios,
                       reference_style=style, include_captions=captions,
                       imovie_project=project, variants=variants, duration=duration,
                       music_path=music, start_tc=start_tc, previews=previews,
                       settings=settings)
    return _follow_edit(settings, job, wait=wait)


def register(app: typer.Typer) -> None:
    _register_edit(app)
    _register_export(app)


def _register_edit(app: typer.Typer) -> None:
    @app.command()
    def edit(
        batch_id: Annotated[str | None, typer.Argument(
            help="The analysed batch (an id or unique prefix); not with --from.")] = None,
        deliverable: Annotated[str | None, typer.Option(help="; ".join(
            f"{d.name}: {d.summary}" for d in DELIVERABLES.values()) + ".")] = None,
        source: Annotated[str | None, typer.Option(
            "--from", help="Make this edit session again as a new revision, with what the "
                           "client's memory says now and the options given here.")] = None,
        ratios: Annotated[str | None, typer.Option(
            help=f"Aspect ratios, comma separated: {', '.join(names_of('aspect ratio'))}.")
                          ] = None,
        captions: Annotated[bool | None, typer.Option(
            "--captions/--no-captions", help="Default: what the project learned, else on.")
        ] = None,
        style: Annotated[str | None, typer.Option(
            help=f"Style preset: {', '.join(names_of('style'))}.")
                         ] = None,
        variants: Annotated[int | None, typer.Option(min=1, max=10)] = None,
        duration: Annotated[float | None, typer.Option(help="Target length in seconds.")
                            ] = None,
        project: Annotated[str | None, typer.Option(
            help="Project name written into the exported timelines.")] = None,
        music: Annotated[str | None, typer.Option(help="Music bed audio file.")] = None,
        start_tc: StartTc = "01:00:00:00",
        preview: Annotated[bool, typer.Option(
            "--preview/--no-preview", help="Render a small review preview of each timeline "
            "from the proxies.")] = True,
        wait: Annotated[bool, typer.Option("--wait", help="With a queue configured, follow "
                                           "the job until the session is assembled.")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Assemble an edit session: one timeline per variant and aspect ratio.

        Runs in-process, or on the queue when EDITRON_QUEUE_URL is set (then it prints the
        job and the session id at once; --wait follows it)."""
        settings = get_settings()
        with guarded(as_json=as_json):
            if source is not None:
                if batch_id is not None or deliverable is not None:
                    raise InputError("--from SESSION makes that session again; leave out the "
                                     "batch and --deliverable")
                doc = _revise_by_hand(settings, source, _by_hand(style, duration, captions,
                                                                 ratios), wait=wait)
            elif batch_id is None or deliverable is None:
                raise InputError("name the batch and --deliverable, or --from SESSION")
            else:
                doc = _edit_batch(settings, resolve_id(batch_id, "batch", settings=settings),
                                  deliverable=deliverable, ratios=ratios, captions=captions,
                                  style=style, variants=variants, duration=duration,
                                  project=project, music=music, start_tc=start_tc,
                                  previews=preview, wait=wait)
            if doc is None:  # queued and not waited for: the job was printed
                return
        emit(doc, as_json=as_json, render=lambda: render_session(doc))


def _register_export(app: typer.Typer) -> None:
    @app.command()
    def export(
        session_id: str,
        fmt: Annotated[str | None, typer.Option(
            "--format", help="; ".join(f"{e.NAME}: {e.LABEL}" for e in EXPORTERS.values())
            + ".")] = None,
        out: Annotated[Path | None, typer.Option(help="A file (one timeline) or a folder.")
                       ] = None,
        ratio: Annotated[str | None, typer.Option(help="Only this aspect ratio.")] = None,
        variant: Annotated[int | None, typer.Option(min=1)] = None,
        relative: Annotated[bool, typer.Option(
            "--relative/--absolute", help="Media paths relative to the written file.")] = False,
        start_tc: Annotated[str | None, typer.Option(
            "--start-tc", help="Record timecode of the first frame (default: the "
            "session's, 01:00:00:00).")] = None,
        package: Annotated[Path | None, typer.Option(
            help="Write a handoff package here: every format and ratio, the media, a README."
        )] = None,
        proxies: Annotated[bool, typer.Option(
            "--proxies", help="With --package: the proxies instead of the originals.")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Write an edit session's timelines for Final Cut, Premiere, Resolve or any OTIO tool."""
        if package is not None:
            with guarded(as_json=as_json):
                session_id = resolve_id(session_id, "edit session")
                made = export_package(session_id=session_id, out=package, proxies=proxies,
                                      start_tc=start_tc)
            emit(made, as_json=as_json,
                 render=lambda: console.print(f"package: {made['package']} "
                                              f"({len(made['files'])} timelines, "
                                              f"{len(made['media'])} media files)"))
            return
        with guarded(as_json=as_json):
            session_id = resolve_id(session_id, "edit session")
            if fmt is None or out is None or not str(out):
                raise InputError("name --format and --out (a file or a folder), or --package")
            paths = export_session(session_id=session_id, fmt=fmt, out=out, ratio=ratio,
                                   variant=variant, start_tc=start_tc,
                                   path_mode="relative" if relative else "absolute")
        doc = {"session_id": session_id, "format": fmt, "files": [str(p) for p in paths]}

        def render() -> None:
            for path in paths:
                console.print(f"wrote {path}")

        emit(doc, as_json=as_json, render=render)
