from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest

from editron.errors import LimitExceededError
from editron.ingest.local import check_batch_size, collect_local, copy_with_hash, hash_in_place


class _Recorder:
    def __init__(self) -> None:
        self.bytes: list[tuple[str, int, int | None]] = []

    def on_bytes(self, name: str, done: int, total: int | None) -> None:
        self.bytes.append((name, done, total))

    def on_file(self, name: str, index: int, count: int) -> None:
        raise AssertionError("copies report bytes only")


def _tree(root: Path) -> None:
    for name, data in {"day1/cam1/A001.MOV": b"a" * 10, "day1/notes.txt": b"n",
                       "day1/.DS_Store": b"x", ".hidden/b.mp4": b"b", "audio/room.wav": b"w",
                       "day2.zip": b"PK", "top.mp4": b"t"}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.symlink(root / "top.mp4", root / "day1" / "link.mp4")


def test_collect_local_walks_recursively(tmp_path: Path) -> None:
    root = tmp_path / "event"
    _tree(root)
    found, skipped = collect_local(root)
    assert [rel for _, rel in found] == ["day2.zip", "top.mp4", "audio/room.wav",
                                         "day1/cam1/A001.MOV"]
    # Hidden files and folders are not even listed; symlinks are not followed.
    assert sorted(skipped) == ["day1/link.mp4", "day1/notes.txt"]
    one, none_skipped = collect_local(root / "top.mp4")
    assert [rel for _, rel in one] == ["top.mp4"] and none_skipped == []


def test_copy_hashes_during_the_copy(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(9 * 1024 * 1024 + 5)
    source = tmp_path / "in.mp4"
    source.write_bytes(data)
    progress = _Recorder()
    staged = copy_with_hash(source, tmp_path / "out" / "cam" / "in.mp4", "cam/in.mp4",
                            checksum=True, progress=progress)
    assert staged.checksum_sha256 == hashlib.sha256(data).hexdigest()
    assert staged.path.read_bytes() == data and staged.size_bytes == len(data)
    assert progress.bytes[-1] == ("cam/in.mp4", len(data), len(data))
    assert not list((tmp_path / "out" / "cam").glob("*.part"))
    unhashed = copy_with_hash(source, tmp_path / "o2.mp4", "o2.mp4", checksum=False)
    assert unhashed.checksum_sha256 is None and unhashed.size_bytes == len(data)


def test_hash_in_place_reads_only_when_asked(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clip = tmp_path / "cold.wav"
    clip.write_bytes(b"RIFF" * 1000)
    hashed = hash_in_place(clip, "cold.wav", checksum=True)
    assert hashed.checksum_sha256 == hashlib.sha256(b"RIFF" * 1000).hexdigest()
    assert hashed.path == clip and hashed.source_url == clip.as_uri()

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the no-checksum path must not read the file")

    monkeypatch.setattr(Path, "open", no_reading)
    bare = hash_in_place(clip, "cold.wav", checksum=False)
    assert bare.checksum_sha256 is None and bare.size_bytes == 4000


def test_batch_size_checked_before_copying(tmp_path: Path) -> None:
    root = tmp_path / "event"
    _tree(root)
    found, _ = collect_local(root)
    assert check_batch_size(found, limit=1000, source=str(root)) == 2 + 1 + 1 + 10
    with pytest.raises(LimitExceededError, match="EDITRON_MAX_BATCH_BYTES"):
        check_batch_size(found, limit=5, source=str(tmp_path))
