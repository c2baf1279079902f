"""Where a file's bytes are: the media store (a shared folder, or S3 through this worker's
cache), or (cold tier) fetched from the source on demand."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db
from editron.errors import MediaError
from editron.ingest.download import download_to
from editron.store import local_or_none, publish

__all__ = ["local_media_path"]


def local_media_path(file_id: str, *, settings: Settings) -> Path:
    """A readable local path for the file, fetching a cold original back if needed."""
    with db(settings) as session:
        row = repos.files.get_file(session, file_id)
        storage, source, status = row.storage_path, row.fetch_url, row.status
        batch_id, relative, checksum = row.batch_id, row.relative_path, row.checksum_sha256
    found = local_or_none(settings, storage)  # through the media store; may raise unavailable
    if found is not None:
        return found
    if status != "remote" or not source:
        raise MediaError("the original is missing from storage and has no source to fetch "
                         "it from", path=relative)
    parts = urlsplit(source)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        if not path.exists():
            raise MediaError(f"the cold original is gone from its source {path}", path=relative)
        return path
    target = settings.batch_dir(batch_id) / "originals" / relative
    staged = download_to(source, target, settings=settings, checksum=checksum is not None)
    if checksum is not None and staged.checksum_sha256 != checksum:
        target.unlink(missing_ok=True)
        raise MediaError("the source changed since ingest (SHA-256 differs); ingest it again",
                         path=relative)
    with db(settings) as session:
        repos.files.update_file(session, repos.files.get_file(session, file_id),
                                storage_path=publish(settings, target))
    return target
