"""Every export is read back by readers nobody here wrote (OpenTimelineIO's adapters, pycmx):
the same clips with the same source and record ranges to the frame, at every common rate and
with a variable-rate source, in source and record timecode (the second file carries a timecode
track, the record starts at 01:00:00:00), audio linked to its video, media paths that relink
in absolute and relative modes."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio
import pycmx
import pytest

from editron.domain.analysis import Brief
from editron.domain.timecode import frames_to_timecode, timecode_to_frames
from editron.domain.timeline import MediaInfo, Timeline
from editron.edit.conform import record_start, source_offset, title
from editron.edit.exporters import export_timeline
from editron.edit.timeline import build_timelines
from editron.story.blueprints import build_blueprints
from editron.story.styles import default_brand, get_style
from tests.fcpxml_structure import check as fcpxml_problems
from tests.timeline_fixtures import make_event

RATES = [23.976, 25.0, 29.97, 30.0, 50.0, 59.94]
SOURCE_TC = "10:00:00:00"  # the second camera's timecode track


def _timeline(tmp_path: Path, fps: float, *, vfr: bool = False, ratio: str = "16:9") -> Timeline:
    """A highlight over two files on disk; with ``vfr`` the second is variable-rate at ~27 fps."""
    folder = tmp_path / "project" / "media"
    folder.mkdir(parents=True)
    rates = (fps, 27.31 if vfr else fps)
    event = make_event(files=2, seconds=30.0, fps_per_file=rates, vfr=(False, vfr),
                       root=str(folder))
    for info in event.media.values():
        Path(info.path).write_bytes(b"")  # only the path matters to an exporter
    media = {k: v if k == "f1" else MediaInfo(**{**_fields(v), "duration": 29.77,
                                                 "timecode": SOURCE_TC, "audio_channels": 1})
             for k, v in event.media.items()}
    style = get_style("standard")
    bp = build_blueprints(event.analysis, Brief(), deliverable="highlight", variants=1,
                          duration=20.0, style=style, media=media)[0]
    tl = build_timelines(bp, aspect_ratios=[ratio], analysis=event.analysis, media=media,
                         style=style, brand=default_brand(), include_captions=True,
                         project_name="Roundtrip Summit")[0]
    assert {c.file_id for c in tl.clips} == {"f1", "f2"}, "both sources are in the edit"
    return tl


def _fields(info: MediaInfo) -> dict[str, object]:
    return {f: getattr(info, f) for f in info.__dataclass_fields__}


def _expected(tl: Timeline) -> list[tuple[str, int, int, int]]:
    """(path, source in-point in source timecode frames, duration, record position)."""
    return [(tl.media[c.file_id].path, source_offset(tl.media[c.file_id], tl.rate)
             + c.source_start, c.duration, c.record_start) for c in tl.clips]


def _frames(t: otio.opentime.RationalTime, tl: Timeline) -> int:
    return round(t.value_rescaled_to(tl.rate.num / tl.rate.den))


def _path_of(url: str) -> str:
    return unquote(urlparse(url).path) if url.startswith("file:") else url


def _clips(track: otio.schema.Track, tl: Timeline) -> list[tuple[str, int, int, int]]:
    out = []
    for clip in track.find_clips():
        rng = clip.range_in_parent()
        out.append((_path_of(clip.media_reference.target_url),
                    _frames(clip.source_range.start_time, tl),
                    _frames(clip.source_range.duration, tl), _frames(rng.start_time, tl)))
    return out


@pytest.mark.parametrize("fps", [*RATES, "vfr"])
def test_otio_roundtrip_to_the_frame_with_linked_audio(tmp_path: Path, fps: float | str) -> None:
    tl = _timeline(tmp_path, 29.97 if fps == "vfr" else float(fps), vfr=fps == "vfr")
    text = export_timeline(tl, "otio", path_mode="absolute")
    back = otio.adapters.read_from_string(str(text), "otio_json")
    assert back.name == title(tl) == "Roundtrip Summit highlight 16x9 r1"
    assert _frames(back.global_start_time, tl) == record_start(tl)
    assert any(s != c.source_start for (_, s, _, _), c in zip(_expected(tl), tl.clips,
                                                              strict=True)), "a timecode track"
    video, audio = back.video_tracks()[0], back.audio_tracks()[0]
    assert video.find_clips()[0].source_range.start_time.rate == pytest.approx(tl.rate.fps)
    assert _clips(video, tl) == _expected(tl)
    assert _clips(audio, tl) == _expected(tl)  # linked: same sources, same ranges
    links_v = [c.metadata["editron"]["link_id"] for c in video.find_clips()]
    assert links_v == [c.metadata["editron"]["link_id"] for c in audio.find_clips()]
    assert _frames(back.duration(), tl) == tl.duration_frames


@pytest.mark.parametrize("fps", [*RATES, "vfr"])
def test_xmeml_roundtrip_to_the_frame_with_linked_audio(tmp_path: Path, fps: float | str) -> None:
    tl = _timeline(tmp_path, 29.97 if fps == "vfr" else float(fps), vfr=fps == "vfr")
    text = str(export_timeline(tl, "xmeml"))
    back = otio.adapters.read_from_string(text, "fcp_xml")
    assert back.name == title(tl)
    assert _frames(back.global_start_time, tl) == record_start(tl)
    assert _clips(back.video_tracks()[0], tl) == _expected(tl)
    assert _clips(back.audio_tracks()[0], tl) == _expected(tl)
    for path, *_ in _expected(tl):
        assert Path(path).is_file()
    # Premiere links picture and sound through <link> elements naming both clip items
    root = ET.fromstring(text)
    video = root.findall(".//media/video/track/clipitem")
    audio = {a.get("id"): a for a in root.findall(".//media/audio/track/clipitem")}
    assert len(video) == len(tl.clips)
    for item in video:
        refs = {(lk.findtext("mediatype"), lk.findtext("linkclipref")) for lk in item.iter("link")}
        partner = next(ref for kind, ref in refs if kind == "audio")
        assert ("video", item.get("id")) in refs
        assert audio[partner].findtext("in") == item.findtext("in")
        assert audio[partner].findtext("start") == item.findtext("start")
    # Premiere's conventions: the sequence says its frame size, a clip item's duration is its
    # media's length, each file its channel count
    assert root.findtext("./sequence/media/video/format/samplecharacteristics/width") == "1920"
    for item, clip in zip(video, tl.clips, strict=True):
        info = tl.media[clip.file_id]
        assert item.findtext("duration") == str(tl.rate.frames_floor(info.duration))
    channels = {f.findtext("name"): f.findtext("media/audio/channelcount")
                for f in root.iter("file") if f.find("name") is not None}
    assert channels == {"clip_1.mp4": "2", "clip_2.mp4": "1"}


@pytest.mark.parametrize("fps", [*RATES, "vfr"])
def test_edl_roundtrip_to_the_frame(tmp_path: Path, fps: float | str) -> None:
    tl = _timeline(tmp_path, 29.97 if fps == "vfr" else float(fps), vfr=fps == "vfr")
    text = str(export_timeline(tl, "edl"))
    assert text.startswith(f"TITLE: {title(tl)}\nFCM: ")
    back = otio.adapters.read_from_string(text, "cmx_3600", rate=tl.rate.num / tl.rate.den)
    got = [(s, d, r) for _, s, d, r in _clips(back.video_tracks()[0], tl)]
    assert got == [(s, d, r) for _, s, d, r in _expected(tl)]
    assert len(back.audio_tracks()) >= 1, "the conform has sound"
    urls = re.findall(r"^\* FROM CLIP: (.+)$", text, flags=re.M)
    assert [_path_of(u) for u in urls] == [p for p, *_ in _expected(tl)]
    # pycmx reads the same cuts in timecode, with their sound and their source files
    edl = pycmx.parse_cmx3600(io.StringIO(text))
    assert edl.title == title(tl) and edl.format == "3600"
    edits = [e for ev in edl.events for e in ev.edits]
    assert len(edits) == len(tl.clips)
    start = record_start(tl)
    for edit, (path, src, dur, rec), clip in zip(edits, _expected(tl), tl.clips, strict=True):
        assert edit.source_in == frames_to_timecode(src, tl.rate)
        assert edit.source_out == frames_to_timecode(src + dur, tl.rate)
        assert edit.record_in == frames_to_timecode(start + rec, tl.rate)
        assert timecode_to_frames(edit.record_out, tl.rate) == start + rec + dur
        assert edit.channels.video and edit.channels.a1
        assert edit.channels.a2 == (tl.media[clip.file_id].audio_channels >= 2)
        assert edit.source_file == Path(path).name
        assert edit.source == edit.source.upper() and "." not in edit.source
        assert len(edit.source) <= 8


def _fcpx_frames(value: str, tl: Timeline) -> int:
    secs = Fraction(0) if value == "0s" else Fraction(value.rstrip("s"))
    frames = secs * tl.rate.num / tl.rate.den
    assert frames.denominator == 1, f"{value} is not on a frame of {tl.rate}"
    return int(frames)


@pytest.mark.parametrize("fps", [*RATES, "vfr"])
def test_fcpxml_is_1_10_and_lands_on_frames(tmp_path: Path, fps: float | str) -> None:
    tl = _timeline(tmp_path, 29.97 if fps == "vfr" else float(fps), vfr=fps == "vfr")
    text = str(export_timeline(tl, "fcpxml"))
    assert fcpxml_problems(text) == []
    root = ET.fromstring(text)
    assert root.get("version") == "1.10"
    assets = {a.get("id"): a for a in root.iter("asset")}
    sequence = root.find("./library/event/project/sequence")
    spine = root.find("./library/event/project/sequence/spine")
    assert sequence is not None and spine is not None
    start = _fcpx_frames(sequence.get("tcStart", "0s"), tl)
    assert start == record_start(tl)
    assert sequence.get("tcFormat") == ("DF" if tl.rate.num in (30000, 60000) else "NDF")
    got = []
    for clip in spine.findall("asset-clip"):
        asset = assets[clip.get("ref")]
        src = asset.find("media-rep").get("src")  # type: ignore[union-attr]
        got.append((_path_of(src), _fcpx_frames(clip.get("start", "0s"), tl),
                    _fcpx_frames(clip.get("duration", "0s"), tl),
                    _fcpx_frames(clip.get("offset", "0s"), tl) - start))
        assert clip.get("audioRole") == "dialogue"  # video and audio linked in one clip
    assert got == _expected(tl)
    # OTIO's fcpx_xml reader truncates NTSC rates to integers (23.976 -> 23), so read-back
    # through it is only meaningful at integer rates; it also truncates float seconds times the
    # rate (1800285/50 s reads as frame 1800284), so it may land one frame early. The exact
    # check is the one above.
    back = otio.adapters.read_from_string(text, "fcpx_xml")
    timeline = back[0] if isinstance(back, otio.schema.SerializableCollection) else back
    clips = timeline.video_tracks()[0].find_clips()
    assert [c.name for c in clips] == [c.name for c in tl.clips]
    if tl.rate.den == 1:
        for c, (_, s, d, _) in zip(clips, _expected(tl), strict=True):
            assert s - 1 <= _frames(c.source_range.start_time, tl) <= s
            assert _frames(c.source_range.duration, tl) == d


@pytest.mark.parametrize("fmt", ["otio", "xmeml", "fcpxml"])
def test_relative_paths_relink_from_the_project_folder(tmp_path: Path, fmt: str) -> None:
    tl = _timeline(tmp_path, 25.0)
    project = tmp_path / "project"
    text = str(export_timeline(tl, fmt, path_mode="relative", relative_to=str(project)))
    assert "file:" not in text
    urls = re.findall(r"media/clip_\d\.mp4", text)
    assert urls, "relative media paths are written"
    # move the whole project folder: every relative path still resolves inside it
    moved = tmp_path / "moved"
    project.rename(moved)
    for url in set(urls):
        assert (moved / unquote(url)).is_file()


def test_absolute_paths_are_file_urls(tmp_path: Path) -> None:
    tl = _timeline(tmp_path, 25.0)
    back = otio.adapters.read_from_string(str(export_timeline(tl, "otio")), "otio_json")
    for clip in back.video_tracks()[0].find_clips():
        url = clip.media_reference.target_url
        assert url.startswith("file:///")
        assert Path(_path_of(url)).is_file()


def test_captions_read_back_to_the_frame(tmp_path: Path) -> None:
    tl = _timeline(tmp_path, 29.97)
    assert tl.captions
    srt = str(export_timeline(tl, "srt"))
    vtt = str(export_timeline(tl, "vtt"))
    pattern = r"(\d\d):(\d\d):(\d\d)[,.](\d{3}) --> (\d\d):(\d\d):(\d\d)[,.](\d{3})"
    for text in (srt, vtt):
        spans = re.findall(pattern, text)
        assert len(spans) == len(tl.captions)
        for cap, parts in zip(tl.captions, spans, strict=True):
            n = [int(p) for p in parts]
            start = Fraction(n[0] * 3600 + n[1] * 60 + n[2]) + Fraction(n[3], 1000)
            end = Fraction(n[4] * 3600 + n[5] * 60 + n[6]) + Fraction(n[7], 1000)
            assert round(start * tl.rate.num / tl.rate.den) == cap.start
            assert round(end * tl.rate.num / tl.rate.den) == cap.end
