"""Real files with several audio streams, cover art and HDR tags: what the probe reports, and
that the derivatives and the analysis use the same audio stream (fixes for the footage
matrix, tests/e2e/test_footage_matrix.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.decode import AUDIO_RATE, decode_pass
from editron.media.derivatives import make_derivatives
from editron.media.ffmpeg import has_filter
from editron.media.probe import probe
from editron.media.streams import source_facts
from tests import media_factory as mf
from tests.camera_footage import make_case


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_case("several_audio", tmp_path_factory.mktemp("several"))


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_the_default_main_mix_is_probed_not_the_first_stream(several: Path) -> None:
    info = probe(several)
    assert (info.audio_stream, info.audio_streams) == (1, 3)
    assert info.audio is not None and info.audio.channels == 2
    assert "default" in info.audio_choice
    assert source_facts(several).audio_stream == 1


def test_analysis_and_waveform_hear_the_chosen_stream(several: Path, tmp_path: Path) -> None:
    info = probe(several)
    # The original (no proxy): the decode pass must pick the same stream as the probe.
    spool = decode_pass(FileContext("f", several, info, parse_brief(None), tmp_path / "work"),
                        [], [])
    assert abs(_dominant_hz(spool.audio(), AUDIO_RATE) - 440) < 5
    made = make_derivatives(several, tmp_path / "derived", info, tier="hot")
    assert made.proxy is not None and probe(made.proxy).audio_streams == 1
    proxied = decode_pass(FileContext("f", several, info, parse_brief(None), tmp_path / "w2",
                                      proxy=made.proxy), [], [])
    assert abs(_dominant_hz(proxied.audio(), AUDIO_RATE) - 440) < 5
    assert made.waveform is not None and json.loads(made.waveform.read_text())


def test_an_audio_file_with_cover_art_is_audio(tmp_path: Path) -> None:
    # The artwork is a one-frame "video" stream marked attached_pic; the probe took it for
    # the picture and refused the file as "truncated or corrupt near the end".
    cover = tmp_path / "cover.png"
    mf.run_ffmpeg(["-f", "lavfi", "-i", "color=c=red:size=64x64", "-frames:v", "1",
                   str(cover)])
    song = tmp_path / "memo.m4a"
    mf.run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-i", str(cover),
                   "-map", "0:a", "-map", "1:v", "-c:a", "aac", "-c:v", "png",
                   "-disposition:v", "attached_pic", str(song)])
    info = probe(song)
    assert (info.has_video, info.has_audio) == (False, True)
    assert info.duration_seconds == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize(("case", "transfer"), [("hdr_hlg", "arib-std-b67"),
                                                ("hdr_pq", "smpte2084")])
def test_hdr_tags_are_probed_and_the_proxy_is_sdr(case: str, transfer: str,
                                                  tmp_path: Path) -> None:
    clip = make_case(case, tmp_path / "in")
    info = probe(clip)
    assert (info.color_transfer, info.color_primaries, info.color_matrix) == (
        transfer, "bt2020", "bt2020nc")
    assert has_filter("zscale")  # the bundled ffmpeg has libzimg: the exact tone map
    made = make_derivatives(clip, tmp_path / "derived", info, tier="hot")
    assert made.proxy is not None
    proxy = probe(made.proxy)
    assert proxy.color_transfer in (None, "bt709")  # SDR, not an 8-bit file tagged HDR
