"""Fuzzed archive extraction: archives built from hostile member lists (traversal names,
links, devices, duplicates, huge declared sizes, bombs) and then damaged byte by byte. Every
one either extracts inside its folder within the budget, or is refused with an
``ArchiveError`` naming the archive and leaving nothing behind; no other exception, no hang."""

from __future__ import annotations

import io
import re
import struct
import tarfile
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from editron.config import Settings
from editron.errors import ArchiveError
from editron.ingest.archive import extract
from tests.fuzz.budget import BUDGETS, fuzz_settings, mutate

EXPANSION_LIMIT = 256 * 1024
MEMBER_LIMIT = 40
SECONDS_PER_ARCHIVE = 5.0
_QUOTED = re.compile(r"['\"(].*")  # the reason without the member name: a statistics label

_BENIGN = st.sampled_from(["a.mp4", "day1/b.mov", "c.wav", "notes.txt", "day1/", "x/y/z.mkv",
                           "./dot/./d.mp4", "__MACOSX/._a.mp4", ".hidden.mp4", "día/éclair.mp4",
                           "emoji-🎬.mp4", "\u202egnp.mp4", "x" * 300 + ".mp4"])
_HOSTILE = st.sampled_from(["../escape.mp4", "a/../../up.mp4", "/abs/root.mp4", "C:/drive.mp4",
                            "..\\..\\win.mp4", "a.mp4/inner.mp4", "nul\x00byte.mp4",
                            "new\nline.mp4", "a" * 40 + "/" * 3, ""])
_NAMES = st.one_of(_BENIGN, _BENIGN, _BENIGN, _HOSTILE,
                   st.text(min_size=1, max_size=40).map(lambda s: s + ".mp4"))
_KINDS = st.sampled_from(["file"] * 6 + ["dir", "symlink", "hardlink", "fifo", "chr"])
_MEMBER = st.tuples(_NAMES, _KINDS, st.sampled_from([0, 1, 100, 5000, 400_000]))
_EDIT = st.tuples(st.sampled_from(["flip", "flip", "flip", "cut", "splice", "zero", "insert"]),
                  st.integers(0, 2**31), st.integers(0, 2**16))


def _payload(size: int) -> bytes:
    # Zeros compress ~1000:1: a 400 kB member in a few hundred bytes is a small zip bomb.
    return bytes(size)


def _zip(members: list[tuple[str, str, int]], method: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of the attack
        for name, kind, size in members:
            info = zipfile.ZipInfo(name)
            mode = {"dir": 0o040755, "symlink": 0o120777, "fifo": 0o010644,
                    "chr": 0o020644}.get(kind, 0o100644)
            info.external_attr = mode << 16
            info.compress_type = method
            try:
                zf.writestr(info, b"/etc/passwd" if kind == "symlink" else _payload(size))
            except (ValueError, UnicodeEncodeError):
                continue  # zipfile itself refuses to write some names
    return buf.getvalue()


def _tar(members: list[tuple[str, str, int]], compression: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}", format=tarfile.PAX_FORMAT) as tf:
        for name, kind, size in members:
            info = tarfile.TarInfo(name)
            data: bytes | None = None
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            elif kind == "chr":
                info.type = tarfile.CHRTYPE
            else:
                data = _payload(size)
                info.size = size
            try:
                tf.addfile(info, io.BytesIO(data) if data is not None else None)
            except (ValueError, UnicodeEncodeError):
                continue
    return buf.getvalue()


def _declare_huge(data: bytes, kind: str) -> bytes:
    """Rewrite the declared sizes to claim gigabytes (the bytes stay small)."""
    out = bytearray(data)
    if kind == "zip":
        for match in re.finditer(rb"PK\x01\x02", data):  # central directory: uncompressed size
            struct.pack_into("<I", out, match.start() + 24, 0xFFFFFFF0)
        for match in re.finditer(rb"PK\x03\x04", data):  # local header: uncompressed size
            struct.pack_into("<I", out, match.start() + 22, 0xFFFFFFF0)
    else:
        for at in range(0, len(out) - 512, 512):
            if out[at + 257:at + 262] == b"ustar":
                out[at + 124:at + 136] = b"77777777777\x00"
    return bytes(out)


@st.composite
def _archives(draw: st.DrawFn) -> tuple[str, bytes]:
    members = draw(st.lists(_MEMBER, min_size=0, max_size=8))
    kind = draw(st.sampled_from(["zip", "zip-stored", "tar", "tar.gz", "tar.bz2"]))
    if kind.startswith("zip"):
        data = _zip(members, zipfile.ZIP_STORED if kind == "zip-stored"
                    else zipfile.ZIP_DEFLATED)
    else:
        data = _tar(members, {"tar": "", "tar.gz": "gz", "tar.bz2": "bz2"}[kind])
    if draw(st.booleans()):
        data = _declare_huge(data, "zip" if kind.startswith("zip") else "tar")
    data = mutate(data, draw(st.lists(_EDIT, max_size=3)))
    suffix = ".zip" if kind.startswith("zip") else "." + kind
    return suffix, data


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if not p.is_dir()] if folder.exists() else []


@pytest.mark.timeout(600)
@BUDGETS
def test_any_archive_extracts_safely_or_is_refused_by_name(tmp_path: Path,
                                                           examples: int) -> None:
    settings = Settings(max_archive_expansion_bytes=EXPANSION_LIMIT, max_archive_ratio=50.0,
                        max_archive_members=MEMBER_LIMIT)

    @fuzz_settings(examples)
    @given(_archives())
    def check(case: tuple[str, bytes]) -> None:
        suffix, data = case
        sandbox = Path(tempfile.mkdtemp(dir=tmp_path))
        archive = sandbox / f"upload{suffix}"
        archive.write_bytes(data)
        dest = sandbox / "out"
        started = time.monotonic()
        try:
            result = extract(archive, dest, settings=settings)
        except ArchiveError as exc:
            event("refused: " + _QUOTED.sub("", exc.message)[:40])
            assert exc.path == str(archive), exc
            assert exc.message and "\n" not in exc.message
            assert _files_under(dest) == [], "a refused archive left files behind"
        else:
            event(f"extracted {min(len(result.files), 3)}+ files")
            written = 0
            for staged in result.files:
                assert staged.path.resolve().is_relative_to(dest.resolve())
                assert staged.path.is_file() and not staged.path.is_symlink()
                assert staged.size_bytes == staged.path.stat().st_size
                written += staged.size_bytes
            assert written <= EXPANSION_LIMIT
            assert sorted(_files_under(dest)) == sorted(f.path for f in result.files)
        assert time.monotonic() - started < SECONDS_PER_ARCHIVE
        # Nothing escaped the extraction folder.
        assert sorted(p.name for p in sandbox.iterdir()) in (["out", archive.name],
                                                             [archive.name])

    check()


def _refused(tmp_path: Path, data: bytes, suffix: str = ".zip") -> ArchiveError:
    archive = tmp_path / f"found{suffix}"
    archive.write_bytes(data)
    with pytest.raises(ArchiveError) as caught:
        extract(archive, tmp_path / "out", settings=Settings())
    assert caught.value.path == str(archive)
    assert _files_under(tmp_path / "out") == []
    return caught.value


def test_found_by_the_fuzzer_an_empty_member_name(tmp_path: Path) -> None:
    # A member with no name at all: zipfile's is_dir() raised IndexError. It names no file,
    # so it is passed over like a folder entry.
    archive = tmp_path / "noname.zip"
    archive.write_bytes(_zip([("", "file", 10), ("a.mp4", "file", 10)], zipfile.ZIP_STORED))
    result = extract(archive, tmp_path / "out", settings=Settings())
    assert [f.relative_name for f in result.files] == ["a.mp4"]


def test_found_by_the_fuzzer_a_corrupt_deflate_stream(tmp_path: Path) -> None:
    # zlib.error is no OSError: it escaped as an unhandled exception.
    data = bytearray(_zip([("a.mp4", "file", 5000)], zipfile.ZIP_DEFLATED))
    start = data.index(b"PK\x03\x04") + 30 + len("a.mp4")
    data[start:start + 4] = b"\xff\xff\xff\xff"
    assert "damaged" in _refused(tmp_path, bytes(data)).message


def test_found_by_the_fuzzer_a_name_too_long_to_write(tmp_path: Path) -> None:
    # The clean-up unlinked the name that had just failed to open and crashed with OSError.
    data = _zip([("x" * 300 + ".mp4", "file", 10)], zipfile.ZIP_STORED)
    assert "too long" in _refused(tmp_path, data).message
