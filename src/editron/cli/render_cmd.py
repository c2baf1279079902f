"""``editron render``, ``renders``, ``cancel-render`` and ``retry-render``."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from editron.cli.follow import queue_configured
from editron.cli.output import EXIT_FAILED, emit, guarded, short_ids, table
from editron.cli.progress import RichProgress
from editron.config import Settings, get_settings
from editron.domain.status import Priority
from editron.errors import EditronError
from editron.services.ids import resolve_id
from editron.services.render import (
    RenderJobPublic,
    RenderRequestPublic,
    cancel_render_job,
    get_render_job,
    list_session_renders,
    render_video_deliverables,
    retry_render_job,
    run_render_job_inline,
)
from editron.services.vocabulary import destination_help, names_of

__all__ = ["register", "render_jobs_table"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def render_jobs_table(jobs: list[RenderJobPublic], title: str = "renders") -> None:
    short = short_ids("render job", [j.id for j in jobs])

    def qc(j: RenderJobPublic) -> str:
        if not j.qc:
            return "-"
        return "pass" if j.qc.get("passed") else "fail: " + ", ".join(j.qc.get("flags", []))

    table(title, ("job", "ratio", "variant", "format", "status", "progress", "QC", "output"),
          [(short[j.id], j.aspect_ratio, j.variant, j.format, j.status,
            f"{j.progress_percent:.0f}%", qc(j),
            j.output_urls[0] if j.output_urls else (j.last_error or "")) for j in jobs])


def _follow(settings: Settings, ids: list[str], timeout: float = 12 * 3600
            ) -> list[RenderJobPublic]:
    """Show queued jobs' progress until every one has ended."""
    deadline = time.monotonic() + timeout
    with RichProgress() as progress:
        while time.monotonic() < deadline:
            jobs = [get_render_job(i, settings=settings) for i in ids]
            for j in jobs:
                progress.on_step(f"{j.aspect_ratio} v{j.variant} {j.format}",
                                 j.progress_percent, 100, detail=j.status)
            if all(j.status in ("complete", "failed", "cancelled") for j in jobs):
                return jobs
            time.sleep(0.5)
    raise EditronError("renders did not finish in time; check `editron renders` and that a "
                       "worker runs (`editron worker`)")


def register(app: typer.Typer) -> None:
    _register_render(app)
    _register_renders(app)
    _register_cancel_render(app)
    _register_retry_render(app)


def _register_render(app: typer.Typer) -> None:
    @app.command()
    def render(
        session_id: str,
        formats: Annotated[str, typer.Option(
            help=f"Comma separated: {', '.join(names_of('render format'))}.")] = "mp4",
        destination: Annotated[list[str] | None, typer.Option(
            help=f"Where renders go, repeat for several: {destination_help()}.")] = None,
        priority: Annotated[Priority, typer.Option(
            help="Which renders run first.")] = Priority.STANDARD,
        profile: Annotated[str | None, typer.Option(
            help="youtube, reels, tiktok, square, master, web or preview (default: by ratio "
                 "and format).")
        ] = None,
        wait: Annotated[bool, typer.Option("--wait", help="With a queue configured, follow "
                                           "the renders until they end.")] = False,
        force: Annotated[bool, typer.Option(
            "--force", help="Render again while earlier renders are queued or running.")
        ] = False,
        no_review: Annotated[bool, typer.Option(
            "--no-review", help="Render a session nobody approved.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Render an edit session's timelines, check them (QC) and deliver them.

        Runs in-process, or on the queue when EDITRON_QUEUE_URL is set."""
        settings = get_settings()
        queued = queue_configured(settings)
        with guarded(as_json=as_json):
            session_id = resolve_id(session_id, "edit session")
            request = render_video_deliverables(
                edit_session_id=session_id, destinations=destination, formats=formats,
                priority=priority.value, profile=profile, settings=settings,
                enqueue_jobs=queued, force=force, no_review=no_review)
            if not queued:
                jobs = []
                with RichProgress() as progress:
                    for job in request.jobs:
                        label = f"{job.aspect_ratio} v{job.variant} {job.format}"

                        def step(percent: float, label: str = label) -> None:
                            progress.on_step(label, percent, 100, detail="rendering")

                        jobs.append(run_render_job_inline(job.id, settings=settings,
                                                          on_progress=step))
                request = RenderRequestPublic(edit_session_id=session_id,
                                              render_job_ids=request.render_job_ids, jobs=jobs)
            elif wait:
                request = RenderRequestPublic(
                    edit_session_id=session_id, render_job_ids=request.render_job_ids,
                    jobs=_follow(settings, request.render_job_ids))
        final = request
        emit(final, as_json=as_json, render=lambda: render_jobs_table(final.jobs))
        if any(j.status == "failed" for j in final.jobs):
            raise typer.Exit(EXIT_FAILED)


def _register_renders(app: typer.Typer) -> None:
    @app.command()
    def renders(session_id: str, as_json: JsonOpt = False) -> None:
        """The render jobs of an edit session, in the order they run."""
        with guarded(as_json=as_json):
            session_id = resolve_id(session_id, "edit session")
            jobs = list_session_renders(session_id)
        emit({"edit_session_id": session_id, "jobs": jobs}, as_json=as_json,
             render=lambda: render_jobs_table(jobs, f"renders of {session_id}"))


def _register_cancel_render(app: typer.Typer) -> None:
    @app.command("cancel-render")
    def cancel_render(job_id: str, as_json: JsonOpt = False) -> None:
        """Stop a queued or running render; its temporary files are removed."""
        with guarded(as_json=as_json):
            job = cancel_render_job(resolve_id(job_id, "render job"))
        emit(job, as_json=as_json, render=lambda: render_jobs_table([job]))


def _register_retry_render(app: typer.Typer) -> None:
    @app.command("retry-render")
    def retry_render(job_id: str, as_json: JsonOpt = False) -> None:
        """Run a failed or cancelled render again."""
        settings = get_settings()
        queued = queue_configured(settings)
        with guarded(as_json=as_json):
            job_id = resolve_id(job_id, "render job", settings=settings)
            job = retry_render_job(job_id, settings=settings, enqueue_job=queued)
            if not queued:
                job = run_render_job_inline(job_id, settings=settings)
        emit(job, as_json=as_json, render=lambda: render_jobs_table([job]))
        if job.status == "failed":
            raise typer.Exit(EXIT_FAILED)
