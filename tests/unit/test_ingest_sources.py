from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editron.domain.media import SourceKind
from editron.errors import UnsafeURLError, UnsupportedSourceError
from editron.ingest import netguard
from editron.ingest.netguard import check_url, is_public_address, vetted_addresses
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
        ("https://www.dropbox.com/sh/q1w2e3/AAB_key?dl=0", SourceKind.DROPBOX_FOLDER,
         f"{HOST}/sh/q1w2e3/AAB_key?dl=1", "q1w2e3.zip"),
        ("https://www.dropbox.com/s/abc123/keynote.mp4?raw=1&utm_source=x",
         SourceKind.DROPBOX_FILE, f"{HOST}/s/abc123/keynote.mp4?utm_source=x&dl=1",
         "keynote.mp4"),
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
        ("https://www.dropbox.com/s/abc123", "not a Dropbox shared link"),
        ("https://www.dropbox.com/scl/fi/abc?rlkey=k", "not a Dropbox shared link"),
        ("https://www.dropbox.com/scl/fo?rlkey=k", "not a Dropbox shared link"),
        ("https://www.dropbox.com/", "not a Dropbox shared link"),
        ("https://www.dropbox.com/scl/fo/abc/Event", "no rlkey"),
        ("http://[::1/a.mp4", "malformed URL"),
        ("mailto:someone@example.com", "unsupported scheme 'mailto'"),
        ("javascript:alert(1)", "unsupported scheme 'javascript'"),
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
     "fc00::1", "0.0.0.0", "::ffff:127.0.0.1", "224.0.0.1", "100.64.0.1", "::",
     "ff02::1", "240.0.0.1", "255.255.255.255",
     # IPv6 forms that tunnel to an internal IPv4 address: 6to4, NAT64, Teredo.
     "2002:7f00:1::", "64:ff9b::a9fe:a9fe", "2001:0:4136:e378:8000:63bf:80ff:fffe"],
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


def test_vetted_addresses_refuse_if_any_answer_is_internal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"cdn.example": ["93.184.216.34", "2606:4700:4700::1111"],
               "split.example": ["93.184.216.34", "10.1.2.3"]}
    monkeypatch.setattr(netguard, "resolve_host", lambda host, port: answers[host])
    assert vetted_addresses("https://cdn.example/a.mp4", allow_private=False) == answers[
        "cdn.example"]
    # One internal answer is enough: the connection could land on it.
    with pytest.raises(UnsafeURLError, match=r"10\.1\.2\.3"):
        vetted_addresses("http://split.example/a.mp4", allow_private=False)
    assert vetted_addresses("http://split.example/a.mp4", allow_private=True) is None


def test_unresolvable_host_is_refused_clearly() -> None:
    with pytest.raises(UnsafeURLError, match="cannot resolve host"):
        check_url("http://no-such-host.invalid/a.mp4", allow_private=False)


def test_local_name_with_a_colon_is_a_path(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "take:1.mp4").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    spec = parse_source("take:1.mp4")
    assert spec.kind is SourceKind.LOCAL_FILE and spec.filename == "take:1.mp4"


_URLISH = st.one_of(
    st.text(max_size=60),
    st.builds(lambda scheme, rest: f"{scheme}://{rest}",
              st.sampled_from(["http", "https", "file", "ftp", "HTTP"]),
              st.text(alphabet=st.characters(codec="ascii"), max_size=60)),
    st.builds(lambda path, query: f"https://www.dropbox.com/{path}?{query}",
              st.text(alphabet="abcs/flo%20._-", max_size=30),
              st.text(alphabet="rlkey=&dl01st", max_size=20)),
)


@pytest.mark.parametrize("root", ["/", "/..", "/./"])
def test_the_file_system_root_is_refused(root: str) -> None:
    # Found by the property below: "/" parsed as a folder named "" (every file on the machine).
    with pytest.raises(UnsupportedSourceError, match="root of the file system"):
        parse_source(root, dropbox_content_host=HOST)


@settings(max_examples=300, deadline=None)
@given(_URLISH)
def test_any_text_is_a_source_or_a_clear_refusal(text: str) -> None:
    # Whatever a user pastes, the answer is a SourceSpec or UnsupportedSourceError, never a
    # stray ValueError from the URL parser.
    try:
        spec = parse_source(text, dropbox_content_host=HOST)
    except UnsupportedSourceError as exc:
        assert exc.message
    else:
        assert spec.location and spec.filename
