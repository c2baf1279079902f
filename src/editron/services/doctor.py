"""``editron doctor``: what this installation uses and whether each part works — the home
folder, the database, the queue, ffmpeg and its encoders, the speech model, the accurate shot
model, the caption font, and the free disk space."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pydantic import BaseModel

from editron import __version__
from editron.analysis.base import AVAILABLE_ANALYSERS, UNAVAILABLE_ANALYSERS
from editron.analysis.speech import default_model_path
from editron.config import Settings, get_settings
from editron.db.migrate import current_revision, head_revision
from editron.db.runtime import ping, ready
from editron.domain.redact import redact_url
from editron.errors import EditronError
from editron.jobs.app import queued_job_ids
from editron.jobs.capacity import free_space
from editron.media.ffmpeg import ffmpeg_path
from editron.story.styles import bundled_font_path

__all__ = ["Check", "DoctorReport", "run_checks"]

LOW_DISK_BYTES = 20 * 1024**3  # under this free where Editron writes, a long event may stop
NEEDED_ENCODERS = ("libx264", "aac")


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


class DoctorReport(BaseModel):
    version: str
    home: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _database(settings: Settings) -> Check:
    url = settings.resolved_database_url
    try:
        ready(settings)
        ping(settings)
        revision = current_revision(url)
    except EditronError as exc:
        return Check(name="database", ok=False, detail=f"{redact_url(url)}: {exc.message}")
    head = head_revision()
    return Check(name="database", ok=revision == head,
                 detail=f"{redact_url(url)} (schema {revision}, newest {head})")


def _queue(settings: Settings) -> Check:
    url = settings.resolved_queue_url
    try:
        waiting = len(queued_job_ids(settings))
    except EditronError as exc:
        return Check(name="queue", ok=False, detail=f"{redact_url(url)}: {exc.message}")
    where = "embedded (no worker needed)" if not settings.queue_url else "configured"
    return Check(name="queue", ok=True, detail=f"{redact_url(url)}, {where}, {waiting} waiting")


def _ffmpeg() -> Check:
    path = ffmpeg_path()
    try:
        proc = subprocess.run([path, "-hide_banner", "-encoders"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name="ffmpeg", ok=False, detail=f"{path}: {exc}")
    missing = [e for e in NEEDED_ENCODERS if f" {e} " not in proc.stdout]
    detail = path + (f"; missing encoders: {', '.join(missing)}" if missing else
                     f" ({', '.join(NEEDED_ENCODERS)} present)")
    return Check(name="ffmpeg", ok=not missing and proc.returncode == 0, detail=detail)


def _speech(settings: Settings) -> Check:
    try:
        path = settings.whisper_model_path or default_model_path()
    except EditronError as exc:
        return Check(name="speech model", ok=False, detail=exc.message)
    found = Path(path).expanduser()
    return Check(name="speech model", ok=(found / "model.bin").is_file(),
                 detail=f"{found}" + ("" if (found / "model.bin").is_file()
                                      else " (no model.bin: speech is not transcribed)"))


def _accurate_shots() -> Check:
    if "shots_transnet" in AVAILABLE_ANALYSERS:
        return Check(name="accurate shots", ok=True, detail="TransNetV2 available")
    return Check(name="accurate shots", ok=True,
                 detail="optional, off: " + UNAVAILABLE_ANALYSERS.get("shots_transnet", ""))


def _font() -> Check:
    try:
        return Check(name="caption font", ok=True, detail=str(bundled_font_path()))
    except EditronError as exc:
        return Check(name="caption font", ok=False, detail=exc.message)


def _disk(settings: Settings) -> Check:
    """Every filesystem Editron writes (home, media store folder, cache, scratch)."""
    space = free_space(settings)
    detail = "; ".join(f"{free / 1024**3:.1f} GiB free in {what} ({path})"
                       for what, path, free in space)
    return Check(name="disk", ok=all(free >= LOW_DISK_BYTES for _, _, free in space),
                 detail=detail or "no folder could be measured")


def run_checks(*, settings: Settings | None = None) -> DoctorReport:
    """Every check, each saying what it found; none raises."""
    settings = settings or get_settings()
    home = Check(name="home", ok=True, detail=str(settings.home_dir))
    try:
        settings.ensure_dirs()
    except EditronError as exc:
        home = Check(name="home", ok=False, detail=exc.message)
    checks = [home]
    if home.ok:
        checks += [_database(settings), _queue(settings), _disk(settings)]
    checks += [_ffmpeg(), _speech(settings), _accurate_shots(), _font()]
    return DoctorReport(version=__version__, home=str(settings.home_dir), checks=checks)
