"""Two renders of one session finishing together on two workers (found by the multi-host test,
issue 23.4): both settles read the session as rendering, the first completed it, and the
second's write was refused ("changed meanwhile"), an error that failed a render already
delivered (its queue job failed, and the give-up hook turned the complete render into a
failed one). The session's row is now locked while a settle decides, so the second reads
the first's result. PostgreSQL, where the workers really run at once."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import select

from editron.config import Settings
from editron.db import repos
from editron.db.models_ops import Event
from editron.db.runtime import ready
from editron.db.session import session_scope
from editron.domain.status import JobStatus, SessionStatus, Stage, TaskStatus
from editron.services.render import settle
from tests import db_backends

pg_database = db_backends.pg_database
pg_template = db_backends.pg_template
pytestmark = pytest.mark.postgres


def _rendering_session(url: str) -> tuple[str, str]:
    """A batch with its cards and a session in ``rendering`` whose two renders are both
    complete (committed), as when two workers finished them at the same moment."""
    with session_scope(url) as s:
        batch = repos.batches.create_batch(s, reference_name="gala", source_url="/x",
                                           source_type="local_folder")
        repos.tasks.ensure_tasks(s, batch)
        edit = repos.edit_sessions.create_edit_session(s, batch_id=batch.id,
                                                       deliverable_type="social",
                                                       aspect_ratios=["16:9", "9:16"])
        for status in (SessionStatus.NEEDSREVIEW, SessionStatus.APPROVED,
                       SessionStatus.RENDERING):
            repos.edit_sessions.set_session_status(s, edit, status)
        for ratio in ("16:9", "9:16"):
            job = repos.render_jobs.create_render_job(s, edit_session_id=edit.id,
                                                      aspect_ratio=ratio, format="mp4",
                                                      profile="preview")
            for status in (JobStatus.RENDERING, JobStatus.COMPLETE):
                repos.render_jobs.set_job_status(s, job, status)
            repos.render_jobs.update_render_job(s, job, output_urls=[f"file:///d/{ratio}"])
        return batch.id, edit.id


def test_two_renders_settling_at_once_complete_the_session_once(
        pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ready(Settings(database_url=pg_database))
    batch_id, session_id = _rendering_session(pg_database)
    both_read = threading.Barrier(2, timeout=3.0)
    real_list = repos.render_jobs.list_render_jobs

    def list_then_wait(*args: object, **kwargs: object) -> object:
        jobs = real_list(*args, **kwargs)  # type: ignore[arg-type]
        # Without the lock both settles read here before either writes; with it the other
        # waits on the row lock, the barrier breaks and this one goes on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return jobs

    monkeypatch.setattr(repos.render_jobs, "list_render_jobs", list_then_wait)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            settle.settle_session(settings, session_id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with session_scope(pg_database) as s:
        completions = s.scalars(select(Event).where(
            Event.entity_id == session_id, Event.event_type == "edit_session.status_changed",
            Event.payload["status"].as_string() == "complete")).all()
        deliver_done = s.scalars(select(Event).where(
            Event.batch_id == batch_id, Event.event_type == "task.status_changed",
            Event.payload["stage"].as_string() == Stage.DELIVER.value)).all()
        edit = repos.edit_sessions.get_edit_session(s, session_id)
        render_card = repos.tasks.get_task(s, batch_id, Stage.RENDER)
        assert edit.status == SessionStatus.COMPLETE
        assert render_card.status == TaskStatus.DONE
        assert len(completions) == 1, "the session completed once"
        assert len(deliver_done) == 1, "the deliver card was set once"
