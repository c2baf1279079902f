"""The same data-layer contract on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from editron.db import repositories as repo
from editron.db.events import append_event, events_after
from editron.db.migrate import current_revision, head_revision, upgrade
from editron.db.models import (
    Base,
    EditSession,
    MediaBatchAnalysis,
    MediaFile,
    RenderJob,
    Task,
)
from editron.db.session import get_engine, session_scope
from editron.domain.status import BatchStatus, Stage, TaskStatus
from editron.errors import InvalidStateError, NotFoundError
from tests.backends import database_url, postgres_server  # noqa: F401


@pytest.fixture()
def url(database_url: str) -> str:  # noqa: F811
    upgrade(database_url)
    return database_url


def _batch(url: str, name: str = "gala") -> str:
    with session_scope(url) as s:
        batch = repo.create_batch(s, reference_name=name, source_url="/x",
                                  source_type="local_folder")
        repo.ensure_tasks(s, batch)
        return batch.id


def test_migrations_match_models(url: str) -> None:
    assert current_revision(url) == head_revision()
    upgrade(url)  # idempotent
    with get_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_check_constraints_reject_bad_strings(url: str) -> None:
    batch_id = _batch(url)
    with pytest.raises(IntegrityError), session_scope(url) as s:
        s.get_one(repo.MediaBatch, batch_id).status = "downloaded"  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError), session_scope(url) as s:
        s.add(EditSession(batch_id=batch_id, deliverable_type="trailer"))
    with pytest.raises(IntegrityError), session_scope(url) as s:
        session = EditSession(batch_id=batch_id, deliverable_type="recap")
        s.add(session)
        s.flush()
        s.add(RenderJob(edit_session_id=session.id, aspect_ratio="16:9", format="mp4",
                        profile="youtube", priority="urgent"))


def test_delete_batch_cascades(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        batch = repo.get_batch(s, batch_id)
        repo.add_file(s, batch, filename="a.mp4", relative_path="a.mp4", size_bytes=1)
        s.add(MediaBatchAnalysis(batch_id=batch_id))
        session = EditSession(batch_id=batch_id, deliverable_type="recap")
        s.add(session)
        s.flush()
        s.add(RenderJob(edit_session_id=session.id, aspect_ratio="9:16", format="mp4",
                        profile="reels"))
    with session_scope(url) as s:
        s.delete(repo.get_batch(s, batch_id))
    with session_scope(url) as s:
        for model in (MediaFile, MediaBatchAnalysis, EditSession, RenderJob, Task):
            assert s.scalars(select(model)).all() == [], model.__name__


def test_one_task_card_per_stage(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        repo.ensure_tasks(s, repo.get_batch(s, batch_id))  # again: no duplicates
        assert sorted(t.stage for t in repo.list_tasks(s, batch_id=batch_id)) == sorted(
            st.value for st in Stage)
    with pytest.raises(IntegrityError), session_scope(url) as s:
        s.add(Task(batch_id=batch_id, stage="ingest", title="dup"))


def test_status_changes_emit_events_in_the_same_transaction(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        repo.set_batch_status(s, repo.get_batch(s, batch_id), BatchStatus.DOWNLOADING)
        repo.set_task(s, batch_id, Stage.INGEST, TaskStatus.IN_PROGRESS)
    with pytest.raises(RuntimeError), session_scope(url) as s:
        repo.set_batch_status(s, repo.get_batch(s, batch_id), BatchStatus.READY)
        raise RuntimeError("crash before commit")
    with session_scope(url) as s:
        assert repo.get_batch(s, batch_id).status == "downloading"
        kinds = [(e.event_type, e.payload.get("status")) for e in events_after(
            s, 0, batch_id=batch_id)]
    assert kinds == [("batch.created", "queued"), ("batch.status_changed", "downloading"),
                     ("task.status_changed", "in_progress")]


def test_invalid_transition_is_refused(url: str) -> None:
    batch_id = _batch(url)
    with pytest.raises(InvalidStateError, match="cannot become analyzed"), session_scope(url) as s:
        repo.set_batch_status(s, repo.get_batch(s, batch_id), BatchStatus.ANALYZED)


def test_events_after_filters_and_order(url: str) -> None:
    a, b = _batch(url, "a"), _batch(url, "b")
    with session_scope(url) as s:
        for i in range(3):
            append_event(s, entity_type="file", entity_id=f"f{i}", event_type="file.ingested",
                         batch_id=a, payload={"i": i, "access_token": "secret"})
        append_event(s, entity_type="render_job", entity_id="j1", event_type="job.progress")
    with session_scope(url) as s:
        everything = events_after(s, 0)
        ids = [e.id for e in everything]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        only_a = events_after(s, 0, batch_id=a, entity_type="file")
        assert [e.payload for e in only_a] == [{"i": 0}, {"i": 1}, {"i": 2}]
        assert events_after(s, only_a[0].id, batch_id=a, entity_type="file") == only_a[1:]
        assert [e.entity_id for e in events_after(s, 0, job_id="j1")] == ["j1"]
        assert all(e.batch_id == b for e in events_after(s, 0, batch_id=b))


def test_concurrent_appends_get_increasing_ids(url: str) -> None:
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for i in range(15):
                with session_scope(url) as s:
                    append_event(s, entity_type="batch", entity_id=tag, event_type="tick",
                                 payload={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with session_scope(url) as s:
        for tag in ("x", "y"):
            seen = [e.payload["i"] for e in events_after(s, 0, batch_id=tag)]
            assert seen == list(range(15))


def test_tokens_are_stored_hashed(url: str) -> None:
    with session_scope(url) as s:
        row, plain = repo.create_token(s, name="ci")
        token_id = row.id
        assert plain not in row.token_hash and len(row.token_hash) == 64
    with session_scope(url) as s:
        assert repo.verify_token(s, plain) is not None
        assert repo.verify_token(s, plain + "x") is None
        repo.revoke_token(s, token_id)
    with session_scope(url) as s:
        assert repo.verify_token(s, plain) is None


def test_missing_ids_raise_not_found(url: str) -> None:
    with session_scope(url) as s:
        with pytest.raises(NotFoundError, match="no media batch with id 'nope'"):
            repo.get_batch(s, "nope")
        with pytest.raises(NotFoundError):
            repo.get_project(s, "nope")


def test_list_batches_filters_and_pages(url: str) -> None:
    ids = [_batch(url, f"b{i}") for i in range(5)]
    with session_scope(url) as s:
        repo.set_batch_status(s, repo.get_batch(s, ids[0]), BatchStatus.DOWNLOADING)
        assert [b.id for b in repo.list_batches(s, status="downloading")] == [ids[0]]
        first = repo.list_batches(s, limit=2)
        second = repo.list_batches(s, limit=2, offset=2)
        assert len(first) == 2 and len(second) == 2
        assert not {b.id for b in first} & {b.id for b in second}
