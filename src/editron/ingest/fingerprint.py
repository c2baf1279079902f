"""File identity: the full SHA-256 (integrity) and a quick sample fingerprint (dedupe hint).

The full hash is normally taken while the bytes arrive (download, copy, extraction), so this
module's ``sha256_file`` is for files already on disk: verifying a cold original fetched back,
or a caller that has no stream to hash. ``quick_fingerprint`` reads at most three small
samples, so a batch ingested with ``--no-checksum`` (or kept in place on the cold tier) can
still notice a file it has seen before without reading gigabytes; equal fingerprints are a
strong hint, not proof, and callers that need proof compare full hashes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from editron.errors import IngestError
from editron.ingest.progress import ProgressSink

__all__ = ["QUICK_PREFIX", "QUICK_SAMPLE_BYTES", "quick_fingerprint", "sha256_file"]

READ_BYTES = 4 * 1024 * 1024
QUICK_SAMPLE_BYTES = 1024 * 1024
# Versioned so a change of sampling never compares equal to an older fingerprint.
QUICK_PREFIX = "q1:"


def sha256_file(path: Path, *, progress: ProgressSink | None = None,
                name: str | None = None) -> str:
    """SHA-256 of ``path`` in one sequential read."""
    hasher = hashlib.sha256()
    label = name or path.name
    try:
        total = path.stat().st_size
        done = 0
        with path.open("rb") as reader:
            while block := reader.read(READ_BYTES):
                hasher.update(block)
                done += len(block)
                if progress is not None:
                    progress.on_bytes(label, done, total)
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    return hasher.hexdigest()


def _sample_offsets(size: int, sample: int) -> list[int]:
    if size <= 3 * sample:
        return [0]  # small file: hash it whole (the single "sample" covers everything)
    return [0, (size - sample) // 2, size - sample]


def quick_fingerprint(path: Path, *, sample_bytes: int = QUICK_SAMPLE_BYTES) -> str:
    """``q1:<sha256 of size, head, middle and tail samples>``; whole-file for small files."""
    try:
        size = path.stat().st_size
        hasher = hashlib.sha256(size.to_bytes(8, "big"))
        offsets = _sample_offsets(size, sample_bytes)
        with path.open("rb") as reader:
            for offset in offsets:
                reader.seek(offset)
                left = size if len(offsets) == 1 else sample_bytes
                while left > 0 and (block := reader.read(min(left, READ_BYTES))):
                    hasher.update(block)
                    left -= len(block)
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    return QUICK_PREFIX + hasher.hexdigest()
