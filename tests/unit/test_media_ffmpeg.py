"""Pure parts of the ffmpeg runner: progress parsing and the command line."""

from __future__ import annotations

import threading

from editron.media import ffmpeg
from editron.media.ffmpeg import ffmpeg_command, parse_progress_block


def test_progress_block_parsing() -> None:
    block = {"out_time_us": "5000000", "fps": "120.5", "speed": "4.1x", "progress": "continue"}
    progress = parse_progress_block(block, 20.0)
    assert progress.out_time == 5.0 and progress.percent == 25.0
    assert progress.fps == 120.5 and progress.speed == 4.1 and not progress.done


def test_progress_before_the_first_frame() -> None:
    start = parse_progress_block({"out_time_us": "N/A", "fps": "0.00", "speed": "N/A",
                                  "progress": "continue"}, 20.0)
    assert start.out_time == 0.0 and start.percent == 0.0 and start.speed is None


def test_progress_end_and_clamping() -> None:
    end = parse_progress_block({"out_time_us": "N/A", "progress": "end"}, 20.0)
    assert end.done and end.percent == 100.0
    over = parse_progress_block({"out_time_ms": "25000000", "progress": "continue"}, 20.0)
    assert over.percent == 100.0 and over.out_time == 25.0
    negative = parse_progress_block({"out_time_us": "-23220", "progress": "continue"}, 20.0)
    assert negative.out_time == 0.0 and negative.percent == 0.0


def test_progress_without_known_duration() -> None:
    progress = parse_progress_block({"out_time_us": "1500000", "progress": "continue"}, None)
    assert progress.out_time == 1.5 and progress.percent is None


def test_command_line() -> None:
    cmd = ffmpeg_command(["-i", "in.mp4", "out.mp4"])
    assert cmd[0] == ffmpeg.ffmpeg_path() and cmd[-3:] == ["-i", "in.mp4", "out.mp4"]
    assert cmd[cmd.index("-progress") + 1] == "pipe:1" and "-nostdin" in cmd


def test_cancel_check_accepts_event_or_callable() -> None:
    event = threading.Event()
    assert not ffmpeg._cancel_requested(event)
    event.set()
    assert ffmpeg._cancel_requested(event)
    assert ffmpeg._cancel_requested(lambda: True) and not ffmpeg._cancel_requested(None)
