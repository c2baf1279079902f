"""An S3-compatible HTTP server on loopback for tests (moto's, in a thread, on a free port),
and a fresh bucket per test with throwaway credentials in the environment.

Use by assignment in a test module (``s3_endpoint = s3_server.s3_endpoint``) so test
parameters may reuse the names."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture()
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch,
              request: pytest.FixtureRequest) -> tuple[str, Any]:
    """A new bucket named after the test, and a boto3 client to look inside it."""
    boto3 = pytest.importorskip("boto3", reason="the s3 extra (boto3) is not installed")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "editron-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "editron-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    name = "media-" + request.node.name.replace("_", "-")[:40].lower().strip("-[]")
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name).strip("-")
    client.create_bucket(Bucket=name)
    return name, client


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
