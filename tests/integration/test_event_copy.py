"""The ``analysed_event`` fixture hands each test a home of its own: what one test writes into
it (edit sessions, renders, deliveries) no other test can see, whatever the order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from editron.db.models import MediaBatch, MediaFile
from editron.db.session import session_scope
from editron.store import local_folder
from tests.conftest import AnalysedEvent


def test_the_event_copy_is_self_contained(analysed_event: AnalysedEvent,
                                          analysed_event_master: AnalysedEvent) -> None:
    copy, master = analysed_event.settings.home_dir, analysed_event_master.settings.home_dir
    assert copy != master and not copy.is_relative_to(master)
    with session_scope(analysed_event.settings.resolved_database_url) as s:
        batch = s.get_one(MediaBatch, analysed_event.batch_id)
        files = list(s.scalars(select(MediaFile).where(MediaFile.batch_id == batch.id)))
        stored = [batch.storage_path, *(f.storage_path for f in files),
                  *(f.proxy_path for f in files)]
    assert len(files) == 3
    for key in stored:  # every stored key resolves into the copy, and the file is there
        assert key and not Path(key).is_absolute(), key
        path = local_folder(analysed_event.settings, key)
        assert path.is_relative_to(copy) and path.exists(), path


def test_a_write_to_one_copy_is_not_in_the_next(analysed_event: AnalysedEvent,
                                                analysed_event_master: AnalysedEvent) -> None:
    batch_id, mark = analysed_event.batch_id, "renamed by this test"
    with session_scope(analysed_event.settings.resolved_database_url) as s:
        s.get_one(MediaBatch, batch_id).reference_name = mark
    with session_scope(analysed_event_master.settings.resolved_database_url) as s:
        assert s.get_one(MediaBatch, batch_id).reference_name != mark
