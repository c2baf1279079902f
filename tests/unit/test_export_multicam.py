"""Exports an editor can re-switch (issue 21.5): a multi-camera timeline built from domain
objects, three synced cameras (one with a timecode track, one at another frame size) and a
B-roll file that shares no sound. FCPXML carries one multicam clip per synced group, xmeml and
OTIO stack the angles on synced tracks, the EDL stays the cut; each is read back by a reader
this code base did not write where one exists."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from fractions import Fraction

import opentimelineio as otio
import pycmx
import pytest

from editron.domain.timecode import frames_to_timecode
from editron.domain.timeline import Clip, CropKeyframe, FrameRate, MediaInfo, MusicBed, Timeline
from editron.edit.conform import record_start, source_offset
from editron.edit.exporters import EXPORTERS, export_timeline
from editron.edit.exporters.fcpxml_multicam import camera_groups, mc_clip
from tests.fcpxml_structure import check, mc_clips, seconds
from tests.unit.test_export_golden import _check

RATE = FrameRate(25)
# where each camera's first frame sits on the event clock, in frames at 25 fps
EVENT = {"wide": 0, "stage": 130, "phone": 275}
PHONE_TC = "10:00:00:00"


def _media() -> dict[str, MediaInfo]:
    def info(file_id: str, seconds: float, order: int, size: tuple[int, int] = (1920, 1080),
             timecode: str | None = None) -> MediaInfo:
        return MediaInfo(file_id=file_id, path=f"/media/event/{file_id}.mp4",
                         duration=seconds, fps=25.0, width=size[0], height=size[1], order=order,
                         timecode=timecode)

    return {"wide": info("wide", 60.0, 0), "stage": info("stage", 50.0, 1, (1280, 720)),
            "phone": info("phone", 40.0, 2, timecode=PHONE_TC),
            "broll": info("broll", 20.0, 3)}


def _angles(active: str, event_frame: int, *others: str) -> tuple[tuple[str, int], ...]:
    return tuple((f, event_frame - EVENT[f]) for f in others)


def multicam_timeline(ratio: str = "16:9", *, music: bool = True) -> Timeline:
    """Five cuts: wide alone (stage not rolling yet), stage with wide and phone, B-roll,
    phone without its sound, wide with both others."""
    width, height = (1920, 1080) if ratio == "16:9" else (1080, 1920)
    spec = [("wide", 100, 75, ()), ("stage", 330, 100, ("wide", "phone")),
            ("broll", 0, 50, ()), ("phone", 675, 80, ("wide", "stage")),
            ("wide", 900, 60, ("stage", "phone"))]
    clips, at = [], 0
    for file_id, event_frame, length, others in spec:
        start = event_frame - EVENT.get(file_id, 0)
        crop = (CropKeyframe(0, 100.0, 0.0, 405.0, 720.0),
                CropKeyframe(length - 1, 700.0, 0.0, 405.0, 720.0)) if ratio != "16:9" \
            and file_id == "stage" else ()
        clips.append(Clip(file_id, start, start + length, at, crop=crop,
                          audio=file_id != "phone",
                          angles=_angles(file_id, event_frame, *others)))
        at += length
    bed = MusicBed("/media/music/bed.wav") if music else None
    return Timeline(name="Gala", deliverable="recap", variant=1, aspect_ratio=ratio,
                    width=width, height=height, rate=RATE, clips=tuple(clips), media=_media(),
                    music=bed)


def _event_seconds() -> dict[str, Fraction]:
    return {f: RATE.exact(frames) for f, frames in EVENT.items()}


def test_the_group_clock_follows_the_clips_angles() -> None:
    (group,) = camera_groups(multicam_timeline())
    assert group.cameras == ("wide", "stage", "phone")  # the event's chronology
    assert dict(group.offsets) == EVENT


def test_a_drifting_camera_keeps_the_cut_exact_and_its_angles_within_a_frame() -> None:
    # the phone's clock runs fast: by the last cut the edit (which corrects drift per clip)
    # has it two frames later than its first relation says; one multicam offset cannot follow
    # that, so the error is shared and the cut's own angle stays exact
    tl = multicam_timeline()
    last = tl.clips[-1]
    drifted = replace(last, angles=tuple((f, s + 2 if f == "phone" else s)
                                         for f, s in last.angles))
    tl = replace(tl, clips=(*tl.clips[:-1], drifted))
    text = str(export_timeline(tl, "fcpxml"))
    assert check(text, event_offsets=_event_seconds(), tolerance=RATE.exact(2)) == []
    grouped = [c for c in tl.clips if c.file_id != "broll"]
    worst = Fraction(0)
    for read, clip in zip(mc_clips(text), grouped, strict=True):
        tc = source_offset(tl.media[clip.file_id], RATE)
        assert read.sources[clip.file_id] == RATE.exact(tc + clip.source_start)
        for file_id, start in clip.angles:
            at = read.sources[file_id]
            assert at is not None
            worst = max(worst, abs(at - RATE.exact(source_offset(tl.media[file_id], RATE)
                                                   + start)))
    assert 0 < worst <= RATE.exact(1)


@pytest.mark.parametrize("ratio", ["16:9", "9:16"])
def test_fcpxml_carries_one_synced_multicam_and_mc_clips_pick_the_angle(ratio: str) -> None:
    tl = multicam_timeline(ratio)
    text = str(export_timeline(tl, "fcpxml"))
    assert check(text, event_offsets=_event_seconds()) == []
    root = ET.fromstring(text)
    (media,) = root.findall("./resources/media")
    angles = media.findall("multicam/mc-angle")
    assert [a.get("angleID") for a in angles] == ["wide", "stage", "phone"]
    spine = root.find(".//sequence/spine")
    assert spine is not None
    assert [e.tag for e in spine] == ["mc-clip", "mc-clip", "asset-clip", "mc-clip",
                                      "mc-clip"]  # the B-roll shares no clock
    start = record_start(tl)
    got = mc_clips(text)
    grouped = [c for c in tl.clips if c.file_id != "broll"]
    for read, clip in zip(got, grouped, strict=True):
        assert read.offset == RATE.exact(start + clip.record_start)
        assert read.duration == RATE.exact(clip.duration)
        assert read.video == clip.file_id  # the cut's angle is active
        assert read.audio == (clip.file_id if clip.audio else None)
        # every camera shows the clip's event time: the active one its own source frame,
        # the others the frames the edit recorded as its angles
        expected = {clip.file_id: clip.source_start, **dict(clip.angles)}
        for file_id, frame in expected.items():
            tc = source_offset(tl.media[file_id], RATE)
            assert read.sources[file_id] == RATE.exact(tc + frame), (clip, file_id)
    assert got[0].sources["stage"] is None and got[0].sources["phone"] is None  # not rolling


def test_fcpxml_reframe_sits_on_the_angles_source_and_captions_anchor_to_mc_clips() -> None:
    tl = multicam_timeline("9:16")
    root = ET.fromstring(str(export_timeline(tl, "fcpxml")))
    stage = root.findall(".//spine/mc-clip")[1]
    (source,) = stage.findall("mc-source")
    assert source.get("angleID") == "stage" and source.get("srcEnable") == "all"
    transform = source.find("adjust-transform")
    assert transform is not None
    # the 1280x720 angle is fitted into the 1920x1080 multicam (x1.5), that into 1080x1920
    # (x0.5625); the render scales its 404x720 window to fill 1080x1920
    scale = max(1080 / 404, 1920 / 720) / (1.5 * 0.5625)
    assert transform.get("scale") == f"{scale:.4f} {scale:.4f}"
    keys = transform.findall("param/keyframeAnimation/keyframe")
    assert seconds(keys[0].get("time")) == seconds(stage.get("start"))  # the mc-clip's clock
    phone = root.findall(".//spine/mc-clip")[2]
    assert [(s.get("angleID"), s.get("srcEnable")) for s in phone.findall("mc-source")] == [
        ("phone", "video")]  # the phone's picture, no sound
    music = root.find(".//spine/mc-clip/asset-clip[@audioRole='music']")
    assert music is not None and music.get("lane") == "-1"


def test_an_mc_clip_can_take_its_sound_from_another_camera() -> None:
    tl = multicam_timeline()
    (group,) = camera_groups(tl)
    spine = ET.Element("spine")
    element, video = mc_clip(spine, tl, tl.clips[1], group, "r8", 0, audio="wide")
    assert [(s.get("angleID"), s.get("srcEnable")) for s in element] == [
        ("stage", "video"), ("wide", "audio")]
    assert video is element[0]


def test_the_check_reads_a_multicam_with_a_timecode_start_as_final_cut_writes_it() -> None:
    # Final Cut's own exports count angle offsets from 0 and mc-clip starts from the
    # multicam's tcStart: moving the tcStart and every start with it changes nothing
    text = str(export_timeline(multicam_timeline(), "fcpxml"))
    root = ET.fromstring(text)
    multicam = root.find("./resources/media/multicam")
    assert multicam is not None and multicam.get("tcStart") == "0s"
    multicam.set("tcStart", "3600s")
    for clip in root.iter("mc-clip"):
        start = seconds(clip.get("start")) + 3600
        clip.set("start", f"{start.numerator}/{start.denominator}s")
    moved = ET.tostring(root, encoding="unicode")
    assert check(moved, event_offsets=_event_seconds()) == []
    assert mc_clips(moved) == mc_clips(text)


def test_the_check_catches_broken_multicams() -> None:
    text = str(export_timeline(multicam_timeline(), "fcpxml"))
    truth = _event_seconds()
    assert check(text, event_offsets=truth) == []
    broken = {
        "no angle": text.replace('<mc-source angleID="stage"', '<mc-source angleID="crane"', 1),
        "not a multicam": text.replace('<mc-clip ref="r', '<mc-clip ref="r1" x="', 1),
        "out of sync": text.replace('offset="130/25s" name="stage"',
                                    'offset="131/25s" name="stage"', 1),
        "off the grid": text.replace('duration="3s"', 'duration="3.01s"', 1),
    }
    assert all(b != text for b in broken.values()), [k for k, b in broken.items() if b == text]
    problems = {k: check(b, event_offsets=truth) for k, b in broken.items()}
    assert any("is no angle of" in p for p in problems["no angle"])
    assert any("names no media holding a multicam" in p or "not allowed" in p
               for p in problems["not a multicam"])
    assert any("on the event clock" in p for p in problems["out of sync"])
    assert any("is not where the item before it ends" in p for p in problems["out of sync"])
    assert any("rational seconds" in p for p in problems["off the grid"])
    # a phone measured one frame later than the export put it
    late = {**truth, "phone": truth["phone"] + RATE.exact(1)}
    assert any("camera phone sits at 11s on the multicam, 276/25s on the event clock" in p
               for p in check(text, event_offsets=late))
    assert check(text, event_offsets=late, tolerance=RATE.exact(1)) == []


def test_the_otio_fcpx_adapter_does_not_read_mc_clips() -> None:
    # OpenTimelineIO's fcpx_xml reader builds clips from asset-clip, ref-clip, video and audio
    # only: it drops a multicam clip entirely (and fails on items anchored to one), so the
    # check above and ``mc_clips`` are the read-back of the FCPXML multicam.
    text = str(export_timeline(multicam_timeline(music=False), "fcpxml"))
    back = otio.adapters.read_from_string(text, "fcpx_xml")
    timeline = back[0] if isinstance(back, otio.schema.SerializableCollection) else back
    names = [c.name for c in timeline.find_clips()]
    assert names == [
        c.get("name") for c in ET.fromstring(text).iterfind(".//spine/asset-clip")]
    assert len(names) == 1  # only the B-roll
    with pytest.raises(AttributeError):  # the music bed anchored to an mc-clip
        otio.adapters.read_from_string(str(export_timeline(multicam_timeline(), "fcpxml")),
                                       "fcpx_xml")


def _event_frame(clip: otio.schema.Clip, tl: Timeline) -> tuple[str, int]:
    """The camera and the event-clock frame a read-back clip starts on."""
    file_id = clip.media_reference.target_url.rsplit("/", 1)[-1].split(".")[0]
    start = round(clip.source_range.start_time.value_rescaled_to(RATE.fps))
    return file_id, start - source_offset(tl.media[file_id], RATE) + EVENT.get(file_id, 0)


def _span(item: otio.core.Item) -> tuple[int, int]:
    rng = item.range_in_parent()
    return (round(rng.start_time.value_rescaled_to(RATE.fps)),
            round(rng.duration.value_rescaled_to(RATE.fps)))


def _assert_stacked_in_sync(back: otio.schema.Timeline, tl: Timeline) -> list[otio.schema.Clip]:
    """V1 is the cut; every clip on the tracks above it sits under one cut, as long, on
    another camera at the same event frame. Returns the angle clips."""
    cut, *above = back.video_tracks()
    assert len(above) == max(len(c.angles) for c in tl.clips) == 2
    cuts = {_span(c): c for c in cut.find_clips()}
    assert [_event_frame(c, tl)[0] for c in cuts.values()] == [c.file_id for c in tl.clips]
    angles = []
    for track in above:
        assert track.duration() <= cut.duration()
        for clip in track.find_clips():
            under = cuts[_span(clip)]  # KeyError: not stacked on a cut
            camera, frame = _event_frame(clip, tl)
            active, at = _event_frame(under, tl)
            assert camera != active and frame == at, (clip.name, under.name)
            angles.append(clip)
    expected = sum(len(c.angles) for c in tl.clips)
    assert len(angles) == expected
    return angles


def test_xmeml_stacks_disabled_angles_above_the_cut_and_keeps_the_cuts_sound() -> None:
    tl = multicam_timeline("9:16")
    text = str(export_timeline(tl, "xmeml"))
    back = otio.adapters.read_from_string(text, "fcp_xml")
    assert len(back.video_tracks()) == 3 and len(back.audio_tracks()) == 2  # A1 + music
    angles = _assert_stacked_in_sync(back, tl)
    assert all(c.metadata["fcp_xml"]["enabled"] == "FALSE" for c in angles)
    assert all(c.metadata["fcp_xml"]["enabled"] == "TRUE"
               for c in back.video_tracks()[0].find_clips())
    sound = [(_event_frame(c, tl), _span(c)) for c in back.audio_tracks()[0].find_clips()]
    picture = [(_event_frame(c, tl), _span(c))
               for c, clip in zip(back.video_tracks()[0].find_clips(), tl.clips, strict=True)
               if clip.audio]
    assert sound == picture  # the sound is the cut's camera's, never an angle's
    root = ET.fromstring(text)
    ids = [e.get("id") for e in root.iter("clipitem")]
    assert len(ids) == len(set(ids))
    files = [f for f in root.iter("file") if f.find("pathurl") is not None]
    assert sorted(f.findtext("name") for f in files) == [
        "bed.wav", "broll.mp4", "phone.mp4", "stage.mp4", "wide.mp4"]  # each described once


def test_otio_stacks_the_angles_on_disabled_synced_tracks_read_back_by_otio() -> None:
    tl = multicam_timeline()
    back = otio.adapters.read_from_string(str(export_timeline(tl, "otio")), "otio_json")
    _assert_stacked_in_sync(back, tl)
    cut, *above = back.video_tracks()
    assert cut.enabled and not any(t.enabled for t in above)


def test_a_multicam_edl_is_still_the_cut() -> None:
    tl = multicam_timeline()
    text = str(export_timeline(tl, "edl"))
    edl = pycmx.parse_cmx3600(io.StringIO(text))
    edits = [e for ev in edl.events for e in ev.edits]
    assert [e.source_file for e in edits] == [f"{c.file_id}.mp4" for c in tl.clips]
    start = record_start(tl)
    for edit, clip in zip(edits, tl.clips, strict=True):
        src = source_offset(tl.media[clip.file_id], RATE) + clip.source_start
        assert edit.source_in == frames_to_timecode(src, RATE)
        assert edit.record_in == frames_to_timecode(start + clip.record_start, RATE)
        assert edit.channels.video and edit.channels.a1 == clip.audio
    back = otio.adapters.read_from_string(text, "cmx_3600", rate=25)
    assert len(back.video_tracks()) == 1
    assert len(back.video_tracks()[0].find_clips()) == len(tl.clips)


@pytest.mark.parametrize("fmt", ["fcpxml", "xmeml", "otio", "edl"])
def test_multicam_exports_match_golden(fmt: str) -> None:
    tl = multicam_timeline("9:16")
    _check(f"multicam_9x16.{EXPORTERS[fmt].EXTENSION}", export_timeline(tl, fmt))
