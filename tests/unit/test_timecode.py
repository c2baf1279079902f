"""SMPTE timecode: drop-frame at 29.97 and 59.94, non-drop elsewhere, every frame once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editron.domain.timecode import frames_to_timecode, is_drop_frame, timecode_to_frames
from editron.domain.timeline import FrameRate
from editron.errors import InputError

NTSC30, NTSC60 = FrameRate(30000, 1001), FrameRate(60000, 1001)


@pytest.mark.parametrize(("rate", "text", "frames"), [
    (NTSC30, "01:00:00;00", 107892),  # an hour of wall clock at 29.97 DF
    (NTSC30, "00:01:00;02", 1800),  # ;00 and ;01 do not exist at minute 1
    (NTSC30, "00:10:00;00", 17982),  # every tenth minute keeps them
    (NTSC60, "01:00:00;00", 215784),
    (FrameRate(24000, 1001), "01:00:00:00", 86400),  # 23.976 counts non-drop
    (FrameRate(25), "01:00:00:00", 90000),
    (FrameRate(15), "00:00:01:14", 29),
    (FrameRate(120), "00:00:01:119", 239),
])
def test_timecode_and_frames_agree(rate: FrameRate, text: str, frames: int) -> None:
    assert timecode_to_frames(text, rate) == frames
    assert frames_to_timecode(frames, rate) == text


@given(st.integers(0, 2589407), st.sampled_from([NTSC30, NTSC60]))  # under 24 h DF
def test_drop_frame_round_trips_every_frame(frames: int, rate: FrameRate) -> None:
    text = frames_to_timecode(frames, rate)
    assert ";" in text
    assert timecode_to_frames(text, rate) == frames


def test_drop_frame_only_at_29_97_and_59_94() -> None:
    assert is_drop_frame(NTSC30) and is_drop_frame(NTSC60)
    for rate in (FrameRate(24000, 1001), FrameRate(30), FrameRate(48000, 1001)):
        assert not is_drop_frame(rate)
    # a file's track written with ':' counts non-drop even at 29.97
    assert timecode_to_frames("00:01:00:00", NTSC30, drop=False) == 1800


@pytest.mark.parametrize("text", ["1:00:00", "01:00:00:30", "00:01:00;00", "aa:bb:cc:dd"])
def test_bad_timecode_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        timecode_to_frames(text, NTSC30)
