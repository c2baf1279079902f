from __future__ import annotations

from pathlib import Path

import pytest

from editron.domain.media import SourceKind
from editron.errors import UnsafeURLError, UnsupportedSourceError
from editron.ingest.netguard import check_url, is_public_address
from editron.ingest.sources import normalise_dropbox_link, parse_source

HOST = "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("link", "kind", "direct", "name"),
    [
        ("https://www.dropbox.com/s/abc123/keynote.mp4?dl=0", SourceKind.DROPBOX_FILE,
         f"{HOST}/s/abc123/keynote.mp4?dl=1", "keynote.mp4"),
        ("https://dropbox.com/scl/fi/xyz789/Gala%20Night.mov?rlkey=k1&st=s2&dl=0",
         SourceKind.DROPBOX_FILE, f"{HOST}/scl/fi/xyz789/Gala%20Night.mov?rlkey=k1&st=s2&dl=1",
         "Gala Night.mov"),
        ("https://www.dropbox.com/scl/fo/folder1/event?rlkey=r9&dl=0", SourceKind.DROPBOX_FOLDER,
         f"{HOST}/scl/fo/folder1/event?rlkey=r9&dl=1", "event.zip"),
        ("https://www.dropbox.com/scl/fo/folder1?rlkey=r9", SourceKind.DROPBOX_FOLDER,
         f"{HOST}/scl/fo/folder1?rlkey=r9&dl=1", "folder1.zip"),
    ],
)
def test_dropbox_links_become_direct_downloads(link: str, kind: SourceKind, direct: str,
                                               name: str) -> None:
    assert normalise_dropbox_link(link, content_host=HOST) == (kind, direct, name)
    spec = parse_source(link, dropbox_content_host=HOST)
    assert (spec.kind, spec.location, spec.filename) == (kind, direct, name)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("ftp://example.com/a.mp4", "unsupported scheme 'ftp'"),
        ("s3://bucket/key", "unsupported scheme 's3'"),
        ("http://", "no host name"),
        ("http://exa mple.com/a.mp4", "malformed URL"),
        ("http://example.com:99999/a.mp4", "malformed URL"),
        ("https://www.dropbox.com/home/Photos", "not a Dropbox shared link"),
        ("https://www.dropbox.com/scl/fi/abc/clip.mp4?dl=0", "no rlkey"),
        ("file://otherhost/share/a.mp4", "path on this machine"),
        ("/definitely/not/here.mp4", "no such file or folder"),
        ("   ", "no source given"),
    ],
)
def test_bad_sources_are_rejected_before_work(source: str, reason: str) -> None:
    with pytest.raises(UnsupportedSourceError, match=reason):
        parse_source(source)


def test_local_paths_and_file_urls(tmp_path: Path) -> None:
    clip = tmp_path / "a b.mp4"
    clip.write_bytes(b"x")
    assert parse_source(str(tmp_path)).kind is SourceKind.LOCAL_FOLDER
    spec = parse_source(clip.as_uri())
    assert spec.kind is SourceKind.LOCAL_FILE and spec.location == str(clip)
    http = parse_source("https://cdn.example.com/event/day%201.zip?sig=1")
    assert (http.kind, http.filename, http.reference_name) == (SourceKind.HTTP, "day 1.zip",
                                                               "day 1")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.8", "172.16.3.4", "192.168.1.1", "169.254.169.254", "::1", "fe80::1",
     "fc00::1", "0.0.0.0", "::ffff:127.0.0.1", "224.0.0.1", "100.64.0.1"],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


def test_public_address_is_public() -> None:
    assert is_public_address("93.184.216.34")
    assert is_public_address("2606:4700:4700::1111")


def test_check_url_refuses_loopback_unless_allowed() -> None:
    with pytest.raises(UnsafeURLError, match="EDITRON_ALLOW_PRIVATE_URLS"):
        check_url("http://localhost:8080/a.mp4", allow_private=False)
    with pytest.raises(UnsafeURLError):
        check_url("http://[::1]/a.mp4", allow_private=False)
    check_url("http://localhost:8080/a.mp4", allow_private=True)
