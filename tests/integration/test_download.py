from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from editron.config import Settings
from editron.errors import DownloadError, LimitExceededError, UnsafeURLError
from editron.ingest.download import download_to
from tests.http_server import Fault, FileServer, serve

SIZE = 3 * 1024 * 1024 + 123


@pytest.fixture()
def served(tmp_path: Path) -> tuple[Path, bytes]:
    root = tmp_path / "www"
    root.mkdir()
    data = os.urandom(SIZE)
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
    resumed_at = int(str(ranges[1]).removeprefix("bytes=").split("-")[0])
    # The resume asks only for what is missing (the first attempt kept what it received).
    assert cut - 256 * 1024 <= resumed_at <= cut


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


def test_redirect_to_private_address_is_refused(served: tuple[Path, bytes], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = served
    with serve(root) as server:
        server.add_fault("big.bin", Fault("redirect", location="http://169.254.169.254/meta"))
        # The first hop must be allowed for the test; only the redirect target is checked.
        import editron.ingest.download as download_module

        def only_link_local(url: str, *, allow_private: bool) -> None:
            if "169.254" in url:
                raise UnsafeURLError(f"{url}: link-local")

        monkeypatch.setattr(download_module, "check_url", only_link_local)
        with pytest.raises(UnsafeURLError, match=r"169\.254\.169\.254"):
            _get(server, tmp_path / "d")


def test_loopback_refused_without_opt_in(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server, pytest.raises(UnsafeURLError, match="loopback"):
        _get(server, tmp_path / "d", allow_private_urls=False)


def test_batch_limit_stops_download(served: tuple[Path, bytes], tmp_path: Path) -> None:
    root, _ = served
    with serve(root) as server, pytest.raises(LimitExceededError, match="batch limit"):
        _get(server, tmp_path / "d", max_batch_bytes=1024)
