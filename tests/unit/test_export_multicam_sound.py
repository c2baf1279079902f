"""Exports follow each clip's sound source (issue 21.4-21.5, timeline schema 5): a moment cut
between three angles keeps one continuous sound from the wide camera's microphone, and a
B-roll cut plays the wide camera's sound under its picture. Each format is read back by a
reader this code base did not write (OTIO's ``otio_json``, ``fcp_xml`` and ``cmx_3600``
adapters, pycmx) or by ``fcpxml_structure``'s multicam reader, and every sound piece must come
from ``Clip.sound_file`` at ``Clip.sound_start``, consecutive pieces contiguous in the
source."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from fractions import Fraction

import opentimelineio as otio
import pycmx

from editron.domain.timecode import frames_to_timecode
from editron.domain.timeline import Clip, Timeline
from editron.edit.conform import source_offset
from editron.edit.exporters import export_timeline
from editron.edit.exporters.fcpxml_multicam import camera_groups
from tests.fcpxml_structure import check, mc_clips, seconds
from tests.unit.test_export_multicam import EVENT, RATE, _angles, _event_seconds, _media

MIC = "wide"
# the moment: event frames 330-530, picture on stage, then wide, then phone; then B-roll
PIECES = [("stage", 330, 70), ("wide", 400, 60), ("phone", 460, 70)]
BROLL_SOUND = 700  # wide's frame under the B-roll cut


def sound_timeline() -> Timeline:
    clips, at = [], 0
    for file_id, event_frame, length in PIECES:
        start = event_frame - EVENT[file_id]
        others = tuple(f for f in EVENT if f != file_id)
        clips.append(Clip(file_id, start, start + length, at,
                          angles=_angles(file_id, event_frame, *others),
                          audio_file_id=MIC, audio_start=event_frame - EVENT[MIC]))
        at += length
    clips.append(Clip("broll", 10, 60, at, audio_file_id=MIC, audio_start=BROLL_SOUND))
    return Timeline(name="Gala", deliverable="recap", variant=1, aspect_ratio="16:9",
                    width=1920, height=1080, rate=RATE, clips=tuple(clips), media=_media())


def _expected(tl: Timeline) -> list[tuple[str, int]]:
    """Per clip, the sound file and its first source frame on that file's timecode clock."""
    return [(c.sound_file, source_offset(tl.media[c.sound_file], RATE) + c.sound_start)
            for c in tl.clips]


def _assert_contiguous(got: list[tuple[str, int]], tl: Timeline) -> None:
    pieces = len(PIECES)
    for (fa, a), (fb, b), clip in zip(got[:pieces - 1], got[1:pieces], tl.clips[:pieces - 1],
                                  strict=True):
        assert fa == fb == MIC and b == a + clip.duration  # one unbroken stretch of sound
    assert got[pieces][1] != got[pieces - 1][1] + tl.clips[pieces - 1].duration


def _otio_sound(track: otio.schema.Track) -> list[tuple[str, int]]:
    return [(c.media_reference.target_url.rsplit("/", 1)[-1].split(".")[0],
             round(c.source_range.start_time.value_rescaled_to(RATE.fps)))
            for c in track.find_clips()]


def test_the_timeline_is_schema_5_with_a_foreign_sound() -> None:
    tl = sound_timeline()
    assert [c.sound_file for c in tl.clips] == [MIC] * 4
    assert [c.file_id for c in tl.clips] == ["stage", "wide", "phone", "broll"]
    (group,) = camera_groups(tl)
    assert dict(group.offsets) == EVENT


def test_otio_a1_plays_the_sound_file_at_the_sound_start() -> None:
    tl = sound_timeline()
    back = otio.adapters.read_from_string(str(export_timeline(tl, "otio")), "otio_json")
    got = _otio_sound(back.audio_tracks()[0])
    assert got == _expected(tl)
    _assert_contiguous(got, tl)
    assert [c.metadata["editron"]["file_id"] for c in back.audio_tracks()[0].find_clips()] \
        == [MIC] * 4
    assert _otio_sound(back.video_tracks()[0]) == [
        (c.file_id, source_offset(tl.media[c.file_id], RATE) + c.source_start)
        for c in tl.clips]  # the picture still switches


def test_xmeml_a1_clip_items_come_from_the_sound_file() -> None:
    tl = sound_timeline()
    text = str(export_timeline(tl, "xmeml"))
    back = otio.adapters.read_from_string(text, "fcp_xml")
    # fcp_xml reads clip items' in points from the media's first frame
    got = [(f, start + source_offset(tl.media[f], RATE))
           for f, start in _otio_sound(back.audio_tracks()[0])]
    assert got == _expected(tl)
    _assert_contiguous(got, tl)
    root = ET.fromstring(text)
    names = [f.findtext("name") for f in root.iter("file") if f.find("pathurl") is not None]
    assert len(names) == len(set(names))  # each file described once


def test_fcpxml_mc_clips_take_the_microphones_angle_and_broll_a_connected_sound() -> None:
    tl = sound_timeline()
    text = str(export_timeline(tl, "fcpxml"))
    assert check(text, event_offsets=_event_seconds()) == []
    got: list[tuple[str, int]] = []
    for read, clip in zip(mc_clips(text), tl.clips[:len(PIECES)], strict=True):
        assert read.video == clip.file_id and read.audio == clip.sound_file
        at = read.sources[clip.sound_file]
        assert at is not None
        got.append((clip.sound_file, round(at * RATE.fps)))
    assert len(got) == len(PIECES)
    root = ET.fromstring(text)
    uid = {a.get("id"): a.get("uid") for a in root.iterfind("./resources/asset")}
    (broll,) = root.iterfind(".//sequence/spine/asset-clip")
    assert broll.get("srcEnable") == "video"  # the B-roll's own sound is off
    (sound,) = [e for e in broll.iterfind("asset-clip") if e.get("srcEnable") == "audio"]
    assert uid[sound.get("ref")] == MIC and sound.get("offset") == broll.get("start")
    assert seconds(sound.get("duration")) == seconds(broll.get("duration"))
    got.append((MIC, round(seconds(sound.get("start")) * RATE.fps)))
    assert got == _expected(tl)
    _assert_contiguous(got, tl)


def test_an_mc_clip_whose_sound_is_off_the_group_clock_connects_it() -> None:
    tl = sound_timeline()
    moved = replace(tl.clips[0], audio_start=tl.clips[0].audio_start + 3)  # a frame-or-so off
    tl = replace(tl, clips=(moved, *tl.clips[1:]))
    root = ET.fromstring(str(export_timeline(tl, "fcpxml")))
    first = root.find(".//sequence/spine/mc-clip")
    assert first is not None
    assert [s.get("srcEnable") for s in first.iterfind("mc-source")] == ["video"]
    (sound,) = first.iterfind("asset-clip")
    assert sound.get("offset") == first.get("start")
    assert seconds(sound.get("start")) == Fraction(moved.sound_start, RATE.timebase)


def test_edl_writes_the_sound_as_its_own_events_from_the_sound_files_reel() -> None:
    tl = sound_timeline()
    text = str(export_timeline(tl, "edl"))
    edits = [e for ev in pycmx.parse_cmx3600(io.StringIO(text)).events for e in ev.edits]
    pictures = [e for e in edits if e.channels.video]
    assert [e.source_file for e in pictures] == [f"{c.file_id}.mp4" for c in tl.clips]
    sounds = [e for e in edits if e.channels.a1]
    assert [e.source_file for e in sounds] == [f"{MIC}.mp4"] * 4
    assert [e.source_in for e in sounds] == [frames_to_timecode(s, RATE)
                                             for _, s in _expected(tl)]
    back = otio.adapters.read_from_string(text, "cmx_3600", rate=25)
    heard = back.audio_tracks()[0].find_clips()  # A1 (A2 repeats it for the second channel)
    assert [round(c.source_range.start_time.value) for c in heard] == [
        s for _, s in _expected(tl)]
