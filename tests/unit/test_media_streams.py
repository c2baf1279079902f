"""Which audio stream is used, HDR tone-mapping in the proxy and the render graph, and the
probe's notes: the pure parts, without ffmpeg."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import av
import pytest

from editron.domain.media import AudioStreamInfo, MediaProbe
from editron.domain.timeline import Clip, FrameRate, MediaInfo, Timeline
from editron.media.colour import tonemap_filters
from editron.media.derivatives import build_derivative_args, plan_derivatives
from editron.media.streams import channels_of, choose_audio, has_disposition, probe_notes
from editron.render.graph import build_render_args
from editron.render.profiles import profile_for
from editron.render.segments import RenderSource


@dataclass
class _Stream:
    channels: int
    disposition: object = 0


DEFAULT = av.stream.Disposition.default


@pytest.mark.parametrize(("streams", "index", "why"), [
    ([_Stream(1), _Stream(2, DEFAULT), _Stream(2)], 1, "the default stream"),
    ([_Stream(2, DEFAULT), _Stream(6, DEFAULT)], 1, "default stream with the most channels"),
    ([_Stream(1), _Stream(6), _Stream(6)], 1, "no stream is marked default"),
    ([_Stream(1, DEFAULT), _Stream(6)], 0, "the default stream"),
    ([_Stream(2)], 0, "the only audio stream"),
])
def test_the_default_stream_with_the_most_channels_is_used(streams: list[_Stream], index: int,
                                                           why: str) -> None:
    choice = choose_audio(streams)
    assert choice is not None and (choice.index, choice.count) == (index, len(streams))
    assert why in choice.reason


def test_no_audio_stream_no_choice() -> None:
    assert choose_audio([]) is None


def test_dispositions_are_read_as_bits_not_text() -> None:
    # PyAV's Disposition is an IntFlag whose str() is "1": a text search never matched, so
    # cover art counted as video and no stream was ever "default".
    assert str(DEFAULT) == "1"
    assert has_disposition(_Stream(2, DEFAULT), "default")
    assert not has_disposition(_Stream(2, 0), "default")
    assert has_disposition(_Stream(0, av.stream.Disposition.attached_pic), "attached_pic")
    assert not has_disposition(_Stream(0, DEFAULT), "attached_pic")


@pytest.mark.parametrize("transfer", ["smpte2084", "arib-std-b67"])
def test_hdr_transfers_are_tone_mapped_to_bt709(transfer: str) -> None:
    exact = tonemap_filters(transfer, method="zscale")
    assert exact[0].startswith("zscale=") and f"tin={transfer}" in exact[0]
    assert "t=linear" in exact[0] and any(f.startswith("tonemap=tonemap=hable") for f in exact)
    assert "t=bt709" in exact[-2] and "m=bt709" in exact[-2]
    rough = tonemap_filters(transfer, method="colorspace")
    assert len(rough) == 1 and "all=bt709" in rough[0] and "iall=bt2020" in rough[0]


@pytest.mark.parametrize("transfer", ["", "bt709", "smpte170m", "bt2020-10"])
def test_sdr_transfers_are_left_alone(transfer: str) -> None:
    assert tonemap_filters(transfer) == []


PROBE = MediaProbe(container="mov", duration_seconds=2.0, has_video=True, has_audio=True,
                   codec="hevc", width=320, height=180, fps=25.0, frame_count=50,
                   audio=AudioStreamInfo("aac", 2, 48000), audio_stream=2, audio_streams=3,
                   audio_choice="audio stream 3 of 3 (2 channels): the default stream")


def test_proxy_and_waveform_use_the_chosen_audio_stream(tmp_path: Path) -> None:
    plan = plan_derivatives(PROBE, tmp_path, tier="hot")
    args = build_derivative_args(Path("/in.mov"), PROBE, plan)
    graph = args[args.index("-filter_complex") + 1]
    assert "[0:a:2]aresample" in graph and "0:a:0" not in " ".join(args)
    assert args[args.index("-map", args.index("[proxy]")) + 1] == "0:a:2"
    assert "zscale" not in graph  # SDR


def test_an_hdr_proxy_is_tone_mapped_before_it_is_scaled(tmp_path: Path) -> None:
    hdr = replace(PROBE, color_transfer="smpte2084", color_primaries="bt2020",
                  color_matrix="bt2020nc")
    plan = plan_derivatives(hdr, tmp_path, tier="hot")
    graph = build_derivative_args(Path("/in.mov"), hdr, plan)
    video = next(g for g in graph[graph.index("-filter_complex") + 1].split(";")
                 if g.startswith("[0:v:0]"))
    assert video.index("tonemap=tonemap=hable") < video.index("scale='if")


def _timeline() -> Timeline:
    rate = FrameRate(25)
    media = {"a": MediaInfo("a", "/m/a.mov", 2.0, 25.0, 320, 180)}
    return Timeline("t", "social", 1, "16:9", 640, 360, rate, (Clip("a", 0, 40, 0),), media)


@pytest.mark.parametrize(("transfer", "method", "expect"), [
    ("arib-std-b67", "zscale", "tonemap=tonemap=hable"),
    ("smpte2084", "colorspace", "colorspace=all=bt709"),
    (None, "zscale", None),
])
def test_the_render_tone_maps_hdr_sources_and_reads_their_chosen_audio(
        transfer: str | None, method: str, expect: str | None) -> None:
    src = RenderSource(Path("/m/a.mov"), 320, 180, True, audio_stream=1, transfer=transfer,
                       tonemap=method)
    args = build_render_args(_timeline(), profile_for("16:9", "mp4", "preview"),
                             sources={"a": src}, output=Path("/out.mp4"))
    graph = args[args.index("-filter_complex") + 1]
    assert "[1:a:1]" in graph
    if expect is None:
        assert "zscale" not in graph and "colorspace=" not in graph
    else:
        clip = next(g for g in graph.split(";") if g.startswith("[0:v]"))
        assert expect in clip


def test_the_probe_notes_say_which_stream_and_that_hdr_is_tone_mapped() -> None:
    notes = probe_notes(replace(PROBE, color_transfer="arib-std-b67"))
    assert notes["audio_stream"] == {"index": 2, "count": 3, "reason": PROBE.audio_choice}
    assert notes["hdr"]["transfer"] == "arib-std-b67" and "tone-mapped" in notes["hdr"]["note"]
    assert probe_notes(replace(PROBE, audio_streams=1)) == {}


class _Broken:
    """A stream whose codec PyAV could not open: reading ``channels`` raises."""

    disposition = 0

    @property
    def channels(self) -> int:
        raise AttributeError("'AudioStream' object has no attribute 'channels'")


def test_a_stream_without_a_codec_counts_as_no_channels() -> None:
    # Found by the deep probe fuzz run: a damaged file's second audio stream.
    choice = choose_audio([_Broken(), _Stream(2)])
    assert choice is not None and choice.index == 1
    assert channels_of(_Broken()) == 0
