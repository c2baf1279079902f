"""Delivery end to end: a real local folder under concurrent readers, and the Dropbox API
through a fake api/content host pair on loopback (tests/dropbox_api_server.py)."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from editron.config import Settings
from editron.errors import DeliveryError
from editron.render.destinations import parse_destination
from editron.render.destinations.dropbox import DropboxFolder
from editron.render.destinations.local import LocalFolder
from tests.dropbox_api_server import ApiFault, FakeDropbox, dropbox_content_hash, serve_dropbox
from tests.queue_backends import wait_for

# Local folder


def test_delivering_twice_leaves_one_file_and_no_temporaries(tmp_path: Path,
                                                             settings: Settings) -> None:
    source = tmp_path / "render.mp4"
    source.write_bytes(random.Random(1).randbytes(3_000_000))
    out = tmp_path / "Deliveries"
    dest = parse_destination(out.as_uri(), settings=settings)
    first = dest.deliver(source, "gala-recap.mp4")
    second = dest.deliver(source, "gala-recap.mp4")
    assert (first.skipped, second.skipped) == (False, True)
    assert first.url == second.url == (out / "gala-recap.mp4").as_uri()
    assert [p.name for p in out.iterdir()] == ["gala-recap.mp4"]
    assert (out / "gala-recap.mp4").read_bytes() == source.read_bytes()


def test_a_reader_never_sees_a_partial_file_under_the_final_name(tmp_path: Path) -> None:
    old, new = random.Random(2).randbytes(2_000_000), random.Random(3).randbytes(3_000_000)
    complete = {hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()}
    out = tmp_path / "out"
    out.mkdir()
    target = out / "recap.mp4"
    source = tmp_path / "render.mp4"
    source.write_bytes(new)
    stop = threading.Event()
    seen: list[str] = []

    def watch() -> None:
        while not stop.is_set():
            try:
                seen.append(hashlib.sha256(target.read_bytes()).hexdigest())
            except FileNotFoundError:
                seen.append("absent")

    def slow(done: int, total: int) -> None:
        time.sleep(0.002)  # keep the copy running while the reader looks

    def reader_saw(digest: str) -> None:
        """Wait until the reader has looked and found ``digest`` (not a fixed time)."""
        wait_for(lambda: digest in seen, 60, what=f"the reader found {digest[:8]}")

    reader = threading.Thread(target=watch)
    reader.start()
    try:
        reader_saw("absent")
        LocalFolder(out, chunk_bytes=32 * 1024).deliver(source, "recap.mp4")  # nothing there
        (out / "old.tmp").write_bytes(old)
        (out / "old.tmp").replace(target)  # the old version appears whole, too
        reader_saw(hashlib.sha256(old).hexdigest())
        LocalFolder(out, chunk_bytes=32 * 1024).deliver(source, "recap.mp4", on_progress=slow)
    finally:
        stop.set()
        reader.join()
    # Every read found either nothing, the whole old file or the whole new one.
    assert set(seen) <= complete | {"absent"}
    assert target.read_bytes() == new
    assert [p.name for p in out.iterdir()] == ["recap.mp4"]


def test_concurrent_deliveries_of_one_name_end_with_one_whole_file(tmp_path: Path) -> None:
    versions = [random.Random(40 + i).randbytes(1_000_000 + i) for i in range(4)]
    sources = []
    for i, data in enumerate(versions):
        sources.append(tmp_path / f"render-{i}.mp4")
        sources[-1].write_bytes(data)
    out = tmp_path / "out"
    threads = [threading.Thread(target=LocalFolder(out, chunk_bytes=16 * 1024).deliver,
                                args=(source, "recap.mp4")) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (out / "recap.mp4").read_bytes() in versions
    assert [p.name for p in out.iterdir()] == ["recap.mp4"]


# Dropbox


@pytest.fixture()
def fake() -> Iterator[FakeDropbox]:
    with serve_dropbox() as server:
        yield server


def _dropbox(fake: FakeDropbox, folder: str = "/Events/Gala", **options: Any) -> DropboxFolder:
    options.setdefault("sleep", lambda seconds: None)
    return DropboxFolder(folder, token=fake.token, api_host=fake.api_url,
                         content_host=fake.content_url, **options)


def _source(tmp_path: Path, size: int, name: str = "render.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(random.Random(f"{name}:{size}").randbytes(size))
    return path


def test_small_file_goes_up_in_one_request(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 200_000)
    seen: list[tuple[int, int]] = []
    result = _dropbox(fake).deliver(source, "recap.mp4",
                                    on_progress=lambda d, t: seen.append((d, t)))
    assert (result.url, result.skipped, result.bytes) == (
        "dropbox:/Events/Gala/recap.mp4", False, 200_000)
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    assert [(r.host, r.endpoint) for r in fake.requests] == [
        ("api", "/2/files/get_metadata"), ("content", "/2/files/upload")]
    upload = fake.calls("/2/files/upload")[0]
    assert upload.arg == {"path": "/Events/Gala/recap.mp4", "mode": "overwrite",
                          "autorename": False, "mute": False}
    assert upload.authorization == f"Bearer {fake.token}" and upload.body_bytes == 200_000
    assert seen[-1] == (200_000, 200_000)


def test_large_file_uses_an_upload_session_with_right_offsets(tmp_path: Path,
                                                              fake: FakeDropbox) -> None:
    source = _source(tmp_path, 10_500)
    result = _dropbox(fake, single_upload_limit=4_000, chunk_bytes=3_000).deliver(
        source, "recap.mp4")
    assert not result.skipped
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    assert [r.endpoint.rsplit("/", 1)[1] for r in fake.requests[1:]] == [
        "start", "append_v2", "append_v2", "finish"]
    start, *appends, finish = fake.requests[1:]
    assert start.body_bytes == 3_000 and start.arg == {"close": False}
    assert [(a.arg or {})["cursor"]["offset"] for a in appends] == [3_000, 6_000]
    assert [a.body_bytes for a in appends] == [3_000, 3_000]
    assert finish.arg is not None and finish.arg["cursor"]["offset"] == 9_000
    assert finish.body_bytes == 1_500
    assert finish.arg["commit"]["path"] == "/Events/Gala/recap.mp4"
    assert not fake.sessions  # finished, nothing left open


def test_a_size_that_fills_the_last_chunk_exactly(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 9_000)
    _dropbox(fake, single_upload_limit=1_000, chunk_bytes=3_000).deliver(source, "recap.mp4")
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    assert [r.body_bytes for r in fake.requests[1:]] == [3_000, 3_000, 3_000]


def test_second_delivery_is_skipped_by_content_hash(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 50_000)
    dest = _dropbox(fake)
    dest.deliver(source, "recap.mp4")
    before = len(fake.requests)
    again = dest.deliver(source, "recap.mp4")
    assert again.skipped and again.bytes == 50_000
    assert [r.endpoint for r in fake.requests[before:]] == ["/2/files/get_metadata"]
    source.write_bytes(random.Random(6).randbytes(50_000))  # a new cut replaces the old one
    third = dest.deliver(source, "recap.mp4")
    assert not third.skipped
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()


def test_throttling_is_retried_after_the_servers_wait(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 10_000)
    fake.add_fault("/2/files/upload", ApiFault(status=429, times=2,
                                               headers={"Retry-After": "0"}))
    fake.add_fault("/2/files/get_metadata", ApiFault(status=503))
    waits: list[float] = []
    result = _dropbox(fake, sleep=waits.append).deliver(source, "recap.mp4")
    assert not result.skipped
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    assert [r.status for r in fake.calls("/2/files/upload")] == [429, 429, 200]
    assert len(waits) == 3 and waits[1:] == [0.0, 0.0]  # Retry-After: 0 honoured


def test_a_lost_append_answer_continues_from_dropboxs_offset(tmp_path: Path,
                                                            fake: FakeDropbox) -> None:
    source = _source(tmp_path, 10_000)
    fake.add_fault("/2/files/upload_session/append_v2",
                   ApiFault(status=503, after_processing=True))
    _dropbox(fake, single_upload_limit=1_000, chunk_bytes=3_000).deliver(source, "recap.mp4")
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    appends = fake.calls("/2/files/upload_session/append_v2")
    # The resend of the chunk Dropbox already had was refused; the next chunk went on.
    assert [r.status for r in appends] == [503, 409, 200]
    assert [(r.arg or {})["cursor"]["offset"] for r in appends] == [3_000, 3_000, 6_000]


def test_a_lost_finish_answer_is_confirmed_by_content_hash(tmp_path: Path,
                                                          fake: FakeDropbox) -> None:
    source = _source(tmp_path, 5_000)
    fake.add_fault("/2/files/upload_session/finish", ApiFault(status=502, after_processing=True))
    result = _dropbox(fake, single_upload_limit=1_000, chunk_bytes=3_000).deliver(
        source, "recap.mp4")
    assert not result.skipped
    assert fake.get("/Events/Gala/recap.mp4") == source.read_bytes()
    assert [r.status for r in fake.calls("/2/files/upload_session/finish")] == [502, 409]


def test_persistent_server_errors_raise_naming_the_file(tmp_path: Path,
                                                        fake: FakeDropbox) -> None:
    source = _source(tmp_path, 1_000, name="gala-final.mp4")
    fake.add_fault("/2/files/upload", ApiFault(status=500, times=100))
    with pytest.raises(DeliveryError) as caught:
        _dropbox(fake, max_attempts=3).deliver(source, "recap.mp4")
    message = str(caught.value)
    assert "gala-final.mp4" in message and "HTTP 500" in message and "3 attempts" in message
    assert caught.value.path == str(source) and caught.value.transient
    assert len(fake.calls("/2/files/upload")) == 3
    assert fake.get("/Events/Gala/recap.mp4") is None


def test_a_bad_token_fails_at_once_with_what_to_set(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 1_000)
    dest = DropboxFolder("/x", token="wrong", api_host=fake.api_url,
                         content_host=fake.content_url, sleep=lambda s: None)
    with pytest.raises(DeliveryError, match="EDITRON_DROPBOX_TOKEN") as caught:
        dest.deliver(source, "recap.mp4")
    assert [r.status for r in fake.requests] == [401]  # not retried
    assert not caught.value.transient
    assert "wrong" not in str(caught.value)  # the token never reaches a message


def test_a_folder_in_the_way_on_dropbox(tmp_path: Path, fake: FakeDropbox) -> None:
    fake.put("/Events/Gala/recap.mp4/old.mp4", b"x")
    with pytest.raises(DeliveryError, match="is a folder"):
        _dropbox(fake).deliver(_source(tmp_path, 10), "recap.mp4")


def test_non_ascii_names_travel_in_the_api_header(tmp_path: Path, fake: FakeDropbox) -> None:
    source = _source(tmp_path, 2_000)
    result = _dropbox(fake, folder="/Événements/Gala 2026").deliver(source, "Récap 🎉.mp4")
    assert result.url == "dropbox:/Événements/Gala 2026/Récap 🎉.mp4"
    assert fake.get("/Événements/Gala 2026/Récap 🎉.mp4") == source.read_bytes()


def test_parse_destination_delivers_through_env_configured_hosts(
        tmp_path: Path, fake: FakeDropbox, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_DROPBOX_TOKEN", fake.token)
    monkeypatch.setenv("EDITRON_DROPBOX_API_HOST", fake.api_url)
    monkeypatch.setenv("EDITRON_DROPBOX_CONTENT_HOST_UPLOAD", fake.content_url)
    source = _source(tmp_path, 4_096)
    result = parse_destination("dropbox:/Deliveries", settings=settings).deliver(
        source, "recap.mp4")
    assert result.url == "dropbox:/Deliveries/recap.mp4"
    stored = fake.get("/Deliveries/recap.mp4")
    assert stored is not None and dropbox_content_hash(stored) == dropbox_content_hash(
        source.read_bytes())


def test_an_unreachable_host_gives_up_after_the_attempts(tmp_path: Path) -> None:
    import socket

    # Bound but not listening: connections are refused, and while the socket is held no other
    # process can start listening on the port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        waits: list[float] = []
        dest = DropboxFolder("/x", token="t", api_host=closed, content_host=closed,
                             max_attempts=2, sleep=waits.append)
        with pytest.raises(DeliveryError, match="connection failed") as caught:
            dest.deliver(_source(tmp_path, 10, name="gala-final.mp4"), "recap.mp4")
    assert "gala-final.mp4" in str(caught.value) and len(waits) == 1


def test_a_refused_upload_names_the_file_and_dropboxs_reason(tmp_path: Path,
                                                             fake: FakeDropbox) -> None:
    fake.add_fault("/2/files/upload", ApiFault(
        status=409, body='{"error_summary": "path/insufficient_space/..", "error": {}}'))
    with pytest.raises(DeliveryError, match="insufficient_space") as caught:
        _dropbox(fake).deliver(_source(tmp_path, 10, name="gala-final.mp4"), "recap.mp4")
    assert "gala-final.mp4" in str(caught.value) and not caught.value.transient
    assert len(fake.calls("/2/files/upload")) == 1
