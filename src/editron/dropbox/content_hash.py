"""Dropbox's ``content_hash`` of a file: how a watched folder's download and an upload are
checked against what Dropbox holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["CONTENT_HASH_BLOCK_BYTES", "DropboxContentHasher", "content_hash"]

CONTENT_HASH_BLOCK_BYTES = 4 * 1024 * 1024


class DropboxContentHasher:
    """Dropbox's ``content_hash``: SHA-256 of the concatenated SHA-256 digests of each 4 MiB
    block (https://www.dropbox.com/developers/reference/content-hash). Feed it any chunking."""

    def __init__(self) -> None:
        self._overall = hashlib.sha256()
        self._block = hashlib.sha256()
        self._in_block = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        while view:
            take = min(len(view), CONTENT_HASH_BLOCK_BYTES - self._in_block)
            self._block.update(view[:take])
            self._in_block += take
            view = view[take:]
            if self._in_block == CONTENT_HASH_BLOCK_BYTES:
                self._overall.update(self._block.digest())
                self._block, self._in_block = hashlib.sha256(), 0

    def hexdigest(self) -> str:
        overall = self._overall.copy()
        if self._in_block:
            overall.update(self._block.digest())
        return overall.hexdigest()


def content_hash(path: Path) -> str:
    """The Dropbox ``content_hash`` of the file at ``path``."""
    hasher = DropboxContentHasher()
    with path.open("rb") as handle:
        while block := handle.read(CONTENT_HASH_BLOCK_BYTES):
            hasher.update(block)
    return hasher.hexdigest()
