"""S3 delivery against a real S3-compatible HTTP server on loopback (moto's server, in a
thread): single and multipart uploads, idempotent redelivery, replacement, progress, and the
errors an operator has to act on."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("boto3", reason="the s3 extra (boto3) is not installed")

from editron.config import Settings
from editron.errors import (
    DeliveryError,
    InputError,
)
from editron.render.destinations import parse_destination
from editron.render.destinations.s3 import S3Bucket, parse_s3_target
from editron.services.sessions import network_destinations
from tests import s3_server

# The shared moto server (session-wide) and a fresh bucket per test; they skip without moto.
s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket

MIB = 1024 * 1024


def _file(path: Path, size: int, seed: int = 1) -> Path:
    block = bytes((seed * 131 + i * 7) % 251 for i in range(4096))
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


def test_deliver_once_then_skip_then_replace(s3_bucket: tuple[str, Any], s3_endpoint: str,
                                             tmp_path: Path) -> None:
    name, client = s3_bucket
    settings = Settings(s3_endpoint_url=s3_endpoint)
    dest = parse_destination(f"s3://{name}/Events/Gala 2026/", settings=settings)
    assert isinstance(dest, S3Bucket) and dest.describe() == f"s3://{name}/Events/Gala 2026"
    seen: list[tuple[int, int]] = []
    first = dest.deliver(_file(tmp_path / "recap.mp4", 300_000), "recap_16x9.mp4",
                         on_progress=lambda done, total: seen.append((done, total)))
    key = "Events/Gala 2026/recap_16x9.mp4"
    assert first.url == f"s3://{name}/{key}" and not first.skipped and first.bytes == 300_000
    assert seen and seen[-1] == (300_000, 300_000)
    body = client.get_object(Bucket=name, Key=key)["Body"].read()
    assert body == (tmp_path / "recap.mp4").read_bytes()
    again = dest.deliver(tmp_path / "recap.mp4", "recap_16x9.mp4")
    assert again.skipped and again.url == first.url
    listed = client.list_objects_v2(Bucket=name, Prefix="Events/")["Contents"]
    assert [o["Key"] for o in listed] == [key]  # delivering twice does not duplicate
    changed = _file(tmp_path / "recap.mp4", 200_000, seed=2)
    third = dest.deliver(changed, "recap_16x9.mp4")
    assert not third.skipped
    assert client.get_object(Bucket=name, Key=key)["Body"].read() == changed.read_bytes()


def test_large_files_go_up_in_parts(s3_bucket: tuple[str, Any], s3_endpoint: str,
                                    tmp_path: Path) -> None:
    name, client = s3_bucket
    dest = S3Bucket(name, "masters", endpoint_url=s3_endpoint, multipart_threshold=5 * MIB,
                    part_bytes=5 * MIB)
    big = _file(tmp_path / "master.mov", 12 * MIB + 17)
    sent: list[int] = []
    result = dest.deliver(big, "recap_16x9.mov", on_progress=lambda d, t: sent.append(d))
    assert not result.skipped and sent[-1] == big.stat().st_size
    head = client.head_object(Bucket=name, Key="masters/recap_16x9.mov")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: a multipart upload
    assert head["ContentLength"] == big.stat().st_size
    got = client.get_object(Bucket=name, Key="masters/recap_16x9.mov")["Body"].read()
    assert got == big.read_bytes()
    assert not client.list_multipart_uploads(Bucket=name).get("Uploads")
    assert dest.deliver(big, "recap_16x9.mov").skipped


def test_errors_say_what_to_do(s3_bucket: tuple[str, Any], s3_endpoint: str,
                               tmp_path: Path) -> None:
    clip = _file(tmp_path / "clip.mp4", 1000)
    missing = S3Bucket("no-such-bucket-here", endpoint_url=s3_endpoint)
    with pytest.raises(DeliveryError, match="bucket does not exist") as raised:
        missing.deliver(clip, "clip.mp4")
    assert not raised.value.transient and raised.value.path == str(clip)
    # A port bound but not listening: connections to it are refused, and while the socket is
    # held no other process can start listening there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        down = S3Bucket(s3_bucket[0], endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1,
                        timeout_seconds=2)
        with pytest.raises(DeliveryError, match="cannot reach the S3 endpoint") as raised:
            down.deliver(clip, "clip.mp4")
    assert raised.value.transient
    with pytest.raises(InputError, match="plain file name"):
        S3Bucket(s3_bucket[0], endpoint_url=s3_endpoint).deliver(clip, "../up.mp4")


def test_targets_are_checked() -> None:
    assert parse_s3_target("s3://my-bucket") == ("my-bucket", "")
    assert parse_s3_target("s3://my.bucket//a/b/") == ("my.bucket", "a/b")
    for bad in ("s3:/bucket/x", "s3://B/x", "s3://ab", "s3://bucket/a/../b"):
        with pytest.raises(InputError):
            parse_s3_target(bad)
    settings = Settings()
    assert network_destinations(["s3://bucket/Events"], settings=settings) == [
        "s3://bucket/Events"]
    with pytest.raises(InputError, match="s3://bucket/folder"):
        network_destinations(["s3:bucket"], settings=settings)


def test_no_credentials_is_refused_before_any_render(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(InputError, match="no S3 credentials; set AWS_ACCESS_KEY_ID"):
        parse_destination("s3://bucket/x", settings=Settings())
    # Credentials lost after the job was accepted: a failure that retrying will not fix.
    clip = _file(tmp_path / "clip.mp4", 1000)
    with pytest.raises(DeliveryError, match="no S3 credentials") as raised:
        S3Bucket("bucket", endpoint_url="http://127.0.0.1:9").deliver(clip, "clip.mp4")
    assert not raised.value.transient
