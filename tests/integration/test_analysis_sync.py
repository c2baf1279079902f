"""Sync by sound on real files, decoded once through Editron's own decode pass into the 16 kHz
mono spool: three cameras (PCM at 48 kHz in MOV, AAC at 44.1 kHz and a phone's band-limited
AAC at 48 kHz in MP4) started at times off the frame grid, and a B-roll file of another place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from editron.analysis.base import FileContext
from editron.analysis.brief import parse_brief
from editron.analysis.decode import decode_pass
from editron.analysis.sync import source_from_spool, sync_files
from editron.domain.sync import SyncMethod, SyncResult, UnsyncedReason
from editron.media.probe import probe
from tests.multicam_fixtures import Camera, record, sound_field, write_camera_file

FIELD_RATE = 48_000


@dataclass(frozen=True)
class Take:
    camera: Camera
    path: Path


CAMERAS = (  # (camera, container, audio codec, lavfi picture, start timecode)
    (Camera("wide", 1.013_711, 75, rate=48_000, gain=0.8, noise_db=-52, colour="dull", seed=1),
     "mov", "pcm_s16le", "testsrc2", "01:00:01:00"),
    (Camera("stage", 6.520_113, 70, rate=44_100, gain=0.35, noise_db=-46, seed=2),
     "mp4", "aac", "smptebars", "01:00:06:15"),
    (Camera("phone", 23.371_707, 45, rate=48_000, gain=1.5, noise_db=-42, colour="phone",
            seed=3), "mp4", "aac", "rgbtestsrc", None),
)


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> list[Take]:
    work = tmp_path_factory.mktemp("multicam_files")
    field = sound_field(work / "parts", seconds=100, rate=FIELD_RATE, seed=71)
    out = []
    for cam, ext, codec, picture, timecode in CAMERAS:
        extra = ["-timecode", timecode] if timecode else []
        path = write_camera_file(record(field, FIELD_RATE, cam), work / f"{cam.name}.{ext}",
                                 source=picture, audio_codec=codec, extra=extra)
        out.append(Take(cam, path))
    other = sound_field(work / "parts", seconds=60, rate=FIELD_RATE, seed=73, broll=True)
    broll = Camera("broll", 2.0, 50, rate=48_000, gain=0.7, noise_db=-50, seed=4)
    out.append(Take(broll, write_camera_file(record(other, FIELD_RATE, broll),
                                             work / "broll.mp4", source="testsrc")))
    return out


def _sync(takes: list[Take], work: Path, *, timecode: bool) -> SyncResult:
    sources = []
    for take in takes:
        info = probe(take.path)
        ctx = FileContext(take.camera.name, take.path, info, parse_brief(None),
                          work / take.camera.name)
        spool = decode_pass(ctx, [], [])
        sources.append(source_from_spool(ctx.file_id, spool,
                                         timecode=info.timecode if timecode else None,
                                         fps=info.fps))
    return sync_files(sources)


def _worst_error_ms(result: SyncResult, takes: list[Take]) -> float:
    first = takes[0].camera
    base = result.for_file(first.name)
    assert base is not None and base.synced
    worst = 0.0
    for take in takes[1:3]:
        placed = result.for_file(take.camera.name)
        assert placed is not None and placed.synced, placed
        for t in (0.0, take.camera.seconds / 2, take.camera.seconds - 1):
            true_in_first = take.camera.start + t - first.start
            worst = max(worst, abs(base.to_file(placed.to_event(t)) - true_in_first))
    return worst * 1000


def test_files_decoded_by_editron_sync_within_a_millisecond(takes: list[Take],
                                                            tmp_path: Path) -> None:
    result = _sync(takes, tmp_path, timecode=False)
    assert _worst_error_ms(result, takes) < 1.0  # one frame at 30 fps is 33 ms
    group = result.groups()[0]
    assert [f.file_id for f in group] == ["wide", "stage", "phone"]  # event-clock order
    broll = result.for_file("broll")
    assert broll is not None and broll.event_offset is None
    assert broll.reason is UnsyncedReason.NO_SHARED_SOUND


def test_file_timecode_is_read_and_confirmed_by_sound(takes: list[Take], tmp_path: Path
                                                      ) -> None:
    assert probe(takes[0].path).timecode == "01:00:01:00"
    result = _sync(takes, tmp_path, timecode=True)
    wide, stage = result.for_file("wide"), result.for_file("stage")
    assert wide is not None and stage is not None
    assert stage.method is SyncMethod.TIMECODE
    assert any(p.via_timecode and p.used for p in result.pairs)
    assert _worst_error_ms(result, takes) < 1.0
