"""Edit sessions as the network sees them: a batch's sessions page by page, one export as a
download, and the rule for where a caller over HTTP or MCP may have renders delivered.

Over the network a destination may not name an arbitrary folder on the server: only
``dropbox:/...``, ``s3://bucket/...`` or a folder under ``<home>/deliveries`` (a bare name
such as ``gala-2026`` means ``<home>/deliveries/gala-2026``).
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.edit.exporters import PathMode
from editron.errors import InputError
from editron.services.edit import EXPORT_EXTENSIONS, EditSessionPublic, export_session

__all__ = [
    "EXPORT_MEDIA_TYPES",
    "SessionDownload",
    "deliveries_dir",
    "export_session_download",
    "list_edit_sessions_public",
    "network_destinations",
]

EXPORT_MEDIA_TYPES = {"otio": "application/json", "fcpxml": "application/xml",
                      "xmeml": "application/xml", "edl": "text/plain",
                      "srt": "application/x-subrip", "vtt": "text/vtt", "ass": "text/plain",
                      "zip": "application/zip"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def list_edit_sessions_public(batch_id: str, *, limit: int = 50, offset: int = 0,
                              settings: Settings | None = None) -> list[EditSessionPublic]:
    """The batch's edit sessions, newest first; NotFoundError for an unknown batch."""
    settings = ready(settings)
    with db(settings) as session:
        repos.batches.get_batch(session, batch_id)
        return [EditSessionPublic.of(row) for row in
                repos.edit_sessions.list_edit_sessions(session, batch_id=batch_id, limit=limit,
                                                       offset=offset)]


@dataclass(frozen=True, slots=True)
class SessionDownload:
    filename: str
    media_type: str
    content: bytes


def export_session_download(*, session_id: str, fmt: str, ratio: str | None = None,
                            variant: int | None = None, path_mode: PathMode = "absolute",
                            settings: Settings | None = None) -> SessionDownload:
    """One export of the session as bytes: the file when one timeline is chosen, else a zip
    of one file per timeline. It is written beside the session's own folder, so relative media
    paths are what they would be in the session's export folder (``exports.folder``)."""
    settings = ready(settings)
    key = fmt.strip().lower()
    if key not in EXPORT_EXTENSIONS:
        raise InputError(f"unknown export format {fmt!r}; use "
                         f"{', '.join(sorted(EXPORT_EXTENSIONS))}")
    with db(settings) as session:
        batch_id = repos.edit_sessions.get_edit_session(session, session_id).batch_id
    edits = settings.batch_dir(batch_id) / "edits"
    edits.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".download-", dir=edits))
    try:
        files = export_session(session_id=session_id, fmt=key, out=work, ratio=ratio,
                               variant=variant, path_mode=path_mode, settings=settings)
        if len(files) == 1:
            return SessionDownload(files[0].name, EXPORT_MEDIA_TYPES[key], files[0].read_bytes())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.name)
        return SessionDownload(f"{session_id}_{key}.zip", EXPORT_MEDIA_TYPES["zip"],
                               buffer.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def deliveries_dir(settings: Settings) -> Path:
    return settings.home_dir / "deliveries"


def network_destinations(destinations: Sequence[str] | None, *, settings: Settings
                         ) -> list[str] | None:
    """The destinations a remote caller asked for, each checked against the network rule and
    local folders made absolute; ``None`` (the service default) when none were given."""
    items = [d.strip() for d in destinations or [] if d.strip()]
    if not items:
        return None
    root = deliveries_dir(settings).resolve()
    checked: list[str] = []
    for text in items:
        match = _SCHEME.match(text)
        scheme = match.group(1).lower() if match else None
        if scheme == "dropbox":
            if not text[len("dropbox:"):].startswith("/"):
                raise InputError(f"destination {text!r}: write a Dropbox folder as "
                                 "dropbox:/Folder/Sub")
            checked.append(text)
            continue
        if scheme == "s3":  # a bucket the server's own credentials reach, like Dropbox
            if not text.lower().startswith("s3://"):
                raise InputError(f"destination {text!r}: write an S3 folder as "
                                 "s3://bucket/folder")
            checked.append(text)
            continue
        if scheme == "file":
            parts = urlsplit(text)
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                raise InputError(f"destination {text!r}: write a file URL as "
                                 f"file://{root}/<folder>")
            folder = Path(unquote(parts.path))
        elif scheme is not None:
            raise InputError(f"destination {text!r}: over the network only dropbox:/..., "
                             f"s3://... or a folder under {root} is accepted")
        else:
            folder = Path(text).expanduser()
            if not folder.is_absolute():
                folder = root / folder
        try:
            resolved = folder.resolve()
        except (OSError, ValueError) as exc:
            raise InputError(f"destination {text!r}: not a usable folder path ({exc})") from exc
        if resolved != root and root not in resolved.parents:
            raise InputError(f"destination {text!r}: over the network renders may only be "
                             f"delivered to dropbox:/... or to a folder under {root} (for "
                             f"example {root / 'gala-2026'} or just 'gala-2026'), so a request "
                             "cannot write elsewhere on the server's disk")
        checked.append(str(resolved))
    return checked
