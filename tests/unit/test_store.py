"""The media store: keys, the shared-folder backend, and the S3 backend against a real
S3-compatible server (moto's, on loopback) with its bounded, hold-aware local cache."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from editron.config import Settings
from editron.errors import (
    ConfigError,
    InputError,
    StoreMissingError,
    StoreUnavailableError,
)
from editron.store import (
    FileStore,
    MediaCache,
    batch_key,
    check_key,
    key_of,
    media_store,
    publish,
    resolve_local,
    stored_value,
    with_retries,
)
from tests import s3_server

s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket


def _file(path: Path, size: int, seed: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    block = bytes((seed * 131 + i * 7) % 251 for i in range(4096))
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


# --- keys -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["", "/abs/x", "a//b", "a/../b", "./a", "a\\b", "a/"])
def test_bad_keys_are_refused(bad: str) -> None:
    with pytest.raises(InputError):
        check_key(bad)


def test_keys_of_paths_under_the_storage_folder(tmp_path: Path) -> None:
    root = tmp_path / "media"
    assert key_of(root / "batches" / "b1" / "originals" / "a b.mp4", root) == \
        "batches/b1/originals/a b.mp4"
    assert key_of(tmp_path / "elsewhere" / "music.wav", root) is None
    assert key_of("batches/b1/x.mp4", root) == "batches/b1/x.mp4"  # already a key
    assert key_of(root, root) is None
    assert batch_key("b1", "renders", "r1/out.mp4") == "batches/b1/renders/r1/out.mp4"


# --- the shared folder ------------------------------------------------------------------

def test_file_store_put_is_atomic_and_reads_back(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "share", create=True)
    src = _file(tmp_path / "src.mp4", 70_000)
    store.put_file("batches/b1/originals/day1/clip.mp4", src)
    path = store.local_path("batches/b1/originals/day1/clip.mp4")
    assert path == tmp_path / "share" / "batches/b1/originals/day1/clip.mp4"
    assert path.read_bytes() == src.read_bytes()
    assert not list(path.parent.glob(".*.part")), "no temporary file left behind"
    assert store.size("batches/b1/originals/day1/clip.mp4") == 70_000
    assert list(store.keys("batches/b1")) == ["batches/b1/originals/day1/clip.mp4"]
    with store.open("batches/b1/originals/day1/clip.mp4") as handle:
        handle.seek(100)
        assert handle.read(10) == src.read_bytes()[100:110]
    store.put_file("batches/b1/originals/day1/clip.mp4", path)  # in place: nothing to copy
    assert path.read_bytes() == src.read_bytes()
    assert store.delete_prefix("batches/b1") == 1
    assert not store.exists("batches/b1/originals/day1/clip.mp4")


def test_file_store_missing_key_and_unmounted_share(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "share", create=True)
    with pytest.raises(StoreMissingError, match=r"batches/b1/x.mp4 is not in the media store "
                       r"file://.*ingest the batch again"):
        store.local_path("batches/b1/x.mp4")
    gone = FileStore(tmp_path / "not-mounted")  # an explicit share whose mount is missing
    with pytest.raises(StoreUnavailableError, match="is not mounted on this host"):
        gone.local_path("batches/b1/x.mp4")


def test_default_store_is_the_storage_folder_and_keys_resolve(settings: Settings) -> None:
    store = media_store(settings)
    assert isinstance(store, FileStore) and store.root == settings.storage_dir
    written = _file(settings.batch_dir("b1") / "derived" / "f1" / "proxy.mp4", 5_000)
    assert publish(settings, written) == "batches/b1/derived/f1/proxy.mp4"
    assert stored_value(settings, written) == "batches/b1/derived/f1/proxy.mp4"
    assert resolve_local(settings, "batches/b1/derived/f1/proxy.mp4") == written
    assert resolve_local(settings, str(written)) == written  # a legacy absolute path
    assert stored_value(settings, "/music/theme.wav") == "/music/theme.wav"


def test_a_file_url_makes_the_share_the_storage_folder(tmp_path: Path) -> None:
    share = tmp_path / "nas"
    share.mkdir()
    settings = Settings(media_url=share.as_uri())
    assert settings.storage_dir == share.resolve()
    assert settings.batch_dir("b1") == share.resolve() / "batches" / "b1"
    assert media_store(settings).url == share.resolve().as_uri()


def test_an_unknown_media_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file:///path/of/the/share or s3://bucket/prefix"):
        media_store(Settings(media_url="ftp://nas/media"))


def test_retries_wait_then_say_unavailable() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def failing() -> None:
        calls.append(1)
        raise ConnectionRefusedError("refused")

    with pytest.raises(StoreUnavailableError, match=r"cannot be reached .* after 3 attempt"):
        with_retries("reading k", failing, retryable=lambda e: isinstance(e, OSError),
                     attempts=3, backoff_seconds=0.5, url="s3://b/p", sleep=waits.append)
    assert len(calls) == 3 and waits == [0.5, 1.0]
    with pytest.raises(ValueError):  # not retryable: raised at once
        with_retries("x", lambda: int("x"), retryable=lambda e: isinstance(e, OSError),
                     attempts=3, backoff_seconds=0.5, url="s3://b/p", sleep=waits.append)


# --- the cache ---------------------------------------------------------------------------

def test_cache_evicts_least_recently_used_within_its_bound(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path / "cache", max_bytes=25_000)
    for n in range(4):
        cache.fill(f"k/{n}.bin", lambda temp, n=n: _file(temp, 10_000, seed=n) and None)
        cache.lookup("k/0.bin")  # 0 stays the most recently used
    left = sorted(p.name for _, _, p in cache.entries())
    assert cache.total_bytes() <= 25_000
    assert left == ["0.bin", "3.bin"]
    assert not list((tmp_path / "cache" / ".tmp").iterdir()), "no download left half-done"


def test_a_held_file_is_never_evicted(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path / "cache", max_bytes=15_000)
    first = cache.fill("k/held.bin", lambda temp: _file(temp, 10_000) and None)
    with cache.hold("k/held.bin", lambda: first) as path:
        cache.fill("k/new.bin", lambda temp: _file(temp, 10_000, seed=2) and None)
        cache.fill("k/newer.bin", lambda temp: _file(temp, 10_000, seed=3) and None)
        assert path.exists(), "the held file is still there although it is the oldest"
        names = {p.name for _, _, p in cache.entries()}
        assert names == {"held.bin", "newer.bin"}
    cache.trim()
    assert {p.name for _, _, p in cache.entries()} == {"newer.bin"}


# --- S3 ----------------------------------------------------------------------------------

def _s3_settings(tmp_path: Path, endpoint: str, bucket: str, **extra: Any) -> Settings:
    return Settings(home=tmp_path / "home", media_url=f"s3://{bucket}/editron",
                    s3_endpoint_url=endpoint, download_backoff_base_seconds=0.01, **extra)


def test_s3_put_then_read_on_another_host(s3_bucket: tuple[str, Any], s3_endpoint: str,
                                          tmp_path: Path) -> None:
    name, client = s3_bucket
    host_a = media_store(_s3_settings(tmp_path / "a", s3_endpoint, name))
    src = _file(tmp_path / "src.mp4", 300_000)
    host_a.put_file("batches/b1/originals/clip.mp4", src)
    assert client.head_object(Bucket=name, Key="editron/batches/b1/originals/clip.mp4"
                              )["ContentLength"] == 300_000
    host_b_settings = _s3_settings(tmp_path / "b", s3_endpoint, name)
    host_b = media_store(host_b_settings)
    assert host_b.exists("batches/b1/originals/clip.mp4")
    assert host_b.size("batches/b1/originals/clip.mp4") == 300_000
    local = host_b.local_path("batches/b1/originals/clip.mp4")
    assert local.is_relative_to(host_b_settings.media_cache_dir) and local.suffix == ".mp4"
    assert local.read_bytes() == src.read_bytes()
    with host_b.hold("batches/b1/originals/clip.mp4") as held:
        assert held == local
    assert list(host_b.keys("batches/b1")) == ["batches/b1/originals/clip.mp4"]
    assert host_b.delete_prefix("batches/b1") == 1
    assert not host_a.exists("batches/b1/originals/clip.mp4")


def test_s3_cache_stays_bounded_and_keeps_held_files(
        s3_bucket: tuple[str, Any], s3_endpoint: str, tmp_path: Path) -> None:
    name, _ = s3_bucket
    writer = media_store(_s3_settings(tmp_path / "w", s3_endpoint, name))
    for n in range(4):
        writer.put_file(f"batches/b1/derived/{n}.bin", _file(tmp_path / f"{n}.bin", 40_000,
                                                             seed=n))
    reader_settings = _s3_settings(tmp_path / "r", s3_endpoint, name, media_cache_bytes=100_000)
    reader = media_store(reader_settings)
    with reader.hold("batches/b1/derived/0.bin") as held:
        for n in range(1, 4):
            reader.local_path(f"batches/b1/derived/{n}.bin")
        assert held.exists(), "the held download was not evicted"
        cached = MediaCache(reader_settings.media_cache_dir, 100_000)
        assert cached.total_bytes() <= 100_000
        assert {p.name for _, _, p in cached.entries()} == {"0.bin", "3.bin"}


def test_s3_missing_object_is_permanent(s3_bucket: tuple[str, Any], s3_endpoint: str,
                                        tmp_path: Path) -> None:
    name, _ = s3_bucket
    store = media_store(_s3_settings(tmp_path, s3_endpoint, name))
    with pytest.raises(StoreMissingError, match=r"batches/b1/none.mp4 is not in the media "
                       rf"store s3://{name}/editron"):
        store.local_path("batches/b1/none.mp4")
    assert not store.exists("batches/b1/none.mp4")


def test_s3_endpoint_down_retries_then_unavailable(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "editron-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "editron-test-secret")
    down = f"http://127.0.0.1:{s3_server.closed_port()}"
    store = media_store(_s3_settings(tmp_path, down, "media-down", media_store_attempts=2))
    tried = threading.Event()
    original = store.client.head_object  # type: ignore[attr-defined]

    def counting(**kwargs: Any) -> Any:
        tried.set()
        return original(**kwargs)

    store.client.head_object = counting  # type: ignore[attr-defined]
    with pytest.raises(StoreUnavailableError, match=r"s3://media-down/editron cannot be "
                       r"reached .*after 2 attempt"):
        store.exists("batches/b1/clip.mp4")
    assert tried.is_set()
    with pytest.raises(StoreUnavailableError):
        store.put_file("batches/b1/clip.mp4", _file(tmp_path / "c.mp4", 1_000))
