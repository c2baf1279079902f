"""Repository behaviour per aggregate, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from editron.db import repos
from editron.db.repos.events import events_after
from editron.db.session import get_sessionmaker, session_scope
from editron.domain.access import ALL_SCOPES
from editron.domain.status import FileStatus, JobStatus, Priority, SessionStatus
from editron.errors import InputError, InvalidStateError, NotFoundError
from tests.db_backends import (  # noqa: F401  (fixtures)
    database_url,
    pg_database,
    pg_template,
    sqlite_template,
)


@pytest.fixture()
def url(database_url: str) -> str:  # noqa: F811
    return database_url


def _batch(url: str, name: str = "gala", project_id: str | None = None) -> str:
    with session_scope(url) as s:
        return repos.batches.create_batch(s, reference_name=name, source_url="/x",
                                          source_type="local_folder", project_id=project_id).id


def _edit_session(url: str, batch_id: str) -> str:
    with session_scope(url) as s:
        return repos.edit_sessions.create_edit_session(s, batch_id=batch_id,
                                                       deliverable_type="highlight",
                                                       aspect_ratios=["16:9",
                                                                      "9:16"], variants=3).id


def test_batches_page_by_cursor_and_merge_metadata(url: str) -> None:
    ids = [_batch(url, f"b{i}") for i in range(5)]
    with session_scope(url) as s:
        seen: list[str] = []
        after: str | None = None
        while page := repos.batches.list_batches(s, limit=2, after=after):
            seen += [b.id for b in page]
            after = repos.batches.batch_cursor(page[-1])
        assert seen == list(reversed(ids))  # newest first, each once
        batch = repos.batches.get_batch(s, ids[0])
        repos.batches.update_batch(s, batch, file_count=2, total_size_bytes=10,
                                   metadata={"camera": "A"})
        repos.batches.update_batch(s, batch, metadata={"lens": "35mm"})
    with session_scope(url) as s:
        batch = repos.batches.get_batch(s, ids[0])
        assert (batch.file_count, batch.total_size_bytes) == (2, 10)
        assert batch.batch_metadata == {"camera": "A", "lens": "35mm"}
        with pytest.raises(InputError, match="malformed batch cursor"):
            repos.batches.list_batches(s, after="garbage")
        with pytest.raises(InputError, match="limit"):
            repos.batches.list_batches(s, limit=0)


def test_files_list_dedupe_and_update(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        batch = repos.batches.get_batch(s, batch_id)
        a = repos.files.add_file(s, batch, filename="a.mp4", relative_path="a.mp4",
                                 checksum_sha256="c1")
        repos.files.add_file(s, batch, filename="bad.mp4", relative_path="bad.mp4",
                             checksum_sha256="c2", status=FileStatus.FAILED.value)
        a_id = a.id
    with session_scope(url) as s:
        assert [f.filename for f in repos.files.list_files(s, batch_id)] == ["a.mp4", "bad.mp4"]
        assert [f.filename for f in repos.files.list_files(s, batch_id, status=FileStatus.FAILED)
                ] == ["bad.mp4"]
        found = repos.files.find_file_by_checksum(s, batch_id, "c1")
        assert found is not None and found.id == a_id
        assert repos.files.find_file_by_checksum(s, batch_id,
                                                 "c2") is None  # a failed file is no copy
        assert repos.files.find_file_by_checksum(s, _batch(url, "other"), "c1") is None
        repos.files.update_file(s, repos.files.get_file(s, a_id), duration_seconds=12.5,
                                codec="h264")
        with pytest.raises(TypeError, match="no updatable column"):
            repos.files.update_file(s, repos.files.get_file(s, a_id), batch_id="elsewhere")
    with session_scope(url) as s:
        row = repos.files.get_file(s, a_id)
        assert (row.duration_seconds, row.codec) == (12.5, "h264")
        with pytest.raises(NotFoundError, match="no media file"):
            repos.files.get_file(s, "missing")


def test_analysis_lifecycle(url: str) -> None:
    batch_id = _batch(url)
    with session_scope(url) as s:
        first = repos.analyses.create_analysis(s, batch_id=batch_id, scope=["recap"],
                                               max_iterations=2)
        repos.analyses.set_analysis_status(s, first, "failed", last_error="decoder crashed")
        second = repos.analyses.create_analysis(s, batch_id=batch_id, scope=["recap"])
        repos.analyses.update_analysis(s, second, passes_completed=3, summary="3 hero moments",
                                       hero_moments=[{"start": 1.0, "end": 3.0}])
        repos.analyses.set_analysis_status(s, second, "complete")
        second_id = second.id
    with session_scope(url) as s:
        latest = repos.analyses.latest_analysis(s, batch_id, status="complete")
        assert latest is not None and latest.id == second_id
        assert latest.completed_at is not None and latest.hero_moments[0]["end"] == 3.0
        failed = repos.analyses.latest_analysis(s, batch_id, status="failed")
        assert failed is not None and failed.last_error == "decoder crashed"
        assert len(repos.analyses.list_analyses(s, batch_id)) == 2
        changes = [e.payload["status"] for e in events_after(
            s, 0, batch_id=batch_id, entity_type="analysis")]
        assert changes == ["running", "failed", "running", "complete"]


def test_edit_session_status_machine_logs_each_change(url: str) -> None:
    with session_scope(url) as s:
        project_id = repos.projects.create_project(s, name="Client").id
    batch_id = _batch(url, project_id=project_id)
    session_id = _edit_session(url, batch_id)
    path = [SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED, SessionStatus.RENDERING,
            SessionStatus.COMPLETE]
    for status in path:
        with session_scope(url) as s:
            row = repos.edit_sessions.get_edit_session(s, session_id)
            repos.edit_sessions.set_session_status(s, row, status)
    with pytest.raises(InvalidStateError, match="cannot become assembling"), \
            session_scope(url) as s:
        repos.edit_sessions.set_session_status(s, repos.edit_sessions.get_edit_session(s,
                                                                                       session_id),
                                               SessionStatus.ASSEMBLING)
    with session_scope(url) as s:
        repos.edit_sessions.update_edit_session(s, repos.edit_sessions.get_edit_session(s,
                                                                                        session_id),
                                                timelines=[{"aspect_ratio": "16:9"}])
        events = events_after(s, 0, session_id=session_id)
        assert [e.payload["status"] for e in events] == ["assembling"] + [p.value for p in path]
        assert {e.project_id for e in events} == {project_id}
        assert [x.id for x in repos.edit_sessions.list_edit_sessions(
            s, batch_id=batch_id, status=SessionStatus.COMPLETE)] == [session_id]
        row = repos.edit_sessions.get_edit_session(s, session_id)
        assert row.timelines == [{"aspect_ratio": "16:9"}]


def test_render_jobs_run_by_priority_then_age(url: str) -> None:
    session_id = _edit_session(url, _batch(url))
    order = [Priority.LOW, Priority.STANDARD, Priority.RUSH, Priority.STANDARD, Priority.RUSH]
    ids = []
    for n, priority in enumerate(order):
        with session_scope(url) as s:
            ids.append(repos.render_jobs.create_render_job(s, edit_session_id=session_id,
                                                           aspect_ratio="16:9", format="mp4",
                                                           profile="web", variant=n + 1,
                                                           priority=priority).id)
    expected = [ids[2], ids[4], ids[1], ids[3], ids[0]]
    with session_scope(url) as s:
        jobs = repos.render_jobs.list_render_jobs(s, edit_session_id=session_id)
        assert [j.id for j in jobs] == expected
    ran = []
    while True:
        with session_scope(url) as s:
            job = repos.render_jobs.next_queued_render_job(s, lock=True)
            if job is None:
                break
            repos.render_jobs.set_job_status(s, job, JobStatus.RENDERING)
            ran.append(job.id)
    assert ran == expected


def test_render_job_status_progress_and_events(url: str) -> None:
    batch_id = _batch(url)
    session_id = _edit_session(url, batch_id)
    with session_scope(url) as s:
        job = repos.render_jobs.create_render_job(
            s, edit_session_id=session_id, aspect_ratio="1:1", format="mp4", profile="square",
            priority=Priority.RUSH)
        job_id = job.id
        repos.render_jobs.set_job_status(s, job, JobStatus.RENDERING)
        repos.render_jobs.set_job_progress(s, job, 140)
        assert job.progress_percent == 100.0
        repos.render_jobs.set_job_status(s, job, JobStatus.FAILED, last_error="ffmpeg exited 1")
        repos.render_jobs.set_job_status(s, job, JobStatus.QUEUED)
        repos.render_jobs.set_job_status(s, job, JobStatus.RENDERING)
        repos.render_jobs.set_job_status(s, job, JobStatus.COMPLETE)
        repos.render_jobs.update_render_job(s, job, output_urls=["file:///out/a.mp4"],
                                            qc={"ok": True})
    with pytest.raises(InvalidStateError, match="cannot become rendering"), \
            session_scope(url) as s:
        repos.render_jobs.set_job_status(s, repos.render_jobs.get_render_job(s, job_id),
                                         JobStatus.RENDERING)
    with session_scope(url) as s:
        job = repos.render_jobs.get_render_job(s, job_id)
        assert (job.attempts, job.progress_percent, job.status) == (2, 100.0, "complete")
        assert job.started_at is not None and job.completed_at is not None
        assert job.last_error == "ffmpeg exited 1" and job.output_urls == ["file:///out/a.mp4"]
        events = events_after(s, 0, job_id=job_id)
        assert [e.event_type.split(".")[1] for e in events] == [
            "created", "status_changed", "progress", "status_changed", "status_changed",
            "status_changed", "status_changed"]
        assert {(e.batch_id, e.session_id) for e in events} == {(batch_id, session_id)}


@pytest.mark.postgres
def test_two_workers_claim_different_render_jobs(pg_database: str) -> None:  # noqa: F811
    session_id = _edit_session(pg_database, _batch(pg_database))
    with session_scope(pg_database) as s:
        for _ in range(2):
            repos.render_jobs.create_render_job(s, edit_session_id=session_id, aspect_ratio="16:9",
                                                format="mp4", profile="web")
    make = get_sessionmaker(pg_database)
    with make() as first, make() as second:
        a = repos.render_jobs.next_queued_render_job(first, lock=True)
        b = repos.render_jobs.next_queued_render_job(second,
                                                     lock=True)  # skips the row `first` holds
        assert a is not None and b is not None and a.id != b.id
        first.rollback()
        second.rollback()


def test_feedback_is_recorded_and_logged(url: str) -> None:
    with session_scope(url) as s:
        project_id = repos.projects.create_project(s, name="Client").id
    session_id = _edit_session(url, _batch(url, project_id=project_id))
    with session_scope(url) as s:
        edit = repos.edit_sessions.get_edit_session(s, session_id)
        repos.feedback.record_feedback(s, edit, decision="changes", notes="shorter open",
                                       adjustments={"duration": 20})
        repos.feedback.record_feedback(s, edit, decision="approve")
    with session_scope(url) as s:
        rows = repos.feedback.list_feedback(s, project_id=project_id)
        assert [(f.decision, f.adjustments) for f in rows] == [
            ("changes", {"duration": 20}), ("approve", {})]
        assert repos.feedback.list_feedback(s, edit_session_id=session_id) == rows
        assert [e.payload for e in events_after(s, 0, entity_type="feedback")] == [
            {"decision": "changes", "revision_id": None},
            {"decision": "approve", "revision_id": None}]


def test_dropbox_source_token_never_reaches_the_log(url: str) -> None:
    with session_scope(url) as s:
        source = repos.dropbox_sources.create_dropbox_source(s, folder_path="/Events/Gala",
                                                             account_id="dbid:1",
                                                             access_token="sl.SECRET")
        source_id = source.id
        repos.dropbox_sources.create_dropbox_source(s, folder_path="/Other", account_id="dbid:2")
        repos.dropbox_sources.mark_polled(s, source, cursor="AAE")
        repos.dropbox_sources.set_source_active(s, source, False)
        repos.dropbox_sources.set_source_active(s, source, False)  # no change, no event
    with session_scope(url) as s:
        listed = repos.dropbox_sources.list_dropbox_sources
        assert [x.folder_path for x in listed(s, account_id="dbid:1")] == ["/Events/Gala"]
        assert [x.folder_path for x in listed(s, active=True)] == ["/Other"]
        row = repos.dropbox_sources.get_dropbox_source(s, source_id)
        assert (row.cursor, row.access_token) == ("AAE", "sl.SECRET")
        assert row.last_polled_at is not None
        events = events_after(s, 0, entity_type="dropbox_source")
        assert [e.event_type for e in events] == [
            "dropbox_source.created", "dropbox_source.created",
            "dropbox_source.status_changed"]
        assert all("SECRET" not in repr(e.payload) for e in events)


def test_projects_and_tokens(url: str) -> None:
    with session_scope(url) as s:
        project = repos.projects.create_project(s, name="Client", brand={"color": "#f00"})
        repos.projects.update_project(s, project, preferences={"pace": "fast"})
        project_id = project.id
        _, live = repos.tokens.create_token(s, name="live", scopes=ALL_SCOPES)
        dead_row, _ = repos.tokens.create_token(s, name="dead", scopes=ALL_SCOPES)
        repos.tokens.revoke_token(s, dead_row.id)
    with session_scope(url) as s:
        project = repos.projects.get_project(s, project_id)
        assert (project.brand, project.preferences) == ({"color": "#f00"}, {"pace": "fast"})
        assert [p.id for p in repos.projects.list_projects(s)] == [project_id]
        assert [t.name for t in repos.tokens.list_tokens(s)] == ["live"]
        assert len(repos.tokens.list_tokens(s, include_revoked=True)) == 2
        verified = repos.tokens.verify_token(s, live)
        assert verified is not None and verified.token_hash == repos.tokens.hash_token(live)
        with pytest.raises(NotFoundError, match="no API token"):
            repos.tokens.revoke_token(s, "missing")
