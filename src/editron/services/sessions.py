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

from editron.config import Settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.edit.exporters import PathMode, get_exporter
from editron.render.destinations import destination_class
from editron.services.edit import EditSessionPublic, export_session

__all__ = [
    "ZIP_MEDIA_TYPE",
    "SessionDownload",
    "deliveries_dir",
    "export_session_download",
    "list_edit_sessions_public",
    "network_destinations",
]

ZIP_MEDIA_TYPE = "application/zip"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def list_edit_sessions_public(batch_id: str | None, *, limit: int = 50, offset: int = 0,
                              settings: Settings | None = None) -> list[EditSessionPublic]:
    """The batch's edit sessions (every batch's with ``None``), newest first; NotFoundError
    for an unknown batch."""
    settings = ready(settings)
    with db(settings) as session:
        if batch_id is not None:
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
    exporter = get_exporter(fmt)
    key = exporter.NAME
    with db(settings) as session:
        batch_id = repos.edit_sessions.get_edit_session(session, session_id).batch_id
    edits = settings.batch_dir(batch_id) / "edits"
    edits.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".download-", dir=edits))
    try:
        files = export_session(session_id=session_id, fmt=key, out=work, ratio=ratio,
                               variant=variant, path_mode=path_mode, settings=settings)
        if len(files) == 1:
            return SessionDownload(files[0].name, exporter.MEDIA_TYPE, files[0].read_bytes())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.name)
        return SessionDownload(f"{session_id}_{key}.zip", ZIP_MEDIA_TYPE, buffer.getvalue())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def deliveries_dir(settings: Settings) -> Path:
    return settings.home_dir / "deliveries"


def network_destinations(destinations: Sequence[str] | None, *, settings: Settings
                         ) -> list[str] | None:
    """The destinations a remote caller asked for, each checked by its destination's own
    network rule (a local folder must lie under ``<home>/deliveries``); ``None`` (the service
    default) when none were given."""
    items = [d.strip() for d in destinations or [] if d.strip()]
    if not items:
        return None
    return [destination_class(text).for_network(text, settings=settings) for text in items]
