"""The exporter registry and path modes."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest

from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.edit.exporters import EXPORTERS, UNAVAILABLE, export_timeline, media_url
from editron.edit.exporters.fcpxml import fcpx_time
from editron.errors import InputError
from tests.fcpxml_structure import seconds

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


ALL_RATES = [FrameRate(24000, 1001), FrameRate(24), FrameRate(25), FrameRate(30000, 1001),
             FrameRate(30), FrameRate(50), FrameRate(60000, 1001), FrameRate(60),
             FrameRate(12), FrameRate(15), FrameRate(20), FrameRate(48), FrameRate(120)]


@pytest.mark.parametrize("rate", ALL_RATES, ids=str)
def test_each_format_says_whether_it_can_express_a_rate(rate: FrameRate) -> None:
    from dataclasses import replace

    from editron.errors import ExportUnavailableError

    tl = replace(TL, rate=rate)
    no_timecode = rate.num in (12, 15, 20, 120)
    for fmt, exporter in EXPORTERS.items():
        reason = exporter.unavailable(tl)
        expected = (fmt == "edl" and no_timecode) or (fmt == "fcpxml" and rate.num == 120)
        assert (reason is not None) == expected, (fmt, str(rate), reason)
        if reason is None:
            assert export_timeline(tl, fmt) is not None
        else:
            assert str(rate) in reason
            with pytest.raises(ExportUnavailableError, match="cannot express"):
                export_timeline(tl, fmt)


def test_fcpxml_holds_slow_rates_in_a_project_rate_that_keeps_every_frame() -> None:
    from editron.edit.exporters.fcpxml import project_rate

    assert project_rate(FrameRate(15)) == FrameRate(30)
    assert project_rate(FrameRate(12)) == FrameRate(24)
    assert project_rate(FrameRate(20)) == FrameRate(60)
    assert project_rate(FrameRate(30000, 1001)) == FrameRate(30000, 1001)
    assert project_rate(FrameRate(120)) is None


def test_names_reels_and_titles_follow_one_rule() -> None:
    from dataclasses import replace

    from editron.edit.conform import clip_label, reel_names, title

    media = {"a": MediaInfo("a", "/m/Keynote.Stage A.mov", 30.0, 25.0, 1920, 1080,
                            timecode="10:00:00:00"),
             "b": MediaInfo("b", "/n/keynote-stage-a.mp4", 30.0, 25.0, 1920, 1080),
             "c": MediaInfo("c", "/n/GOPR0042.MP4", 30.0, 25.0, 1920, 1080)}
    clips = (Clip("a", 0, 10, 0), Clip("b", 25, 35, 10), Clip("c", 0, 10, 20))
    tl = replace(TL, clips=clips, media=media, variant=2, aspect_ratio="9:16", revision=3)
    assert reel_names(tl) == {"a": "KEYNOTE", "b": "KEYNO_02", "c": "GOPR0042"}
    assert title(tl) == "Demo social-2 9x16 r3"
    assert clip_label(tl, clips[0]) == "Keynote.Stage A 10:00:00:00"
    assert clip_label(tl, clips[1]) == "keynote-stage-a 00:00:01:00"


GRID_RATES = [FrameRate(24000, 1001), FrameRate(24), FrameRate(25), FrameRate(30000, 1001),
              FrameRate(30), FrameRate(50), FrameRate(60000, 1001)]


@pytest.mark.parametrize("rate", GRID_RATES, ids=str)
def test_fcpx_times_read_back_on_their_frame(rate: FrameRate) -> None:
    frame = Fraction(rate.den, rate.num)  # the format's frameDuration
    for n in range(2001):
        back = seconds(fcpx_time(n, rate)) / frame
        assert back == n and back.denominator == 1, (n, fcpx_time(n, rate))


@pytest.mark.parametrize("rate", [r for r in GRID_RATES if r.den == 1], ids=str)
def test_the_otio_fcpx_reader_truncates_exact_times(rate: FrameRate) -> None:
    # OpenTimelineIO's fcpx_xml reader turns a time into frames with
    # int(float(a) / float(b) * fps): an exact 207/25s is 8.28 in binary, times 25 is
    # 206.99999999999997, frame 206. No spelling of the same exact time reads otherwise (the
    # division is correctly rounded whatever a/b is), so our times stay exact and read-backs
    # through that adapter allow it one frame early (test_edit_service, test_export_roundtrip).
    # Should the adapter ever round, this fails: drop that slack then. (At NTSC rates it reads
    # the rate itself as an integer, 29.97 as 29, so it is only used at integer rates.)
    parse = otio.adapters.from_name("fcpx_xml").module().to_rational_time
    early = []
    for n in range(2001):
        got = parse(fcpx_time(n, rate), rate.num).value
        assert n - 1 <= got <= n, (n, got)
        early += [n] if got != n else []
    if rate == FrameRate(25):  # 24 fps happens to read back exactly, 30 and 50 do not
        assert 207 in early and len(early) == 137, "the adapter reads 25 fps differently now"
