"""The media cache on a disk that fills (issue 23.5): room made by evicting unheld copies, a
download that cannot fit refused before a byte is written, a disk that fills mid-write
leaving no partial file and saying where, and an upload whose cache copy finds no room still
stored. Free space is read through ``cache._free_bytes`` (statvfs); tests give it a disk of a
fixed capacity holding what the cache folder holds."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from editron.config import Settings
from editron.store import MediaCache, media_store
from editron.store import cache as cache_module
from tests import s3_server

s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket


def _bytes(path: Path, size: int, seed: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes((seed + i) % 251 for i in range(size)))


def _disk(monkeypatch: pytest.MonkeyPatch, root: Path, capacity: int) -> None:
    """A disk of ``capacity`` bytes under ``root``, no slack asked beyond a file."""

    def free(_folder: Path) -> int:
        used = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        return max(0, capacity - used)

    monkeypatch.setattr(cache_module, "_free_bytes", free)
    monkeypatch.setattr(cache_module, "_SLACK", 0)


def _filled(root: Path) -> MediaCache:
    cache = MediaCache(root, max_bytes=10**9)  # only the disk bounds it here
    for n in range(3):
        cache.fill(f"k/{n}.bin", lambda temp, n=n: _bytes(temp, 10_000, seed=n))
    return cache


def test_room_is_made_by_evicting_unheld_copies(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _disk(monkeypatch, root, capacity=40_000)
    cache = _filled(root)
    held = cache.path_for("k/0.bin")  # the oldest, but being read
    with cache.hold("k/0.bin", lambda: held):
        cache.fill("k/big.bin", lambda temp: _bytes(temp, 25_000), size=25_000)
        assert {p.name for _, _, p in cache.entries()} == {"0.bin", "big.bin"}


def test_a_download_that_cannot_fit_is_refused_unwritten(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _disk(monkeypatch, root, capacity=40_000)
    cache = _filled(root)
    written: list[Path] = []
    with pytest.raises(OSError, match="No space left on device"):  # hopeless: 40 KB disk
        cache.fill("k/huge.bin", written.append, size=50_000)
    assert len(cache.entries()) == 3, "nothing evicted for a download that could never fit"
    held = cache.path_for("k/0.bin")
    with cache.hold("k/0.bin", lambda: held), pytest.raises(OSError) as raised:
        cache.fill("k/big.bin", written.append, size=35_000)
    assert raised.value.errno == errno.ENOSPC
    assert f"No space left on device in the media cache {root} for k/big.bin (" in str(
        raised.value)
    assert "0.0 MiB free, 0.0 MiB needed" in str(raised.value)
    assert written == [], "nothing was written"
    assert cache.lookup("k/big.bin") is None
    assert not list((root / ".tmp").iterdir())


def test_a_disk_filling_mid_write_leaves_no_partial_file(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    cache = MediaCache(root, max_bytes=10**9)

    def half_then_full(temp: Path) -> None:
        _bytes(temp, 5_000)  # another writer took the rest of the disk meanwhile
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as raised:
        cache.fill("batches/b1/originals/raw.mkv", half_then_full)
    assert raised.value.errno == errno.ENOSPC
    assert f"media cache {root}" in str(raised.value), "the error says which disk"
    assert "batches/b1/originals/raw.mkv" in str(raised.value)
    assert cache.lookup("batches/b1/originals/raw.mkv") is None
    assert cache.entries() == [] and not list((root / ".tmp").iterdir())


def _copy_filling(half: int) -> Callable[[Any, Any], None]:
    def copy(source: Any, target: Any) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:half])
        raise OSError(errno.ENOSPC, "No space left on device")

    return copy


def test_an_upload_is_stored_when_its_cache_copy_finds_no_room(
        s3_bucket: tuple[str, Any], s3_endpoint: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    name, client = s3_bucket
    settings = Settings(home=tmp_path / "home", media_url=f"s3://{name}/editron",
                        s3_endpoint_url=s3_endpoint, download_backoff_base_seconds=0.01)
    store = media_store(settings)
    source = tmp_path / "staged" / "raw.mkv"
    _bytes(source, 200_000)

    def no_link(_source: Any, _target: Any) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")  # the cache is its own disk

    monkeypatch.setattr(cache_module.os, "link", no_link)
    monkeypatch.setattr(cache_module.shutil, "copyfile", _copy_filling(100_000))
    store.put_file("batches/b1/originals/raw.mkv", source)
    assert client.head_object(Bucket=name, Key="editron/batches/b1/originals/raw.mkv"
                              )["ContentLength"] == 200_000
    cache = MediaCache(settings.media_cache_dir, settings.media_cache_bytes)
    assert cache.entries() == [], "no copy, and no half copy, kept"
    assert not list((settings.media_cache_dir / ".tmp").iterdir())


def test_an_s3_download_the_cache_cannot_hold_is_refused(
        s3_bucket: tuple[str, Any], s3_endpoint: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    name, client = s3_bucket
    client.put_object(Bucket=name, Key="editron/batches/b1/originals/raw.mkv",
                      Body=b"\1" * 300_000)
    settings = Settings(home=tmp_path / "home", media_url=f"s3://{name}/editron",
                        s3_endpoint_url=s3_endpoint, download_backoff_base_seconds=0.01)
    _disk(monkeypatch, settings.media_cache_dir, capacity=200_000)
    store = media_store(settings)
    with pytest.raises(OSError, match=r"No space left on device in the media cache .* for "
                       r"batches/b1/originals/raw.mkv \(0.2 MiB free, 0.3 MiB needed\)"
                       ) as raised:
        store.local_path("batches/b1/originals/raw.mkv")
    assert raised.value.errno == errno.ENOSPC
    assert not (settings.media_cache_dir / "batches").exists()
