"""Cheap structural checks: does the file hold as many bytes as its container says it should?

Most containers declare sizes up front (ISO-BMFF boxes, the Matroska Segment, RIFF and AIFF
chunks). A copy or download that stopped early leaves a file shorter than those declarations,
or, for an mp4/mov written index-last, with no ``moov`` box at all. Reading a few headers finds
that without demuxing; formats without declared sizes fall back to the probe's tail read.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

__all__ = ["looks_like_media", "structural_problem"]

# Top-level box types that may open an ISO-BMFF / QuickTime file (old .mov has no ftyp).
_BMFF_OPENERS = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_MKV_SEGMENT = 0x18538067
_MAX_BOXES = 100_000

# Magic numbers of containers PyAV opens; a file starting with one of these that will not open
# is damaged media, not "some other kind of file".
_SIGNATURES: tuple[bytes, ...] = (
    _EBML_MAGIC, b"RIFF", b"RF64", b"FORM", b"OggS", b"fLaC", b"ID3", b"\x00\x00\x01\xba",
    b"FLV", b"#!AMR", b"\x30\x26\xb2\x75",  # the last one is ASF / WMV
)


def looks_like_media(head: bytes) -> bool:
    """True when the first bytes carry a known media container signature."""
    if len(head) >= 8 and head[4:8] in _BMFF_OPENERS:
        return True
    if head[:1] == b"\x47":  # MPEG-TS sync byte: only trust it when it repeats every 188 bytes
        return len(head) >= 377 and head[188:189] == b"\x47" and head[376:377] == b"\x47"
    return head.startswith(_SIGNATURES)


def structural_problem(path: Path) -> str | None:
    """A plain-words reason the file is cut short or malformed, or None when it looks whole
    (or its format declares no sizes to check)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(16)
        if len(head) >= 8 and head[4:8] in _BMFF_OPENERS:
            return _bmff_problem(fh, size)
        if head.startswith(_EBML_MAGIC):
            return _matroska_problem(fh, size)
        if head[:4] in (b"RIFF", b"FORM") and len(head) >= 12:
            return _chunk_problem(head, size)
    return None


def _bmff_problem(fh: BinaryIO, size: int) -> str | None:
    pos = 0
    whole: set[bytes] = set()  # types of the top-level boxes read complete
    for _ in range(_MAX_BOXES):
        if pos >= size:
            break
        fh.seek(pos)
        header = fh.read(16)
        box_size, box_type = struct.unpack(">I4s", header[:8]) if len(header) >= 8 else (0, b"")
        if box_size == 1 and len(header) >= 16:
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0 and box_type:  # "extends to the end of the file": legal when last
            box_size = size - pos
        problem = None
        if not box_type or (box_size == 1 and len(header) < 16):
            problem = f"truncated: the file ends inside a box header at byte {pos}"
        elif box_size < 8:
            problem = f"corrupt: box at byte {pos} declares an impossible size ({box_size})"
        elif pos + box_size > size:
            kind = box_type.decode("latin-1", "replace")
            lost = ("" if b"moov" in whole or box_type == b"moov"
                    else " and its 'moov' index is missing (moov atom not found)")
            problem = (f"truncated: the '{kind}' box needs {pos + box_size} bytes but the file "
                       f"has {size}{lost}; the copy or download was cut short")
        if problem:
            # Junk after a complete index and media data (some cameras and tools leave it)
            # does not stop the file from playing: leave it to the probe's tail read.
            return None if {b"moov", b"mdat"} <= whole else problem
        whole.add(box_type)
        pos += box_size
    if b"moov" not in whole:
        return ("truncated or corrupt: no 'moov' index box (moov atom not found); the file "
                "was cut short or the recording never finished")
    return None


def _read_vint(fh: BinaryIO, *, keep_marker: bool) -> tuple[int, int, bool] | None:
    """One EBML variable-length integer: (value, byte length, all-ones i.e. unknown size)."""
    first = fh.read(1)
    if not first:
        return None
    lead = first[0]
    length = 1
    while length <= 8 and not lead & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        return None
    rest = fh.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = lead if keep_marker else lead & (0xFF >> length)
    for byte in rest:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _matroska_problem(fh: BinaryIO, size: int) -> str | None:
    fh.seek(4)
    header = _read_vint(fh, keep_marker=False)
    if header is None:
        return "truncated: the file ends inside its EBML header"
    fh.seek(fh.tell() + header[0])
    element = _read_vint(fh, keep_marker=True)
    seg_size = _read_vint(fh, keep_marker=False)
    if element is None or seg_size is None:
        return "truncated: the file ends before its Matroska segment starts"
    if element[0] != _MKV_SEGMENT or seg_size[2]:
        return None  # unknown-size segment (live recording): nothing declared to check
    needed = fh.tell() + seg_size[0]
    if needed > size:
        return (f"truncated: the Matroska segment needs {needed} bytes but the file has "
                f"{size}; the copy or download was cut short")
    return None


def _chunk_problem(head: bytes, size: int) -> str | None:
    """RIFF (WAV, AVI) is little-endian, AIFF's FORM big-endian; both declare the whole file."""
    fmt = "<I" if head[:4] == b"RIFF" else ">I"
    declared = struct.unpack(fmt, head[4:8])[0]
    # 0 and 0xFFFFFFFF are placeholders left by streaming writers; >4 GiB files wrap the field.
    if declared in (0, 0xFFFFFFFF) or size > 0xFFFFFFFF:
        return None
    needed = 8 + declared
    if needed > size + 1:  # a final pad byte may be missing
        kind = head[8:12].decode("latin-1", "replace").strip()
        return (f"truncated: the {kind} header declares {needed} bytes but the file has "
                f"{size}; the copy or download was cut short")
    return None
