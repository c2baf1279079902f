"""What a worker host can take on: render slots shared by every worker on the host, and the
free-disk floor under which a worker takes no new job.

Render slots are lock files in a host-local folder, one per slot, held with ``flock`` while a
render runs: the kernel releases a dead process's locks, so a SIGKILLed worker never keeps a
slot, and every worker process on the host (each ``editron worker``, a server's embedded one)
counts against the same number, one per core the process may use unless
``EDITRON_RENDER_SLOTS_PER_HOST`` says otherwise.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from editron.config import Settings
from editron.errors import ConfigError

__all__ = ["DiskState", "RenderSlot", "disk_state", "free_space", "render_slot_count",
           "render_slot_folder", "try_render_slot"]


def render_slot_count(settings: Settings) -> int:
    """Renders this host runs at once: the setting, else the cores this process may use."""
    if settings.render_slots_per_host > 0:
        return settings.render_slots_per_host
    return max(1, len(os.sched_getaffinity(0)))


def render_slot_folder() -> Path:
    """This user's host-local slot folder (EDITRON_HOME may be a share that several hosts
    mount): under ``$XDG_RUNTIME_DIR`` when there is one, else ``<tmp>/editron-<uid>``,
    made 0700 and refused (ConfigError) when another user owns it or may write to it, since
    whoever controls the folder could hold every slot or swap the lock files."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "editron" if runtime and Path(runtime).is_dir() else \
        Path(tempfile.gettempdir()) / f"editron-{os.getuid()}"
    folder = base / "render-slots"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for part in (base, folder):
        info = part.lstat()
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            raise ConfigError(f"{part}: the render-slot folder must be a directory of user "
                              f"{os.getuid()} that no one else may write to; remove it (or "
                              "set XDG_RUNTIME_DIR) and start the worker again", path=str(part))
    return folder


class RenderSlot:
    """One held render slot; ``release`` (or the process ending) frees it."""

    def __init__(self, handle: IO[bytes], number: int) -> None:
        self._handle, self.number = handle, number

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the file drops its flock


def try_render_slot(settings: Settings) -> RenderSlot | None:
    """A free render slot of this host, or None when every one is held."""
    folder = render_slot_folder()
    for number in range(render_slot_count(settings)):
        fd = os.open(folder / f"slot-{number}.lock",
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        handle = os.fdopen(fd, "ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return RenderSlot(handle, number)
    return None


@dataclass(frozen=True, slots=True)
class DiskState:
    """Whether a worker may take new work, by the free space of the folders it writes."""

    accepting: bool
    free_bytes: int | None  # the least free space among the folders checked
    detail: str | None  # why it refuses work (None while it accepts)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _watched(settings: Settings) -> dict[str, Path]:
    return {"EDITRON_HOME": settings.home_dir, "media": settings.storage_dir,
            "cache": settings.media_cache_dir, "scratch": Path(tempfile.gettempdir())}


def free_space(settings: Settings) -> list[tuple[str, Path, int]]:
    """Free bytes of each folder Editron writes (home, media, cache, scratch), one entry per
    filesystem (the first folder found on it), one ``statvfs`` each; a folder that cannot be
    read is left out."""
    found: list[tuple[str, Path, int]] = []
    seen: set[int] = set()
    for what, path in _watched(settings).items():
        try:
            existing = _existing(path)
            device = existing.stat().st_dev
            if device in seen:
                continue
            seen.add(device)
            vfs = os.statvfs(existing)
        except OSError:
            continue
        found.append((what, existing, vfs.f_bavail * vfs.f_frsize))
    return found


def disk_state(settings: Settings) -> DiskState:
    """Free space of the home, media, cache and scratch folders against
    ``worker_min_free_bytes`` (cheap enough before every job)."""
    floor = settings.worker_min_free_bytes
    space = free_space(settings)
    least = min((free for _, _, free in space), default=None)
    short = [f"{what} ({path}) has {free / 2**30:.2f} GiB free"
             for what, path, free in space if free < floor]
    if not short:
        return DiskState(True, least, None)
    return DiskState(False, least, "; ".join(short) + f", under the floor of "
                     f"{floor / 2**30:.2f} GiB (EDITRON_WORKER_MIN_FREE_BYTES): taking no new "
                     "job until space is freed")
