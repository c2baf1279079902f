"""The object-store backend: ``s3://bucket/prefix`` on AWS S3 or anything that speaks it
(MinIO, Ceph, R2...), with a bounded local cache per worker (:mod:`editron.store.cache`).

Settings: ``EDITRON_S3_ENDPOINT_URL`` (anything but AWS itself), ``EDITRON_S3_REGION``;
credentials from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a
profile, an instance role), never in a message. An upload is visible only once complete
(S3's own guarantee, multipart included), so a reader never sees half an object; a download
lands in the cache under a temporary name and is renamed when whole, and one the cache's
disk cannot hold is refused before it starts (``MediaCache.make_room``: OSError ENOSPC, which
jobs count as transient).

A connection that fails, times out or is answered with a 5xx or throttling is tried again
``EDITRON_MEDIA_STORE_ATTEMPTS`` times with backoff, then StoreUnavailableError (the job is
handed back to the queue); a 404 is StoreMissingError at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

try:
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
except ImportError as _missing:  # media_store() turns this into a ConfigError
    raise ImportError(f"{_missing}; install it with pip install 'editron[s3]'") from _missing

from editron.errors import ConfigError, StoreMissingError
from editron.store.base import with_retries
from editron.store.cache import MediaCache
from editron.store.keys import check_key, join_key

__all__ = ["S3Store"]

T = TypeVar("T")
_MISSING = {"404", "NoSuchKey", "NotFound"}
_BUSY = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
         "ServiceUnavailable", "RequestTimeTooSkewed"}


def _code(exc: ClientError) -> str:
    error: dict[str, Any] = exc.response.get("Error", {})
    return str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get(
        "HTTPStatusCode", "unknown"))


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, NoCredentialsError):
        return False
    if isinstance(exc, ClientError):
        code = _code(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return code in _BUSY or status >= 500
    return isinstance(exc, (BotoCoreError, ConnectionError, TimeoutError))


class S3Store:
    """Keys as objects under ``prefix`` in one bucket; reads through a local cache."""

    def __init__(self, bucket: str, prefix: str, *, cache: MediaCache,
                 endpoint_url: str | None = None, region: str | None = None,
                 attempts: int = 3, backoff_seconds: float = 0.5,
                 timeout_seconds: float = 60.0, part_bytes: int = 16 * 1024 * 1024,
                 client: Any | None = None) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.cache = cache
        self.attempts, self.backoff = attempts, backoff_seconds
        self.transfer = TransferConfig(multipart_threshold=4 * part_bytes,
                                       multipart_chunksize=part_bytes, max_concurrency=4)
        # Retries are ours (with_retries), so botocore tries once; a session of its own
        # because boto3's default one is not meant to be shared between threads.
        self.client = client if client is not None else boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": 1, "mode": "standard"},
                          connect_timeout=min(10.0, timeout_seconds),
                          read_timeout=timeout_seconds))

    def _object(self, key: str) -> str:
        check_key(key)
        return join_key(self.prefix, key) if self.prefix else key

    def _retry(self, what: str, call: Callable[[], T], key: str) -> T:
        def guarded() -> T:
            try:
                return call()
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    raise StoreMissingError(key, self.url) from None
                raise
            except NoCredentialsError:
                raise ConfigError(f"the media store {self.url} needs S3 credentials; set "
                                  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or "
                                  "AWS_PROFILE) on every host") from None

        return with_retries(what, guarded, retryable=_retryable, attempts=self.attempts,
                            backoff_seconds=self.backoff, url=self.url)

    def put_file(self, key: str, local: Path) -> None:
        name = self._object(key)
        self._retry(f"uploading {key}", lambda: self.client.upload_file(
            str(local), self.bucket, name, Config=self.transfer), key)
        self.cache.adopt(key, local)

    def _download(self, key: str) -> Path:
        found = self.cache.lookup(key)
        if found is not None:
            return found
        name = self._object(key)

        def write(temp: Path) -> None:
            self._retry(f"downloading {key}", lambda: self.client.download_file(
                self.bucket, name, str(temp), Config=self.transfer), key)

        # The size first, so a download the cache's disk cannot hold is refused unwritten.
        return self.cache.fill(key, write, size=self.size(key))

    def local_path(self, key: str) -> Path:
        return self._download(key)

    def hold(self, key: str) -> AbstractContextManager[Path]:
        return self.cache.hold(key, lambda: self._download(key))

    def _head(self, key: str) -> dict[str, Any]:
        name = self._object(key)
        head: dict[str, Any] = self._retry(f"looking for {key}", lambda: self.client.head_object(
            Bucket=self.bucket, Key=name), key)
        return head

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except StoreMissingError:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def open(self, key: str) -> BinaryIO:
        return self.local_path(key).open("rb")

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._object(prefix) + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        pages = self._retry(f"listing {prefix}", lambda: list(
            self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=base)), prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"])[strip:]

    def delete(self, key: str) -> None:
        name = self._object(key)
        self._retry(f"deleting {key}", lambda: self.client.delete_object(
            Bucket=self.bucket, Key=name), key)
        self.cache.forget(key)

    def delete_prefix(self, prefix: str) -> int:
        found = sorted(self.keys(prefix))
        for start in range(0, len(found), 1000):  # S3 deletes at most 1,000 per request
            chunk = [{"Key": self._object(k)} for k in found[start:start + 1000]]
            self._retry(f"deleting under {prefix}", partial(
                self.client.delete_objects, Bucket=self.bucket,
                Delete={"Objects": chunk, "Quiet": True}), prefix)
        for key in found:
            self.cache.forget(key)
        return len(found)
