from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from editron.errors import IngestError
from editron.ingest.fingerprint import quick_fingerprint, sha256_file


class _Recorder:
    def __init__(self) -> None:
        self.done: list[int] = []

    def on_bytes(self, name: str, done: int, total: int | None) -> None:
        self.done.append(done)

    def on_file(self, name: str, index: int, count: int) -> None:
        raise AssertionError("not expected")


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(5 * 1024 * 1024 + 3)
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    progress = _Recorder()
    assert sha256_file(path, progress=progress) == hashlib.sha256(data).hexdigest()
    assert progress.done[-1] == len(data)
    with pytest.raises(IngestError, match=r"missing\.mp4"):
        sha256_file(tmp_path / "missing.mp4")


def test_quick_fingerprint_samples_head_middle_tail(tmp_path: Path) -> None:
    sample = 1024
    data = bytearray(random.Random(2).randbytes(10 * sample))
    a, b = tmp_path / "a.mov", tmp_path / "b.mov"
    a.write_bytes(data)
    b.write_bytes(data)
    assert quick_fingerprint(a, sample_bytes=sample) == quick_fingerprint(b, sample_bytes=sample)
    assert quick_fingerprint(a, sample_bytes=sample).startswith("q1:")
    for offset in (10, 10 * sample // 2 - sample // 2 + 7, 10 * sample - 1):  # each sample
        changed = bytearray(data)
        changed[offset] ^= 0xFF
        b.write_bytes(changed)
        assert quick_fingerprint(b, sample_bytes=sample) != quick_fingerprint(
            a, sample_bytes=sample), offset
    # A byte outside the samples is not seen: a hint, not proof (the docstring says so).
    changed = bytearray(data)
    changed[2 * sample] ^= 0xFF
    b.write_bytes(changed)
    assert quick_fingerprint(b, sample_bytes=sample) == quick_fingerprint(a, sample_bytes=sample)
    # Same samples, different length: different fingerprint.
    b.write_bytes(bytes(data) + b"\0")
    assert quick_fingerprint(b, sample_bytes=sample) != quick_fingerprint(a, sample_bytes=sample)


def test_small_files_are_fingerprinted_whole(tmp_path: Path) -> None:
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b"x" * 2000)
    b.write_bytes(b"x" * 1000 + b"y" + b"x" * 999)
    assert quick_fingerprint(a, sample_bytes=1000) != quick_fingerprint(b, sample_bytes=1000)
    empty = tmp_path / "e.wav"
    empty.write_bytes(b"")
    assert quick_fingerprint(empty).startswith("q1:")
