"""The ffmpeg runner with the real binary: progress, failures, cancel, timeout."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from editron.errors import (
    ProcessCancelledError,
    ProcessCrashedError,
    ProcessError,
    ProcessTimeoutError,
)
from editron.media import ffmpeg
from editron.media.ffmpeg import FfmpegProgress, run_ffmpeg

# -re reads the source in real time: 30 s of work that must be cut short.
SLOW_SOURCE = ["-f", "lavfi", "-re", "-i", "testsrc2=size=320x240:rate=25:duration=30"]


def _ffmpeg_children() -> list[int]:
    return [p.pid for p in psutil.Process().children(recursive=True)
            if "ffmpeg" in p.name().lower()]


class _Spy:
    """A cancel check that also records the ffmpeg process it is watching."""

    def __init__(self, after: float | None) -> None:
        self.started = time.monotonic()
        self.after = after
        self.pids: set[int] = set()

    def __call__(self) -> bool:
        self.pids.update(_ffmpeg_children())
        return self.after is not None and time.monotonic() - self.started > self.after


def _gone(pids: set[int]) -> bool:
    return bool(pids) and not any(psutil.pid_exists(pid) for pid in pids)


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    seen: list[FfmpegProgress] = []
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", str(tmp_path / "o.mp4")],
               duration=2.0, on_progress=seen.append)
    assert seen and seen[-1].done and seen[-1].percent == 100.0
    assert seen[-1].out_time == pytest.approx(2.0, abs=0.1)
    percents = [p.percent for p in seen if p.percent is not None]
    assert percents == sorted(percents)


def test_failure_carries_stderr_and_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.mp4"
    with pytest.raises(ProcessError, match="ffmpeg failed") as caught:
        run_ffmpeg(["-i", str(missing), str(tmp_path / "o.mp4")], label="transcode",
                   path=missing)
    assert type(caught.value) is ProcessError
    assert "missing.mp4" in caught.value.stderr_tail and caught.value.path == str(missing)
    assert str(caught.value).startswith(str(missing))


def test_cancel_callable_kills_ffmpeg() -> None:
    spy = _Spy(after=0.5)
    with pytest.raises(ProcessCancelledError, match="cancelled"):
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], should_cancel=spy)
    assert time.monotonic() - spy.started < 5
    assert _gone(spy.pids), "the ffmpeg process is killed, not left running"


def test_cancel_event_from_another_thread_kills_ffmpeg() -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(ProcessCancelledError):
            run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], should_cancel=cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5 and _ffmpeg_children() == []


def test_timeout_kills_ffmpeg() -> None:
    spy = _Spy(after=None)
    with pytest.raises(ProcessTimeoutError, match=r"timed out after 0\.5 s"):
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], timeout=0.5, should_cancel=spy)
    assert time.monotonic() - spy.started < 5
    assert _gone(spy.pids)


def test_failing_progress_callback_stops_ffmpeg() -> None:
    def explode(_: FfmpegProgress) -> None:
        raise RuntimeError("the UI went away")

    spy = _Spy(after=None)
    with pytest.raises(RuntimeError, match="the UI went away"):
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], on_progress=explode, should_cancel=spy)
    assert time.monotonic() - spy.started < 5 and _ffmpeg_children() == []


def test_ffmpeg_killed_by_a_signal_is_a_crash_not_a_refusal() -> None:
    spy = _Spy(after=None)
    killer = threading.Thread(target=_kill_first_ffmpeg, args=(spy,), daemon=True)
    killer.start()
    with pytest.raises(ProcessCrashedError, match=r"render: ffmpeg crashed \(killed by SIGSEGV"
                       ) as caught:
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], should_cancel=spy, label="render")
    killer.join(timeout=5)
    assert caught.value.signal_number == signal.SIGSEGV and caught.value.code == "process_crashed"
    assert isinstance(caught.value, ProcessError), "still a process failure for callers"
    from editron.services.render.job import TRANSIENT_RENDER_ERRORS

    assert isinstance(caught.value, TRANSIENT_RENDER_ERRORS), "a render retries a crash"


def _kill_first_ffmpeg(spy: _Spy) -> None:
    deadline = time.monotonic() + 10
    while not spy.pids and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    for pid in spy.pids:
        os.kill(pid, signal.SIGSEGV)


def test_missing_binary_is_a_process_error(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(ffmpeg, "ffmpeg_path", lambda: str(tmp_path / "no-ffmpeg"))
    with pytest.raises(ProcessError, match="cannot start ffmpeg"):
        run_ffmpeg(["-version"], path=tmp_path / "clip.mp4")


def test_ffmpeg_path_is_executable() -> None:
    assert Path(ffmpeg.ffmpeg_path()).is_file()
