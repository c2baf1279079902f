"""Delivery into an S3-compatible bucket (AWS S3, MinIO, Ceph, Cloudflare R2, ...):
``s3://bucket/prefix``. The optional extra ``editron[s3]`` installs boto3.

Settings: ``EDITRON_S3_ENDPOINT_URL`` for anything but AWS itself (``http://minio:9000``),
``EDITRON_S3_REGION``; credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile, an instance role) and never appear in messages.

Atomic: S3 shows an object only once its PUT, or its multipart upload, has completed, so a
reader never sees half a file, and an older delivery stays whole until the new one replaces
it. Files of ``s3_multipart_threshold_bytes`` or more go up in parts, several at once; a
multipart upload that fails is aborted, so no orphaned parts are left to pay for.

Idempotent: each object carries the SHA-256 of its bytes as metadata (``x-amz-meta-sha256``).
Delivering the same bytes under the same name again finds it with one HEAD request and
uploads nothing (``skipped``); different bytes replace the object whole. After an upload the
object's size and recorded digest are read back and compared with the local file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import boto3
    from boto3.exceptions import S3UploadFailedError
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )
except ImportError as _missing:  # the registry lists s3 as unavailable with this reason
    raise ImportError(f"{_missing}; install it with pip install 'editron[s3]'") from _missing

from editron.errors import DeliveryError, InputError
from editron.ingest.fingerprint import sha256_file
from editron.render.destinations.base import (
    DeliveryResult,
    Destination,
    ProgressCallback,
    check_file_name,
    check_source,
    register,
)

if TYPE_CHECKING:
    from editron.config import Settings

__all__ = ["S3Bucket", "parse_s3_target"]

log = logging.getLogger(__name__)
DIGEST_KEY = "sha256"  # stored as x-amz-meta-sha256
# The bucket naming rules of S3 (3-63 characters, lower case, digits, dots and hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# Errors that will not go away by trying again later: someone has to change something.
_PERMANENT = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket",
              "AllAccessDisabled", "InvalidBucketName", "AccountProblem", "403", "404"}


def parse_s3_target(target: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")`` (prefix may be empty)."""
    text = target.strip()
    if not text.lower().startswith("s3://"):
        raise InputError(f"destination {target!r}: write an S3 destination as "
                         "s3://bucket/folder")
    bucket, _, prefix = text[5:].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InputError(f"destination {target!r}: {bucket!r} is not a valid bucket name "
                         "(3-63 lower-case letters, digits, dots and hyphens)")
    parts = [p for p in prefix.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise InputError(f"destination {target!r}: the folder may not contain . or ..")
    return bucket, "/".join(parts)


def _code(exc: ClientError) -> str:
    error: dict[str, Any] = exc.response.get("Error", {})
    return str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get(
        "HTTPStatusCode", "unknown"))


@register
class S3Bucket(Destination):
    """A folder (key prefix) in one S3-compatible bucket; ``deliver`` returns ``s3://...``."""

    NAME = "s3"
    HELP = "s3://bucket/folder (the server's AWS credentials)"

    @classmethod
    def for_network(cls, target: str, *, settings: Settings) -> str:
        parse_s3_target(target)  # bucket and folder are written as they must be
        return target.strip()

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, multipart_threshold: int = 64 * 1024 * 1024,
                 part_bytes: int = 16 * 1024 * 1024, max_attempts: int = 6,
                 timeout_seconds: float = 60.0, client: Any | None = None) -> None:
        if part_bytes < 5 * 1024 * 1024:
            raise InputError(f"S3 part size {part_bytes} is below S3's 5 MiB minimum")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.transfer = TransferConfig(multipart_threshold=max(multipart_threshold, part_bytes),
                                       multipart_chunksize=part_bytes, max_concurrency=4)
        # A session of its own: boto3's module-wide default one caches credentials and is not
        # meant to be shared between threads (workers deliver from several).
        self.client = client if client is not None else boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            config=Config(retries={"max_attempts": max_attempts, "mode": "standard"},
                          connect_timeout=timeout_seconds, read_timeout=timeout_seconds))

    @classmethod
    def from_target(cls, target: str, *, settings: Settings) -> S3Bucket:
        bucket, prefix = parse_s3_target(target)
        # Refuse now, not after the render: a job cannot find credentials by trying again.
        if boto3.session.Session().get_credentials() is None:
            raise InputError(f"destination {target!r}: no S3 credentials; set "
                             "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) "
                             "for the Editron server and its workers")
        return cls(bucket, prefix, endpoint_url=settings.s3_endpoint_url,
                   region=settings.s3_region,
                   multipart_threshold=settings.s3_multipart_threshold_bytes,
                   part_bytes=settings.s3_part_bytes,
                   max_attempts=settings.download_max_attempts,
                   timeout_seconds=settings.download_timeout_seconds)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def deliver(self, path: Path, name: str, *,
                on_progress: ProgressCallback | None = None) -> DeliveryResult:
        check_file_name(name, destination=self.describe())
        size = check_source(path, destination=self.describe())
        key = f"{self.prefix}/{name}" if self.prefix else name
        url = f"s3://{self.bucket}/{key}"
        digest = sha256_file(path)
        if self._stored(path, key) == (size, digest):
            log.info("%s already holds the same %s; not uploading it again", url, name)
            if on_progress is not None:
                on_progress(size, size)
            return DeliveryResult(url=url, skipped=True, bytes=size)
        sent = [0]

        def progress(chunk: int) -> None:
            sent[0] += chunk
            if on_progress is not None:
                on_progress(min(sent[0], size), size)

        self._guard(path, url, lambda: self.client.upload_file(
            str(path), self.bucket, key, Config=self.transfer, Callback=progress,
            ExtraArgs={"Metadata": {DIGEST_KEY: digest}}))
        stored = self._stored(path, key)
        if stored != (size, digest):
            raise DeliveryError(f"{path.name}: {url} holds {stored[0] if stored else 'nothing'} "
                                f"bytes after the upload, expected {size} with SHA-256 "
                                f"{digest}; was the file changed while uploading? Deliver it "
                                "again", path=str(path), transient=True)
        log.info("delivered %s to %s (%d bytes)", path.name, url, size)
        return DeliveryResult(url=url, skipped=False, bytes=size)

    def _stored(self, path: Path, key: str) -> tuple[int, str] | None:
        """(size, recorded SHA-256) of the object at ``key``; None when there is none."""
        try:
            head = self._guard(path, f"s3://{self.bucket}/{key}",
                               lambda: self.client.head_object(Bucket=self.bucket, Key=key),
                               missing_ok=True)
        except _Missing:
            return None
        metadata = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
        return int(head.get("ContentLength", -1)), str(metadata.get(DIGEST_KEY, ""))

    def _guard(self, path: Path, url: str, call: Any, *, missing_ok: bool = False) -> Any:
        """Run ``call``, turning boto3's errors into a DeliveryError that says what to do."""
        try:
            return call()
        except ClientError as exc:
            code = _code(exc)
            if missing_ok and code in ("404", "NoSuchKey", "NotFound"):
                raise _Missing from None
            raise _refused(path, url, code) from None
        except S3UploadFailedError as exc:  # the transfer manager re-raises a ClientError so
            cause = exc.__context__
            raise _refused(path, url, _code(cause) if isinstance(cause, ClientError)
                           else str(exc)) from None
        except EndpointConnectionError as exc:
            raise DeliveryError(f"{path.name}: cannot reach the S3 endpoint for {url} "
                                f"({exc}); check EDITRON_S3_ENDPOINT_URL and the network",
                                path=str(path), transient=True) from None
        except NoCredentialsError:
            raise DeliveryError(f"{path.name}: delivering to {url} failed: no S3 credentials; "
                                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                                path=str(path), transient=False) from None
        except (BotoCoreError, OSError) as exc:  # connection reset, timeouts, a full disk
            raise DeliveryError(f"{path.name}: delivering to {url} failed: {exc}",
                                path=str(path), transient=True) from None


def _refused(path: Path, url: str, code: str) -> DeliveryError:
    """What S3 answered ``code`` means for the person delivering, and whether to retry."""
    if code in ("NoSuchBucket", "404"):
        hint = "the bucket does not exist; create it or check the name"
    elif code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        hint = ("access refused; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the "
                "bucket's policy")
    else:
        hint = f"S3 answered {code}"
    return DeliveryError(f"{path.name}: delivering to {url} failed: {hint}", path=str(path),
                         transient=code not in _PERMANENT)


class _Missing(Exception):
    """No object at the key (HEAD answered 404)."""
