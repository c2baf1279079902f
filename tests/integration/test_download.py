from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from editron.config import Settings
from editron.errors import DownloadError, LimitExceededError, UnsafeURLError
from editron.ingest import netguard
from editron.ingest.download import download_to
from tests.http_server import Fault, FileServer, serve

SIZE = 3 * 1024 * 1024 + 123
TEST_HOST = "media.editron.test"


@pytest.fixture()
def served(tmp_path: Path) -> tuple[Path, bytes]:
    root = tmp_path / "www"
    root.mkdir()
    data = random.Random(1).randbytes(SIZE)
    (root / "big.bin").write_bytes(data)
    return root, data


def _settings(**overrides: object) -> Settings:
    base: dict[str, object] = {"download_chunk_bytes": 64 * 1024,
                               "download_backoff_base_seconds": 0.01}
    return Settings(**{**base, **overrides})


def _get(server: FileServer, dest: Path, **overrides: object) -> tuple[Path, str | None]:
    staged = download_to(server.url("big.bin"), dest / "big.bin", settings=_settings(**overrides))
    return staged.path, staged.checksum_sha256


def test_plain_download_hashes_while_streaming(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    with serve(root) as server:
        path, digest = _get(server, tmp_path / "d")
    assert path.read_bytes() == data
    assert digest == hashlib.sha256(data).hexdigest()
    assert not (tmp_path / "d" / "big.bin.part").exists()


def test_dropped_connection_resumes_with_range(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    cut = 1_000_000
    with serve(root) as server:
        server.add_fault("big.bin", Fault("drop", after_bytes=cut))
        path, digest = _get(server, tmp_path / "d")
        ranges = [r["range"] for r in server.requests]
    assert path.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()
    assert ranges[0] is None and len(ranges) == 2
    # The resume asks for exactly what is missing: every byte the first attempt received
    # was kept (and hashed), none is fetched twice.
    assert ranges[1] == f"bytes={cut}-"


def test_resume_after_process_crash_uses_part_file(served: tuple[Path, bytes],
                                                   tmp_path: Path) -> None:
    root, data = served
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "big.bin.part").write_bytes(data[:2_000_000])
    with serve(root) as server:
        path, digest = _get(server, dest)
        assert server.requests[0]["range"] == "bytes=2000000-"
    assert path.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()


def test_server_ignoring_range_restarts_cleanly(served: tuple[Path, bytes],
                                                tmp_path: Path) -> None:
    root, data = served
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "big.bin.part").write_bytes(b"garbage that must not survive")
    with serve(root) as server:
        server.add_fault("big.bin", Fault("ignore_range"))
        path, digest = _get(server, dest)
    assert path.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()


def test_resume_answered_from_the_wrong_offset_starts_over(served: tuple[Path, bytes],
                                                           tmp_path: Path) -> None:
    root, data = served
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "big.bin.part").write_bytes(data[:1_500_000])
    with serve(root) as server:
        server.add_fault("big.bin", Fault("bad_range"))
        path, digest = _get(server, dest)
        ranges = [r["range"] for r in server.requests]
    # The mismatched 206 is not appended; the next request starts from scratch.
    assert ranges == ["bytes=1500000-", None]
    assert path.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()


def test_drops_on_several_attempts_keep_one_hash(served: tuple[Path, bytes],
                                                 tmp_path: Path) -> None:
    root, data = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("drop", after_bytes=700_000))
        server.add_fault("big.bin", Fault("drop", after_bytes=900_000))
        path, digest = _get(server, tmp_path / "d")
        ranges = [r["range"] for r in server.requests]
    assert ranges == [None, "bytes=700000-", "bytes=1600000-"]
    assert path.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()


def test_503_then_success(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("status", times=2, status=503))
        path, _ = _get(server, tmp_path / "d")
        assert len(server.requests) == 3
    assert path.read_bytes() == data


def test_429_honours_retry_after(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("status", status=429, headers={"Retry-After": "1"}))
        path, _ = _get(server, tmp_path / "d")
        gap = server.request_times[1] - server.request_times[0]
    assert path.read_bytes() == data
    assert gap >= 0.95, f"retried after {gap:.2f}s, before Retry-After"


def test_retry_after_is_capped_by_settings(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("status", status=429,
                                          headers={"Retry-After": "3600"}))
        path, _ = _get(server, tmp_path / "d", download_backoff_max_seconds=0.2)
        gap = server.request_times[1] - server.request_times[0]
    assert path.read_bytes() == data
    assert 0.19 <= gap < 1.0, f"waited {gap:.2f}s; the cap is 0.2 s"


def test_attempts_are_bounded(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("status", times=10, status=500))
        with pytest.raises(DownloadError, match="gave up after 3 attempts: HTTP 500"):
            _get(server, tmp_path / "d", download_max_attempts=3)
        assert len(server.requests) == 3


def test_404_fails_at_once(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server:
        with pytest.raises(DownloadError, match="HTTP 404"):
            download_to(server.url("nope.bin"), tmp_path / "n.bin", settings=_settings())
        assert len(server.requests) == 1


def _public_test_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``media.editron.test`` resolve (in netguard only) to the loopback test server and
    count as public, so the real address policy can be exercised against a local server. The
    system resolver does not know the name, so a download that works proves the connection
    went to the address netguard vetted."""
    real_resolve, real_public = netguard.resolve_host, netguard.is_public_address

    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == TEST_HOST else real_resolve(host, port)

    monkeypatch.setattr(netguard, "resolve_host", resolve)
    monkeypatch.setattr(netguard, "is_public_address",
                        lambda address: address == "127.0.0.1" or real_public(address))


def test_connection_goes_to_the_vetted_address(served: tuple[Path, bytes], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root, data = served
    _public_test_host(monkeypatch)
    with serve(root) as server:
        url = f"http://{TEST_HOST}:{server.port}/big.bin"
        staged = download_to(url, tmp_path / "big.bin",
                             settings=_settings(allow_private_urls=False))
        assert server.requests[0]["host"] == f"{TEST_HOST}:{server.port}"
    assert staged.path.read_bytes() == data


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data", "http://127.0.0.2:9/admin", "http://[::1]/x",
     "http://[::ffff:10.0.0.1]/x", "http://192.168.0.1/x"],
)
def test_redirect_to_private_address_is_refused(served: tuple[Path, bytes], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                target: str) -> None:
    root, _ = served
    _public_test_host(monkeypatch)
    with serve(root) as server:
        server.add_fault("big.bin", Fault("redirect", location=target))
        url = f"http://{TEST_HOST}:{server.port}/big.bin"
        with pytest.raises(UnsafeURLError, match="EDITRON_ALLOW_PRIVATE_URLS"):
            download_to(url, tmp_path / "big.bin", settings=_settings(allow_private_urls=False))
        # Only the first hop reached a server; the redirect target was never contacted.
        assert len(server.requests) == 1
    assert not (tmp_path / "big.bin").exists()


def test_redirect_to_other_scheme_is_refused(served: tuple[Path, bytes],
                                             tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("redirect", location="file:///etc/passwd"))
        with pytest.raises(DownloadError, match="not http"):
            _get(server, tmp_path / "d")


def test_redirect_is_followed(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, data = served
    (root / "moved.bin").write_bytes(data)
    with serve(root) as server:
        server.add_fault("old.bin", Fault("redirect", location="/moved.bin"))
        staged = download_to(server.url("old.bin"), tmp_path / "x.bin", settings=_settings())
        assert [r["path"] for r in server.requests] == ["/old.bin", "/moved.bin"]
    assert staged.checksum_sha256 == hashlib.sha256(data).hexdigest()


def test_loopback_refused_without_opt_in(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server, pytest.raises(UnsafeURLError, match="loopback"):
        _get(server, tmp_path / "d", allow_private_urls=False)


def test_batch_limit_stops_download(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server, pytest.raises(LimitExceededError, match="batch limit"):
        _get(server, tmp_path / "d", max_batch_bytes=1024)
