"""The same data-layer contract on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from editron.db import repos
from editron.db.models import (
    EditSession,
    Feedback,
    MediaBatch,
    MediaBatchAnalysis,
    MediaFile,
    RenderJob,
)
from editron.db.models_ops import Task
from editron.db.repos.events import append_event, events_after
from editron.db.session import session_scope
from editron.domain.access import ALL_SCOPES
from editron.domain.status import BatchStatus, Stage, TaskStatus
from editron.errors import DatabaseConflictError, InvalidStateError, NotFoundError
from tests.db_backends import (  # noqa: F401  (fixtures)
    database_url,
    pg_database,
    pg_template,
    sqlite_template,
)


@pytest.fixture()
def url(database_url: str) -> str:  # noqa: F811
    return database_url


def _batch(url: str, name: str = "gala") -> str:
    with session_scope(url) as s:
        batch = repos.batches.create_batch(s, reference_name=name, source_url="/x",
                                           source_type="local_folder")
        repos.tasks.ensure_tasks(s, batch)
        return batch.id


@pytest.mark.parametrize(("model", "column", "bad"), [
    (MediaBatch, "status", "downloaded"),
    (MediaBatch, "storage_tier", "glacier"),
    (MediaBatch, "file_count", -1),
    (Task, "status", "blocked"),
    (EditSession, "status", "review"),
    (RenderJob, "priority", "urgent"),
    (RenderJob, "status", "running"),
    (RenderJob, "progress_percent", 101.0),
    (MediaFile, "status", "ok"),
])
def test_check_constraints_reject_bad_values(url: str, model: type, column: str,
                                             bad: object) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        batch = repos.batches.get_batch(s, batch_id)
        edit = repos.edit_sessions.create_edit_session(s, batch_id=batch_id,
                                                       deliverable_type="recap",
                                                       aspect_ratios=["16:9"])
        rows = {MediaBatch: batch, Task: repos.tasks.get_task(s, batch_id, Stage.INGEST),
                EditSession: edit,
                RenderJob: repos.render_jobs.create_render_job(s, edit_session_id=edit.id,
                                                               aspect_ratio="16:9", format="mp4",
                                                               profile="web"),
                MediaFile: repos.files.add_file(s, batch, filename="a.mp4", relative_path="a.mp4")}
        row_id = rows[model].id
    with pytest.raises(DatabaseConflictError), session_scope(url) as s:
        setattr(s.get_one(model, row_id), column, bad)
        s.flush()


def test_delete_batch_cascades(url: str) -> None:
    batch_id = _batch(url)
    other_id = _batch(url, "other")
    with session_scope(url) as s:
        project = repos.projects.create_project(s, name="Client")
        project_id = project.id
        batch = repos.batches.get_batch(s, batch_id)
        batch.project_id = project_id
        repos.files.add_file(s, batch, filename="a.mp4", relative_path="a.mp4", size_bytes=1)
        repos.analyses.create_analysis(s, batch_id=batch_id)
        edit = repos.edit_sessions.create_edit_session(s, batch_id=batch_id,
                                                       deliverable_type="recap",
                                                       aspect_ratios=["9:16"])
        repos.render_jobs.create_render_job(s, edit_session_id=edit.id, aspect_ratio="9:16",
                                            format="mp4", profile="reels")
        repos.feedback.record_feedback(s, edit, decision="approve")
        other = repos.batches.get_batch(s, other_id)
        repos.files.add_file(s, other, filename="b.mp4", relative_path="b.mp4")
    with session_scope(url) as s:
        repos.batches.delete_batch(s, repos.batches.get_batch(s, batch_id))
    with session_scope(url) as s:
        for model in (MediaFile, MediaBatchAnalysis, EditSession, RenderJob, Task, Feedback):
            left = s.scalars(select(model)).all()
            assert all(getattr(r, "batch_id", other_id) == other_id for r in left), model
        assert [f.filename for f in s.scalars(select(MediaFile))] == ["b.mp4"]
        assert s.scalars(select(RenderJob)).all() == []
        assert s.scalars(select(Feedback)).all() == []
        assert len(repos.tasks.list_tasks(s, batch_id=other_id)) == len(Stage)
        # The log outlives the rows it describes: it is the audit trail.
        assert [e.event_type for e in events_after(s, 0, batch_id=batch_id)][-1] == (
            "batch.deleted")
        repos.projects.get_project(s, project_id)


def test_delete_project_keeps_its_batches(url: str) -> None:
    with session_scope(url) as s:
        project_id = repos.projects.create_project(s, name="Client").id
        batch_id = repos.batches.create_batch(s, reference_name="gala", source_url="/x",
                                              source_type="local_folder", project_id=project_id).id
    with session_scope(url) as s:
        s.delete(repos.projects.get_project(s, project_id))
    with session_scope(url) as s:
        assert repos.batches.get_batch(s, batch_id).project_id is None  # ON DELETE SET NULL


def test_one_task_card_per_stage(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        repos.tasks.ensure_tasks(s, repos.batches.get_batch(s, batch_id))  # again: no duplicates
        assert sorted(t.stage for t in repos.tasks.list_tasks(s, batch_id=batch_id)) == sorted(
            st.value for st in Stage)
    with pytest.raises(DatabaseConflictError), session_scope(url) as s:
        s.add(Task(batch_id=batch_id, stage="ingest", title="dup"))


def test_status_changes_emit_events_in_the_same_transaction(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        repos.batches.set_batch_status(s, repos.batches.get_batch(s, batch_id),
                                       BatchStatus.DOWNLOADING)
        repos.tasks.set_task(s, batch_id, Stage.INGEST, TaskStatus.IN_PROGRESS)
    with pytest.raises(RuntimeError), session_scope(url) as s:
        repos.batches.set_batch_status(s, repos.batches.get_batch(s, batch_id), BatchStatus.READY)
        raise RuntimeError("crash before commit")
    with session_scope(url) as s:
        assert repos.batches.get_batch(s, batch_id).status == "downloading"
        kinds = [(e.event_type, e.payload.get("status")) for e in events_after(
            s, 0, batch_id=batch_id) if e.event_type != "task.created"]
    assert kinds == [("batch.created", "queued"), ("batch.status_changed", "downloading"),
                     ("task.status_changed", "in_progress")]


def test_invalid_transition_is_refused(url: str) -> None:
    batch_id = _batch(url)
    with pytest.raises(InvalidStateError, match="cannot become analyzed"), session_scope(url) as s:
        repos.batches.set_batch_status(s, repos.batches.get_batch(s, batch_id),
                                       BatchStatus.ANALYZED)


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
    ids: dict[str, list[int]] = {"x": [], "y": []}
    start = threading.Barrier(2)

    def writer(tag: str) -> None:
        try:
            start.wait(10)
            for i in range(15):
                with session_scope(url) as s:
                    event = append_event(s, entity_type="batch", entity_id=tag,
                                         event_type="tick", payload={"i": i})
                    ids[tag].append(event.id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    for tag, mine in ids.items():
        assert mine == sorted(mine) and len(set(mine)) == 15, tag
    assert not set(ids["x"]) & set(ids["y"])
    with session_scope(url) as s:
        everything = [e.id for e in events_after(s, 0, entity_type="batch", limit=100)]
        assert everything == sorted(ids["x"] + ids["y"])
        for tag in ids:
            seen = [e.payload["i"] for e in events_after(s, 0, batch_id=tag)]
            assert seen == list(range(15))


def test_tokens_are_stored_hashed(url: str) -> None:
    with session_scope(url) as s:
        row, plain = repos.tokens.create_token(s, name="ci", scopes=ALL_SCOPES)
        token_id = row.id
        assert plain not in row.token_hash and len(row.token_hash) == 64
    with session_scope(url) as s:
        assert repos.tokens.verify_token(s, plain) is not None
        assert repos.tokens.verify_token(s, plain + "x") is None
        repos.tokens.revoke_token(s, token_id)
    with session_scope(url) as s:
        assert repos.tokens.verify_token(s, plain) is None


def test_missing_ids_raise_not_found(url: str) -> None:
    with session_scope(url) as s:
        with pytest.raises(NotFoundError, match="no media batch with id 'nope'"):
            repos.batches.get_batch(s, "nope")
        getters = [repos.projects.get_project, repos.files.get_file, repos.analyses.get_analysis,
                   repos.edit_sessions.get_edit_session,
                   repos.render_jobs.get_render_job, repos.feedback.get_feedback,
                   repos.dropbox_sources.get_dropbox_source]
        for getter in getters:
            with pytest.raises(NotFoundError) as caught:
                getter(s, "nope")
            assert caught.value.entity_id == "nope", getter.__name__
        with pytest.raises(NotFoundError, match="nope/ingest"):
            repos.tasks.get_task(s, "nope", Stage.INGEST)
        with pytest.raises(NotFoundError):
            repos.tasks.set_task(s, "nope", Stage.INGEST, TaskStatus.DONE)
        with pytest.raises(NotFoundError):
            repos.tokens.revoke_token(s, "nope")


def test_list_batches_filters_and_pages(url: str) -> None:
    ids = [_batch(url, f"b{i}") for i in range(5)]
    with session_scope(url) as s:
        repos.batches.set_batch_status(s, repos.batches.get_batch(s, ids[0]),
                                       BatchStatus.DOWNLOADING)
        assert [b.id for b in repos.batches.list_batches(s, status="downloading")] == [ids[0]]
        first = repos.batches.list_batches(s, limit=2)
        second = repos.batches.list_batches(s, limit=2, offset=2)
        assert len(first) == 2 and len(second) == 2
        assert not {b.id for b in first} & {b.id for b in second}


@pytest.mark.postgres
def test_follower_does_not_skip_an_event_committed_late(pg_database: str) -> None:  # noqa: F811
    """On PostgreSQL ids are taken at insert: id N+1 can commit while N is still open."""
    from editron.db.session import get_sessionmaker

    make = get_sessionmaker(pg_database)
    with make() as slow, make() as fast:
        late = append_event(slow, entity_type="batch", entity_id="a", event_type="slow")
        early = append_event(fast, entity_type="batch", entity_id="b", event_type="fast")
        fast.commit()
        assert late.id < early.id
        with make() as reader:
            assert [e.id for e in events_after(reader, 0)] == [early.id]  # the trap
            assert events_after(reader, 0, settle_seconds=30) == []
        slow.commit()
        with make() as reader:
            assert [e.id for e in events_after(reader, 0, settle_seconds=30)] == [
                late.id, early.id]
    with make() as writer:  # a rolled-back append leaves a hole that never fills...
        append_event(writer, entity_type="batch", entity_id="c", event_type="lost")
        writer.rollback()
        after_hole = append_event(writer, entity_type="batch", entity_id="d",
                                  event_type="kept").id
        writer.commit()
    with make() as reader:
        assert [e.id for e in events_after(reader, early.id, settle_seconds=30)] == []
        # ...so once the next event is older than the settle time, the hole is passed.
        assert [e.id for e in events_after(reader, early.id, settle_seconds=0)] == [after_hole]
