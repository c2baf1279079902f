"""The exporter registry and path modes."""

from __future__ import annotations

import pytest

from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.edit.exporters import EXPORTERS, UNAVAILABLE, export_timeline, media_url
from editron.edit.exporters.fcpxml import fcpx_time
from editron.errors import InputError

TL = Timeline("Demo", "social", 1, "16:9", 1920, 1080, FrameRate(25),
              (Clip("a", 10, 60, 0, "one"),),
              {"a": MediaInfo("a", "/media/day 1/a b.mp4", 30.0, 25.0, 1920, 1080)})


def test_registry_lists_every_format_by_name() -> None:
    assert {"otio", "fcpxml", "xmeml", "edl", "srt", "vtt", "ass"} <= set(EXPORTERS)
    assert UNAVAILABLE == {}
    assert all(name == e.NAME and e.EXTENSION for name, e in EXPORTERS.items())


def test_unknown_format_and_path_mode_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown export format"):
        export_timeline(TL, "aaf")
    with pytest.raises(InputError, match="path mode"):
        export_timeline(TL, "otio", path_mode="sideways")  # type: ignore[arg-type]


def test_media_urls_absolute_and_relative() -> None:
    info = TL.media["a"]
    assert media_url(info, path_mode="absolute", relative_to=None, timeline=TL) == \
        "file:///media/day%201/a%20b.mp4"
    assert media_url(info, path_mode="relative", relative_to=None, timeline=TL) == "a%20b.mp4"
    assert media_url(info, path_mode="relative", relative_to="/media", timeline=TL) == \
        "day%201/a%20b.mp4"


@pytest.mark.parametrize(("frames", "num", "den", "text"), [
    (0, 25, 1, "0s"), (50, 25, 1, "2s"), (13, 25, 1, "13/25s"),
    (10, 24000, 1001, "10010/24000s"), (1, 60000, 1001, "1001/60000s")])
def test_fcpx_time_is_an_exact_rational(frames: int, num: int, den: int, text: str) -> None:
    assert fcpx_time(frames, FrameRate(num, den)) == text
