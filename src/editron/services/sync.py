"""Where each file of a batch sits on the event clock: read it, or place files by hand.

The analysis syncs a batch by sound (``analysis.sync``) and stores the result in its document;
``set_sync_offsets`` lays placements made by hand over the latest complete analysis (method
``manual``), and ``analyze_media_batch`` carries them into every later analysis, so a
re-analysis never loses them. The edit reads the stored sync, so the next edit follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from editron.config import Settings
from editron.db import repos
from editron.db.repos.events import append_event
from editron.db.runtime import db, ready
from editron.domain.sync import SyncResult, with_manual_offsets
from editron.errors import InputError, InvalidStateError
from editron.logs import bind
from editron.services.analyze import sync_rows
from editron.services.requests import SyncRequest

__all__ = ["batch_sync", "set_sync_offsets"]


def _file_id(text: str, files: Sequence[tuple[str, str]]) -> str:
    """The batch file named by ``text``: its id, a unique prefix of it, or its file name."""
    exact = [fid for fid, name in files if text in (fid, name)]
    if len(exact) == 1:
        return exact[0]
    prefixed = [fid for fid, _ in files if fid.startswith(text)]
    if len(prefixed) == 1:
        return prefixed[0]
    listing = ", ".join(f"{fid[:8]} ({name})" for fid, name in files)
    what = "names more than one" if len(prefixed) > 1 else "names no"
    raise InputError(f"{text!r} {what} file of this batch; files: {listing}")


def batch_sync(batch_id: str, *, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The public sync rows of the batch's latest complete analysis."""
    settings = ready(settings)
    with db(settings) as session:
        repos.batches.get_batch(session, batch_id)
        row = repos.analyses.latest_analysis(session, batch_id, status="complete")
        if row is None:
            raise InvalidStateError(f"batch {batch_id} has no complete analysis; run "
                                    f"`editron analyze {batch_id}` first")
        return sync_rows(row.sync)


def set_sync_offsets(batch_id: str, request: SyncRequest | Mapping[str, float], *,
                     settings: Settings | None = None) -> list[dict[str, Any]]:
    """Place each file of ``request.offsets`` at that event offset by hand; the sync rows."""
    req = request if isinstance(request, SyncRequest) else SyncRequest(offsets=dict(request))
    if not req.offsets:
        raise InputError("give at least one FILE_ID=SECONDS to place")
    settings = ready(settings)
    with bind(batch_id=batch_id), db(settings) as session:
        batch = repos.batches.get_batch(session, batch_id)
        row = repos.analyses.latest_analysis(session, batch_id, status="complete")
        if row is None or not row.sync:
            raise InvalidStateError(f"batch {batch_id} has no synced analysis; run "
                                    f"`editron analyze {batch_id}` first")
        files = [(f.id, f.relative_path) for f in batch.files]
        offsets = {_file_id(text, files): value for text, value in req.offsets.items()}
        try:
            placed = with_manual_offsets(SyncResult.from_dict(row.sync), offsets)
        except ValueError as exc:
            raise InputError(f"{exc}; was the file analysed?") from exc
        repos.analyses.update_analysis(session, row, sync=placed.to_dict())
        append_event(session, entity_type="analysis", entity_id=row.id,
                     event_type="analysis.sync_set", batch_id=batch_id,
                     payload={"offsets": offsets})
        return sync_rows(placed.to_dict())
