"""Running the ffmpeg binary: locate it, run an argument list with progress, cancel and timeout.

Argument lists are built by pure functions elsewhere (derivatives, render graphs); this module
only executes them and translates failures into ``ProcessError`` with the stderr tail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from editron.errors import ProcessError

__all__ = ["FfmpegProgress", "ffmpeg_path", "parse_progress_block", "run_ffmpeg"]


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """A system ``ffmpeg`` on PATH wins; otherwise the static build shipped by imageio-ffmpeg."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True, slots=True)
class FfmpegProgress:
    out_time: float  # seconds of output written
    fps: float | None
    speed: float | None  # x real time
    percent: float | None  # of the expected duration, when known
    done: bool


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.rstrip("x"))
    except ValueError:
        return None


def parse_progress_block(fields: dict[str, str], duration: float | None) -> FfmpegProgress:
    """Turn one ``-progress`` key=value block into a progress record."""
    micros = fields.get("out_time_us") or fields.get("out_time_ms")
    out_time = 0.0
    if micros and micros.lstrip("-").isdigit():
        out_time = max(0.0, int(micros) / 1_000_000)
    percent = None
    if duration and duration > 0:
        percent = max(0.0, min(100.0, 100.0 * out_time / duration))
    done = fields.get("progress") == "end"
    if done and duration:
        percent = 100.0
    return FfmpegProgress(out_time, _float(fields.get("fps")), _float(fields.get("speed")),
                          percent, done)


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: Callable[[FfmpegProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    timeout: float | None = None,
    label: str = "",
) -> None:
    """Run ``ffmpeg ARGS`` (without the binary name). Raises ``ProcessError`` on failure,
    cancel or timeout; the process is killed in the last two cases."""
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-progress", "pipe:1", "-nostats", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            bufsize=1)
    stderr_tail: deque[str] = deque(maxlen=40)

    def drain_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            stderr_tail.append(line.rstrip())

    drainer = threading.Thread(target=drain_stderr, daemon=True)
    drainer.start()
    stop_reason: list[str] = []

    def watchdog() -> None:
        started = time.monotonic()
        while proc.poll() is None:
            if should_cancel is not None and should_cancel():
                stop_reason.append("cancelled")
                proc.kill()
                return
            if timeout is not None and time.monotonic() - started > timeout:
                stop_reason.append(f"timed out after {timeout:.0f} s")
                proc.kill()
                return
            time.sleep(0.1)

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    block: dict[str, str] = {}
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            block[key] = value
            if key == "progress":
                if on_progress is not None:
                    on_progress(parse_progress_block(block, duration))
                block = {}
    finally:
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.kill()
        code = proc.wait()
        drainer.join(timeout=5)
        guard.join(timeout=5)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    what = label or "ffmpeg"
    if stop_reason:
        raise ProcessError(f"{what}: ffmpeg {stop_reason[0]}", stderr_tail="\n".join(stderr_tail))
    if code != 0:
        tail = "\n".join(stderr_tail)
        last = stderr_tail[-1] if stderr_tail else f"exit code {code}"
        raise ProcessError(f"{what}: ffmpeg failed: {last}", stderr_tail=tail)
