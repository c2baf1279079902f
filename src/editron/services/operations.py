"""Register the services' long-running operations with the queue (thin wrappers)."""

from __future__ import annotations

from typing import Any

from editron.config import Settings
from editron.jobs.registry import register_operation, register_periodic
from editron.services import ingest

__all__: list[str] = []


def _ingest(arguments: dict[str, Any], settings: Settings) -> None:
    ingest.process_ingest(str(arguments["batch_id"]), settings=settings)


def _ingest_give_up(arguments: dict[str, Any], reason: str, settings: Settings) -> None:
    ingest.give_up_ingest(arguments, reason, settings=settings)


register_operation("ingest_media_batch", _ingest, on_give_up=_ingest_give_up)


def _analyze(arguments: dict[str, Any], settings: Settings) -> None:
    from editron.services.analyze import analyze_media_batch

    analyze_media_batch(batch_id=str(arguments["batch_id"]), brief=arguments.get("brief"),
                        scope=arguments.get("scope"), model_hint=arguments.get("model_hint"),
                        max_iterations=int(arguments.get("max_iterations", 3)),
                        settings=settings)


register_operation("analyze_media_batch", _analyze)


def _render(arguments: dict[str, Any], settings: Settings) -> None:
    from editron.services.render import process_render_job

    process_render_job(str(arguments["render_job_id"]), settings=settings)


def _render_give_up(arguments: dict[str, Any], reason: str, settings: Settings) -> None:
    from editron.services.render import give_up_render_job

    give_up_render_job(str(arguments["render_job_id"]), reason, settings=settings)


def _render_transient() -> tuple[type[BaseException], ...]:
    from editron.services.render import TRANSIENT_RENDER_ERRORS

    return TRANSIENT_RENDER_ERRORS


register_operation("render_job", _render, on_give_up=_render_give_up,
                   transient=_render_transient())


def _edit(arguments: dict[str, Any], settings: Settings) -> None:
    from editron.services.edit import generate_video_edits

    generate_video_edits(
        batch_id=str(arguments["batch_id"]), deliverable_type=str(arguments["deliverable_type"]),
        aspect_ratios=arguments.get("aspect_ratios"),
        reference_style=arguments.get("reference_style"),
        include_captions=arguments.get("include_captions"),
        imovie_project=arguments.get("imovie_project"), variants=arguments.get("variants"),
        duration=arguments.get("duration"), music_path=arguments.get("music_path"),
        start_tc=arguments.get("start_tc"), settings=settings)


register_operation("generate_video_edits", _edit)


def _poll_dropbox(arguments: dict[str, Any], settings: Settings) -> None:
    from editron.services.sources import poll_dropbox_source

    # A source paused after the poll was queued is left alone, not failed.
    poll_dropbox_source(str(arguments["source_id"]), settings=settings, skip_paused=True)


def _poll_transient() -> tuple[type[BaseException], ...]:
    from editron.errors import DownloadError

    # Dropbox or a temporary link out of reach after every retry: worth a later attempt.
    return (OSError, TimeoutError, DownloadError)


register_operation("poll_dropbox_source", _poll_dropbox, transient=_poll_transient())


def _monitor_dropbox(settings: Settings) -> None:
    """Queue a poll of every active Dropbox source (a poll already waiting is reused, so
    several workers doing this at once still make one poll per source)."""
    from editron.services.sources import list_sources, request_poll

    for source in list_sources(settings=settings, active=True):
        request_poll(source.id, settings=settings)


register_periodic("dropbox_monitor", lambda s: s.dropbox_poll_seconds, _monitor_dropbox)
