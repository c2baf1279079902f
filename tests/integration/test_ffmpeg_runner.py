from __future__ import annotations

import time
from pathlib import Path

import pytest

from editron.errors import ProcessError
from editron.media.ffmpeg import FfmpegProgress, run_ffmpeg

SLOW_SOURCE = ["-f", "lavfi", "-re", "-i", "testsrc2=size=320x240:rate=25:duration=30"]


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    seen: list[FfmpegProgress] = []
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", str(tmp_path / "o.mp4")],
               duration=2.0, on_progress=seen.append)
    assert seen and seen[-1].done and seen[-1].percent == 100.0


def test_failure_carries_stderr(tmp_path: Path) -> None:
    with pytest.raises(ProcessError, match="ffmpeg failed") as caught:
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), str(tmp_path / "o.mp4")],
                   label="probe missing")
    assert "missing.mp4" in caught.value.stderr_tail


def test_cancel_kills_ffmpeg(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ProcessError, match="cancelled"):
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"],
                   should_cancel=lambda: time.monotonic() - started > 0.5)
    assert time.monotonic() - started < 5


def test_timeout_kills_ffmpeg() -> None:
    started = time.monotonic()
    with pytest.raises(ProcessError, match="timed out"):
        run_ffmpeg([*SLOW_SOURCE, "-f", "null", "-"], timeout=0.5)
    assert time.monotonic() - started < 5
