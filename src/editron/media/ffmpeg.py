"""Running the ffmpeg binary: locate it, run an argument list with progress, cancel and timeout.

Argument lists are built by pure functions elsewhere (derivatives here, render graphs later);
this module only executes them and translates failures into ``ProcessError`` (or its
``ProcessCancelledError`` / ``ProcessTimeoutError`` subclasses) carrying the stderr tail and
the file being worked on.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, TypeAlias

from editron.errors import (
    ProcessCancelledError,
    ProcessCrashedError,
    ProcessError,
    ProcessTimeoutError,
)
from editron.media.children import die_with_parent

__all__ = [
    "CancelCheck",
    "FfmpegProgress",
    "ProgressCallback",
    "crash_error",
    "ffmpeg_command",
    "ffmpeg_filters",
    "ffmpeg_path",
    "has_filter",
    "parse_progress_block",
    "run_ffmpeg",
]

STDERR_TAIL_LINES = 40
_POLL_SECONDS = 0.05


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """A system ``ffmpeg`` on PATH wins (it may carry hardware encoders); otherwise the static
    build shipped by imageio-ffmpeg, so a pip-only install works."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@lru_cache(maxsize=1)
def ffmpeg_filters() -> frozenset[str]:
    """The names of the filters this ffmpeg build has (``ffmpeg -filters``); builds differ
    (zscale needs libzimg, drawtext libfreetype, ass libass)."""
    try:
        listing = subprocess.run([ffmpeg_path(), "-hide_banner", "-filters"],
                                 capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    names = set()
    for line in listing.splitlines():
        parts = line.split()
        # " TS zscale  V->V  Apply resizing..." after the legend and the "---" rule.
        if len(parts) >= 3 and "->" in parts[2]:
            names.add(parts[1])
    return frozenset(names)


def has_filter(name: str) -> bool:
    return name in ffmpeg_filters()


@dataclass(frozen=True, slots=True)
class FfmpegProgress:
    out_time: float  # seconds of output written so far
    fps: float | None  # frames encoded per second of wall time
    speed: float | None  # × real time
    percent: float | None  # of the expected duration, when it is known
    done: bool


ProgressCallback: TypeAlias = Callable[[FfmpegProgress], None]


CancelCheck: TypeAlias = Callable[[], bool] | threading.Event


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip().rstrip("x"))
    except ValueError:  # ffmpeg writes "N/A" before the first frame
        return None


def parse_progress_block(fields: dict[str, str], duration: float | None) -> FfmpegProgress:
    """Turn one ``-progress`` key=value block into a progress record (pure)."""
    micros = fields.get("out_time_us") or fields.get("out_time_ms")  # both are µs in ffmpeg
    out_time = 0.0
    if micros and micros.lstrip("-").isdigit():
        out_time = max(0.0, int(micros) / 1_000_000)
    percent = None
    if duration and duration > 0:
        percent = round(max(0.0, min(100.0, 100.0 * out_time / duration)), 2)
    done = fields.get("progress") == "end"
    if done and duration:
        percent = 100.0
    return FfmpegProgress(out_time, _float(fields.get("fps")), _float(fields.get("speed")),
                          percent, done)


def ffmpeg_command(args: Sequence[str]) -> list[str]:
    """The full command line ``run_ffmpeg`` executes for ``args`` (pure but for locating the
    binary): quiet stderr except errors, machine-readable progress on stdout."""
    return [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-progress", "pipe:1", "-nostats", *args]


def _cancel_requested(check: CancelCheck | None) -> bool:
    if check is None:
        return False
    if isinstance(check, threading.Event):
        return check.is_set()
    return bool(check())


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    timeout: float | None = None,
    label: str = "",
    path: Path | str | None = None,
) -> None:
    """Run ``ffmpeg ARGS`` (without the binary name) to completion.

    ``duration`` (seconds of expected output) turns progress into a percentage.
    ``should_cancel`` is a ``threading.Event`` or a callable polled while ffmpeg runs.
    ``path`` names the file being worked on in any error; ``label`` says what was being done.
    Raises ``ProcessCancelledError`` / ``ProcessTimeoutError`` (ffmpeg killed) or
    ``ProcessError`` (non-zero exit), each with the last lines ffmpeg wrote to stderr.
    """
    what = label or "ffmpeg"
    where = str(path) if path is not None else None
    proc = _start_ffmpeg(args, what=what, where=where)
    stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    stop_reason: list[str] = []
    threads = [threading.Thread(target=_drain_stderr, args=(proc, stderr_tail), daemon=True),
               threading.Thread(target=_watchdog, args=(proc, should_cancel, timeout,
                                                        stop_reason), daemon=True)]
    for thread in threads:
        thread.start()
    assert proc.stdout is not None
    try:
        _follow_progress(proc.stdout, duration, on_progress)
    finally:
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.kill()  # the progress callback raised: do not leave ffmpeg running
        code = proc.wait()
        for thread in threads:
            thread.join(timeout=5)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    _raise_on_failure(code, stop_reason, stderr_tail, what=what, where=where, timeout=timeout)


def crash_error(what: str, code: int, *, path: str | None = None,
                stderr_tail: str = "") -> ProcessCrashedError:
    """The error for an ffmpeg that died of signal ``-code`` (a ``Popen.returncode`` < 0)
    that this process did not send: the job is worth another attempt."""
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return ProcessCrashedError(f"{what}: ffmpeg crashed (killed by {name})", path=path,
                               signal_number=-code, stderr_tail=stderr_tail)


def _start_ffmpeg(args: Sequence[str], *, what: str, where: str | None) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(ffmpeg_command(args), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace", bufsize=1,
                                preexec_fn=die_with_parent())
    except OSError as exc:
        raise ProcessError(f"{what}: cannot start ffmpeg: {exc.strerror or exc}",
                           path=where) from exc


def _drain_stderr(proc: subprocess.Popen[str], stderr_tail: deque[str]) -> None:
    # Read stderr concurrently, or a chatty ffmpeg fills the pipe and stalls.
    assert proc.stderr is not None
    for line in proc.stderr:
        stderr_tail.append(line.rstrip())


def _watchdog(proc: subprocess.Popen[str], should_cancel: CancelCheck | None,
              timeout: float | None, stop_reason: list[str]) -> None:
    # Separate from the stdout loop: ffmpeg may go quiet (stuck input) and never print.
    started = time.monotonic()
    while proc.poll() is None:
        if _cancel_requested(should_cancel):
            stop_reason.append("cancelled")
        elif timeout is not None and time.monotonic() - started > timeout:
            stop_reason.append("timeout")
        if stop_reason:
            proc.kill()
            return
        time.sleep(_POLL_SECONDS)


def _follow_progress(stdout: IO[str], duration: float | None,
                     on_progress: ProgressCallback | None) -> None:
    """Read ``-progress pipe:1`` blocks (``key=value`` lines ending with ``progress=``)."""
    block: dict[str, str] = {}
    for line in stdout:
        key, _, value = line.strip().partition("=")
        block[key] = value
        if key == "progress":
            if on_progress is not None:
                on_progress(parse_progress_block(block, duration))
            block = {}


def _raise_on_failure(code: int, stop_reason: list[str], stderr_tail: deque[str], *, what: str,
                      where: str | None, timeout: float | None) -> None:
    tail = "\n".join(stderr_tail)
    if stop_reason == ["cancelled"]:
        raise ProcessCancelledError(f"{what}: cancelled, ffmpeg stopped", path=where,
                                    stderr_tail=tail)
    if stop_reason:
        raise ProcessTimeoutError(f"{what}: ffmpeg timed out after {timeout:g} s and was "
                                  "stopped", path=where, stderr_tail=tail)
    if code < 0:
        raise crash_error(what, code, path=where, stderr_tail=tail)
    if code != 0:
        last = stderr_tail[-1] if stderr_tail else f"exit code {code}"
        raise ProcessError(f"{what}: ffmpeg failed: {last}", path=where, stderr_tail=tail)
