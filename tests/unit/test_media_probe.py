"""Pure parts of probing: rotation, the VFR heuristic, structural integrity on synthetic bytes."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from editron.media.integrity import looks_like_media, structural_problem
from editron.media.probe import is_variable_frame_rate, normalise_rotation, rotated_size


@pytest.mark.parametrize(("angle", "snapped"), [(0, 0), (90, 90), (-90, 270), (270, 270),
                                                (-180, 180), (360, 0), (89.6, 90),
                                                (-270.2, 90)])
def test_rotation_snaps_to_quarter_turns(angle: float, snapped: int) -> None:
    assert normalise_rotation(angle) == snapped


def test_rotation_swaps_display_size() -> None:
    assert rotated_size(1920, 1080, 90) == (1080, 1920)
    assert rotated_size(1920, 1080, -90) == (1080, 1920)
    assert rotated_size(1920, 1080, 270) == (1080, 1920)
    assert rotated_size(1920, 1080, 180) == (1920, 1080)
    assert rotated_size(320, 240, 0) == (320, 240)


def test_constant_rate_is_not_vfr() -> None:
    assert not is_variable_frame_rate([i / 30 for i in range(120)])
    # 29.97 fps in a millisecond time base alternates 33 and 34 ms: still constant.
    assert not is_variable_frame_rate([round(i * 1001 / 30000, 3) for i in range(300)])
    # A tick of jitter on a few frames is rounding, not VFR.
    assert not is_variable_frame_rate([i / 30 + (0.001 if i % 7 == 0 else 0)
                                       for i in range(120)])


def test_decode_order_is_sorted_before_measuring() -> None:
    times = [i / 25 for i in range(100)]
    random.Random(1).shuffle(times)  # B-frames arrive out of presentation order
    assert not is_variable_frame_rate(times)


def test_rate_change_is_vfr() -> None:
    vfr = [i / 30 for i in range(60)] + [2 + i / 10 for i in range(30)]
    assert is_variable_frame_rate(vfr)
    phone = [sum(1 / (30 if i % 3 else 20) for i in range(k)) for k in range(200)]
    assert is_variable_frame_rate(phone)


def test_too_few_frames_say_nothing() -> None:
    assert not is_variable_frame_rate([0.0, 0.1, 0.5])
    assert not is_variable_frame_rate([])


def _box(kind: bytes, payload: bytes = b"", size: int | None = None) -> bytes:
    return struct.pack(">I4s", size if size is not None else 8 + len(payload), kind) + payload


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_whole_bmff_passes(tmp_path: Path) -> None:
    data = _box(b"ftyp", b"isom" * 3) + _box(b"moov", b"x" * 50) + _box(b"mdat", b"y" * 500)
    assert structural_problem(_write(tmp_path, "a.mp4", data)) is None
    # size 0 means "to the end of the file", legal for the last box
    open_ended = _box(b"ftyp", b"isom") + _box(b"moov", b"x" * 8) + _box(b"mdat", b"y" * 9, 0)
    assert structural_problem(_write(tmp_path, "b.mp4", open_ended)) is None
    # 64-bit box size
    large = _box(b"ftyp", b"isom") + _box(b"moov") + struct.pack(">I4sQ", 1, b"mdat", 16 + 4)
    assert structural_problem(_write(tmp_path, "c.mp4", large + b"zzzz")) is None


def test_cut_bmff_is_truncated(tmp_path: Path) -> None:
    faststart = _box(b"ftyp", b"isom") + _box(b"moov", b"x" * 40) + _box(b"mdat", b"y" * 900)
    problem = structural_problem(_write(tmp_path, "a.mp4", faststart[:400]))
    assert problem is not None and problem.startswith("truncated")
    assert "'mdat'" in problem and "moov atom not found" not in problem


def test_bmff_without_moov_is_reported(tmp_path: Path) -> None:
    index_last = _box(b"ftyp", b"isom") + _box(b"mdat", b"y" * 900) + _box(b"moov", b"x" * 40)
    cut = structural_problem(_write(tmp_path, "a.mp4", index_last[:500]))
    assert cut is not None and "moov atom not found" in cut and cut.startswith("truncated")
    never_finished = _box(b"ftyp", b"isom") + _box(b"mdat", b"y" * 900)
    problem = structural_problem(_write(tmp_path, "b.mp4", never_finished))
    assert problem is not None and "moov atom not found" in problem


def test_impossible_box_size_is_corrupt(tmp_path: Path) -> None:
    data = _box(b"ftyp", b"isom") + struct.pack(">I4s", 4, b"moov") + b"\0" * 40
    problem = structural_problem(_write(tmp_path, "a.mp4", data))
    assert problem is not None and problem.startswith("corrupt")


def _matroska(segment_payload: bytes, declared: int | None) -> bytes:
    ebml_header = b"\x1a\x45\xdf\xa3" + bytes([0x80 | 4]) + b"webm"
    size = b"\x01" + (b"\xff" * 7 if declared is None else declared.to_bytes(7, "big"))
    return ebml_header + b"\x18\x53\x80\x67" + size + segment_payload


def test_matroska_segment_size_is_checked(tmp_path: Path) -> None:
    whole = _matroska(b"c" * 300, 300)
    assert structural_problem(_write(tmp_path, "a.mkv", whole)) is None
    problem = structural_problem(_write(tmp_path, "b.mkv", whole[:200]))
    assert problem is not None and "Matroska segment needs" in problem
    # A live recorder writes an unknown size: nothing to check, the probe's tail read decides.
    assert structural_problem(_write(tmp_path, "c.mkv", _matroska(b"c" * 10, None))) is None


@pytest.mark.parametrize(("magic", "fmt", "form"), [(b"RIFF", "<I", b"WAVE"),
                                                    (b"FORM", ">I", b"AIFF")])
def test_riff_and_aiff_declared_size(tmp_path: Path, magic: bytes, fmt: str,
                                     form: bytes) -> None:
    body = form + b"d" * 996
    whole = magic + struct.pack(fmt, len(body)) + body
    assert structural_problem(_write(tmp_path, "whole", whole)) is None
    problem = structural_problem(_write(tmp_path, "cut", whole[:600]))
    assert problem is not None and problem.startswith("truncated")
    assert form.decode() in problem
    streaming = magic + struct.pack(fmt, 0xFFFFFFFF) + body  # placeholder, never fixed up
    assert structural_problem(_write(tmp_path, "stream", streaming)) is None


def test_media_signatures() -> None:
    assert looks_like_media(b"\0\0\0\x20ftypisom")
    assert looks_like_media(b"\x1a\x45\xdf\xa3\x01")
    assert looks_like_media(b"RIFF\0\0\0\0WAVE")
    assert looks_like_media(b"ID3\x04")
    assert looks_like_media((b"\x47" + b"\0" * 187) * 3)  # MPEG-TS sync every 188 bytes
    assert not looks_like_media(b"Good morning, this is a text file")  # starts with 0x47 'G'
    assert not looks_like_media(b"shot list: keynote, awards\n")
    assert not looks_like_media(b"")


def test_junk_after_a_complete_bmff_is_tolerated(tmp_path: Path) -> None:
    whole = _box(b"ftyp", b"isom") + _box(b"moov", b"x" * 40) + _box(b"mdat", b"y" * 90)
    assert structural_problem(_write(tmp_path, "a.mp4", whole + b"\x00\x01junk")) is None
    assert structural_problem(_write(tmp_path, "b.mp4", whole + b"\xff" * 30)) is None
