"""Destinations without a network: content_hash, parsing, and the local folder's replace rules."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from pathlib import Path

import pytest

from editron.config import Settings
from editron.dropbox.content_hash import (
    CONTENT_HASH_BLOCK_BYTES,
    DropboxContentHasher,
    content_hash,
)
from editron.errors import DeliveryError, EditronError, InputError
from editron.render.destinations import (
    DESTINATIONS,
    UNAVAILABLE,
    parse_destination,
)
from editron.render.destinations.dropbox import (
    DEFAULT_API_HOST,
    DEFAULT_CONTENT_HOST,
    DropboxFolder,
)
from editron.render.destinations.local import LocalFolder, same_bytes

BLOCK = CONTENT_HASH_BLOCK_BYTES


def _reference_hash(data: bytes) -> str:
    digests = b"".join(hashlib.sha256(data[i:i + BLOCK]).digest()
                       for i in range(0, len(data), BLOCK))
    return hashlib.sha256(digests).hexdigest()


# content_hash


def test_documented_example_combines_block_digests_as_dropbox_does() -> None:
    # Dropbox's reference file milky-way-nasa.jpg (9,711,423 bytes): the per-block SHA-256
    # digests its reference hasher prints, and the content_hash the API reports. The image is
    # not in the repository, so this checks the combining step the hasher implements.
    blocks = ["2a846fa617c3361fc117e1c5c1e1838c336b6a5cef982c1a2d9bdf68f2f1992a",
              "c68469027410ea393eba6551b9fa1e26db775f00eae70a0c3c129a0011a39cf9",
              "7376192de020925ce6c5ef5a8a0405e931b0a9a8c75517aacd9ca24a8a56818b"]
    combined = hashlib.sha256(b"".join(bytes.fromhex(b) for b in blocks)).hexdigest()
    assert combined == "485291fa0ee50c016982abbfa943957bcd231aae0492ccbaa22c58e3997b35e0"
    assert 2 * BLOCK + 1_322_815 == 9_711_423 and BLOCK == 4_194_304


def test_empty_content_hashes_no_blocks() -> None:
    assert DropboxContentHasher().hexdigest() == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("size", [1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 12_345])
@pytest.mark.parametrize("step", [1_000_003, BLOCK, 3 * BLOCK])
def test_hasher_matches_reference_at_block_edges_for_any_chunking(size: int, step: int) -> None:
    data = random.Random(1).randbytes(size)
    hasher = DropboxContentHasher()
    for start in range(0, size, step):
        hasher.update(data[start:start + step])
    assert hasher.hexdigest() == _reference_hash(data)


def test_hexdigest_can_be_read_midway_and_hashing_goes_on() -> None:
    data = random.Random(2).randbytes(BLOCK + 10)
    hasher = DropboxContentHasher()
    hasher.update(data[:5])
    assert hasher.hexdigest() == _reference_hash(data[:5])
    hasher.update(data[5:])
    assert hasher.hexdigest() == _reference_hash(data)


def test_content_hash_of_a_file(tmp_path: Path) -> None:
    data = random.Random(3).randbytes(BLOCK + 777)
    (tmp_path / "cut.mp4").write_bytes(data)
    assert content_hash(tmp_path / "cut.mp4") == _reference_hash(data)


# parse_destination


def test_builtins_are_registered() -> None:
    assert {"file", "dropbox", "s3"} <= set(DESTINATIONS)  # the dev extras include boto3
    assert "s3" not in UNAVAILABLE
    assert issubclass(DeliveryError, EditronError)


def test_s3_without_boto3_is_listed_unavailable_with_the_extra_to_install() -> None:
    script = ("import sys; sys.modules['boto3'] = None\n"
              "from editron.config import Settings\n"
              "from editron.render.destinations import UNAVAILABLE, parse_destination\n"
              "print(UNAVAILABLE['s3'])\n"
              "try:\n    parse_destination('s3://bucket/x', settings=Settings())\n"
              "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "editron[s3]" in out and "InputError" in out and "unavailable" in out


def test_plain_path_is_a_local_folder(tmp_path: Path, settings: Settings,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    dest = parse_destination("renders/final", settings=settings)
    assert isinstance(dest, LocalFolder)
    assert dest.folder == tmp_path / "renders" / "final"
    assert dest.folder.is_absolute()


def test_file_url_is_a_local_folder(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "Gala Night"
    dest = parse_destination(folder.as_uri(), settings=settings)
    assert isinstance(dest, LocalFolder) and dest.folder == folder
    dest = parse_destination(f"file://localhost{folder}", settings=settings)
    assert isinstance(dest, LocalFolder) and dest.folder == folder


def test_windows_drive_is_a_path_not_a_scheme(settings: Settings) -> None:
    assert isinstance(parse_destination("C:\\renders", settings=settings), LocalFolder)


@pytest.mark.parametrize(("text", "words"), [
    ("", "no destination"),
    ("   ", "no destination"),
    ("file://nas/share", "another host"),
    ("file:renders", "absolute"),
    ("ftp://example.com/x", "unknown scheme 'ftp'"),
    ("s3://Bucket/prefix", "not a valid bucket name"),
    ("dropbox://Events", "one slash"),
    ("dropbox:Events", "must start with '/'"),
    ("dropbox:/Events/../x", "'..' is not a usable folder name"),
    ("dropbox:/Events//x", "not a usable folder name"),
])
def test_bad_destinations_say_what_to_write(text: str, words: str, settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_DROPBOX_TOKEN", "t")
    with pytest.raises(InputError, match=r"destination") as caught:
        parse_destination(text, settings=settings)
    assert words in str(caught.value)


def test_a_file_is_not_a_destination_folder(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "taken").write_bytes(b"x")
    with pytest.raises(InputError, match="is not a folder"):
        parse_destination(str(tmp_path / "taken"), settings=settings)


def test_dropbox_destination_reads_token_and_hosts_from_env(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_DROPBOX_TOKEN", "sl.secret")
    monkeypatch.delenv("EDITRON_DROPBOX_API_HOST", raising=False)
    monkeypatch.delenv("EDITRON_DROPBOX_CONTENT_HOST_UPLOAD", raising=False)
    dest = parse_destination("dropbox:/Events/Gala 2026/", settings=settings)
    assert isinstance(dest, DropboxFolder)
    assert dest.folder == "/Events/Gala 2026"
    assert dest.describe() == "dropbox:/Events/Gala 2026"
    assert (dest.token, dest.api_host, dest.content_host) == (
        "sl.secret", DEFAULT_API_HOST, DEFAULT_CONTENT_HOST)
    assert dest.max_attempts == settings.download_max_attempts
    # one request up to the API's 150 MB limit; larger files go through an upload session
    assert dest.single_upload_limit == 150 * 1024 * 1024
    root = parse_destination("dropbox:", settings=settings)
    assert isinstance(root, DropboxFolder) and root.describe() == "dropbox:/"
    monkeypatch.setenv("EDITRON_DROPBOX_API_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("EDITRON_DROPBOX_CONTENT_HOST_UPLOAD", "http://127.0.0.1:10")
    local = DropboxFolder.from_env("/x")
    assert (local.api_host, local.content_host) == ("http://127.0.0.1:9", "http://127.0.0.1:10")


def test_dropbox_without_token_says_which_variable(settings: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDITRON_DROPBOX_TOKEN", raising=False)
    with pytest.raises(InputError, match="EDITRON_DROPBOX_TOKEN"):
        parse_destination("dropbox:/Events", settings=settings)


@pytest.mark.parametrize("options", [{"api_host": "ftp://x"}, {"content_host": "nohost"},
                                     {"chunk_bytes": 0}, {"chunk_bytes": 151 * 1024 * 1024},
                                     {"single_upload_limit": 200 * 1024 * 1024}])
def test_dropbox_options_are_checked(options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        DropboxFolder("/x", token="t", **options)  # type: ignore[arg-type]


# The local folder's rules


def test_deliver_names_must_be_plain_file_names(tmp_path: Path) -> None:
    source = tmp_path / "cut.mp4"
    source.write_bytes(b"video")
    dest = LocalFolder(tmp_path / "out")
    for bad in ("", ".", "..", "a/b.mp4", "..\\b.mp4", "x\x00.mp4"):
        with pytest.raises(InputError, match="plain file name"):
            dest.deliver(source, bad)


def test_missing_source_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a file"):
        LocalFolder(tmp_path / "out").deliver(tmp_path / "nope.mp4", "nope.mp4")


def test_same_bytes_compares_content_not_just_size(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    a.write_bytes(b"x" * 1000)
    b.write_bytes(b"x" * 1000)
    c.write_bytes(b"x" * 999 + b"y")
    assert same_bytes(a, b, chunk_bytes=64)
    assert not same_bytes(a, c, chunk_bytes=64)
    assert not same_bytes(a, tmp_path / "missing")


def test_deliver_copies_then_skips_identical_bytes(tmp_path: Path) -> None:
    source = tmp_path / "cut.mp4"
    source.write_bytes(random.Random(4).randbytes(100_000))
    dest = LocalFolder(tmp_path / "out" / "nested", chunk_bytes=4096)
    seen: list[tuple[int, int]] = []
    first = dest.deliver(source, "Gala recap.mp4", on_progress=lambda d, t: seen.append((d, t)))
    target = tmp_path / "out" / "nested" / "Gala recap.mp4"
    assert first.url == target.as_uri() and first.url.startswith("file:///")
    assert (first.skipped, first.bytes) == (False, 100_000)
    assert target.read_bytes() == source.read_bytes()
    assert seen[-1] == (100_000, 100_000) and len(seen) == 25
    inode = target.stat().st_ino
    second = dest.deliver(source, "Gala recap.mp4")
    assert (second.skipped, second.bytes, second.url) == (True, 100_000, first.url)
    assert target.stat().st_ino == inode  # not rewritten
    assert sorted(p.name for p in target.parent.iterdir()) == ["Gala recap.mp4"]


@pytest.mark.parametrize("new", [b"B" * 5000, b"B" * 4999 + b"A", b"short"])
def test_different_bytes_replace_the_old_file_whole(tmp_path: Path, new: bytes) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "recap.mp4").write_bytes(b"A" * 5000)
    source = tmp_path / "cut.mp4"
    source.write_bytes(new)
    result = LocalFolder(folder, chunk_bytes=1024).deliver(source, "recap.mp4")
    assert not result.skipped
    assert (folder / "recap.mp4").read_bytes() == new
    assert [p.name for p in folder.iterdir()] == ["recap.mp4"]


def test_a_failed_copy_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "recap.mp4").write_bytes(b"old version")
    source = tmp_path / "cut.mp4"
    source.write_bytes(random.Random(5).randbytes(50_000))

    def fail_midway(done: int, total: int) -> None:
        if done >= 8192:
            raise OSError(28, "No space left on device")

    with pytest.raises(DeliveryError, match="No space left") as caught:
        LocalFolder(folder, chunk_bytes=4096).deliver(source, "recap.mp4",
                                                      on_progress=fail_midway)
    assert "cut.mp4" in str(caught.value)
    assert (folder / "recap.mp4").read_bytes() == b"old version"
    assert [p.name for p in folder.iterdir()] == ["recap.mp4"]


def test_a_folder_in_the_way_is_a_delivery_error(tmp_path: Path) -> None:
    (tmp_path / "out" / "recap.mp4").mkdir(parents=True)
    source = tmp_path / "cut.mp4"
    source.write_bytes(b"x")
    with pytest.raises(DeliveryError, match="folder with that name"):
        LocalFolder(tmp_path / "out").deliver(source, "recap.mp4")
