"""#17.3: nothing stranded. A CLI ingest or analysis killed with SIGKILL at several points
leaves a run ``editron status`` calls ``interrupted`` (with what was done), and ``editron
resume`` or the same command run again finishes it without duplicated files or rows; an
analysis job whose worker died is retried by the next worker; ffmpeg dies with its worker."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update

from editron.config import Settings
from editron.db import repos
from editron.db.models_ops import JobRun
from editron.db.repos import job_runs
from editron.db.runtime import db, ready
from editron.domain.status import BatchStatus
from editron.jobs.app import enqueue
from editron.jobs.execution import execute_job
from editron.jobs.recovery import recover_jobs
from editron.services.analyze import ANALYZE_OPERATION, AnalyzeJob
from editron.services.ingest import ingest_media_batch
from editron.store import local_folder, resolve_local
from tests.conftest import AnalysedEvent

pytestmark = pytest.mark.slow


def _cli(*args: str, check: bool = True) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-m", "editron", *args, "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def _query(home: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    database = home / "editron.db"
    if not database.exists():
        return []
    with sqlite3.connect(database, timeout=5) as con:
        try:
            return con.execute(sql).fetchall()
        except sqlite3.OperationalError:  # the schema is still being made
            return []


def _kill_when(args: list[str], ready_to_kill: Callable[[], bool]) -> None:
    """Start ``editron ARGS`` and SIGKILL it the moment ``ready_to_kill`` holds."""
    proc = subprocess.Popen([sys.executable, "-m", "editron", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ready_to_kill():
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()  # reaped, so its pid is gone and its lease with it


def _events(home: Path, like: str, name: str | None = None) -> int:
    """How many events of kinds ``like`` there are (of the batch called ``name``)."""
    where = "" if name is None else (" AND batch_id IN (SELECT id FROM media_batches WHERE "
                                     f"reference_name = '{name}')")
    return len(_query(home, f"SELECT id FROM events WHERE event_type LIKE '{like}'{where}"))


def test_a_killed_ingest_is_interrupted_and_resumes(footage: Path, editron_home: Path) -> None:
    interrupted = 0
    for point in range(3):  # before any file, after the first, after the second
        def at_point(point: int = point) -> bool:
            name = f"kill-{point}"
            began = _events(editron_home, "batch.%", name) >= 2  # created, downloading
            return began and _events(editron_home, "file.%", name) >= point
        _kill_when(["ingest", str(footage), "--name", f"kill-{point}"], at_point)
        batch_id = _query(editron_home, "SELECT id FROM media_batches WHERE reference_name = "
                                        f"'kill-{point}'")[0][0]
        status = _cli("status", batch_id)
        if status["status"] == "ready":
            continue  # it finished before the kill landed
        interrupted += 1
        assert status["run"]["state"] == "interrupted", status
        assert "file(s) recorded so far" in status["run"]["done"]
        assert "editron resume" in status["next"]
        resumed = _cli("resume", batch_id)
        assert resumed["status"] == "ready" and resumed["file_count"] == 2
        rows = _query(editron_home, f"SELECT relative_path, status FROM media_files WHERE "
                                    f"batch_id = '{batch_id}'")
        assert sorted(r[0] for r in rows) == ["ambience.wav", "broken.mp4",
                                              "day1/keynote.mp4", "keynote_copy.mp4"]
        assert sorted(r[1] for r in rows) == ["duplicate", "failed", "ready", "ready"]
        ids = {r[0] for r in _query(editron_home, "SELECT id FROM media_files WHERE batch_id"
                                                  f" = '{batch_id}' AND status = 'ready'")}
        derived = editron_home / "media" / "batches" / batch_id / "derived"
        assert {p.name for p in derived.iterdir()} == ids  # no folder of a discarded row
        assert _cli("status", batch_id)["run"]["state"] == "done"
    assert interrupted >= 2


def _interrupt_ingest(footage: Path, home: Path, name: str) -> str | None:
    """A CLI ingest of ``footage`` called ``name``, killed once its first file is recorded;
    the batch id, or None when it finished before the kill landed."""
    def after_first() -> bool:
        return (_events(home, "batch.%", name) >= 2 and _events(home, "file.%", name) >= 1)
    _kill_when(["ingest", str(footage), "--name", name], after_first)
    batch_id = _query(home, f"SELECT id FROM media_batches WHERE reference_name = '{name}'")[0][0]
    return None if _cli("status", batch_id)["status"] == "ready" else batch_id


def test_ingesting_an_interrupted_source_again_finishes_that_batch(
        footage: Path, editron_home: Path) -> None:
    """#17.3: the same ingest command run again resumes the interrupted batch of that
    source; ``--new`` makes a fresh one beside it."""
    tries: list[str | None] = []
    while len(tries) < 3 and not any(tries):
        tries.append(_interrupt_ingest(footage, editron_home, f"again-{len(tries)}"))
    batch_id = tries[-1]
    assert batch_id is not None, "no kill landed before the ingest finished"
    fresh = _cli("ingest", str(footage), "--new")
    assert fresh["batch_id"] != batch_id and fresh["status"] == "ready"
    assert _cli("status", batch_id)["run"]["state"] == "interrupted"  # --new left it be
    again = _cli("ingest", str(footage))
    assert again["batch_id"] == batch_id and again["status"] == "ready"
    assert again["file_count"] == 2
    names = _query(editron_home, "SELECT relative_path FROM media_files WHERE batch_id = "
                                 f"'{batch_id}' ORDER BY relative_path")
    assert [n[0] for n in names] == ["ambience.wav", "broken.mp4", "day1/keynote.mp4",
                                     "keynote_copy.mp4"]
    runs = _query(editron_home, f"SELECT status FROM job_runs WHERE entity_id = '{batch_id}'")
    assert runs == [("done",)]  # the interrupted run itself was finished, not a second one
    finished = _query(editron_home, "SELECT id FROM media_batches WHERE status = 'ready'")
    # The resumed batch, the --new one and any try the kill came too late for; no other.
    assert len(finished) == 2 + tries.count(None)
    assert _cli("status", batch_id)["run"]["state"] == "done"


def test_a_killed_analysis_is_interrupted_and_resumes(footage: Path,
                                                      editron_home: Path) -> None:
    batch_id = _cli("ingest", str(footage))["batch_id"]
    interrupted = 0
    for delay, finish in ((0.0, "resume"), (0.0, "analyze"), (0.15, "resume")):
        running: list[float] = []

        def at_point(delay: float = delay, running: list[float] = running) -> bool:
            # A moment after this run's analysis row appears: early and later in the work.
            if not running and _query(editron_home, "SELECT id FROM media_batch_analyses "
                                                    "WHERE status = 'running'"):
                running.append(time.monotonic())
            return bool(running) and time.monotonic() - running[0] >= delay
        _kill_when(["analyze", batch_id, "--passes", "1"], at_point)
        status = _cli("status", batch_id)
        if status["status"] == "analyzed":
            continue
        interrupted += 1
        assert status["status"] == "analyzing" and status["run"]["state"] == "interrupted"
        assert status["run"]["operation"] == "analyze_media_batch"
        if finish == "resume":
            assert _cli("resume", batch_id)["status"] == "analyzed"
        else:  # the same command again takes the dead run over
            assert _cli("analyze", batch_id, "--passes", "1")["status"] == "complete"
        states = [r[0] for r in _query(editron_home, "SELECT status FROM media_batch_analyses "
                                                     "ORDER BY created_at")]
        assert states[-1] == "complete" and "running" not in states
    assert interrupted >= 2


def test_an_analysis_whose_worker_died_is_retried_by_the_next(
        footage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")
    settings = ready(Settings())
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    job_id = enqueue(ANALYZE_OPERATION, AnalyzeJob(batch_id=batch.batch_id, max_iterations=1),
                     settings=settings, entity_type="batch", entity_id=batch.batch_id)
    with db(settings) as session:  # a worker on another machine took it, began, and died
        job_runs.claim(session, job_id, worker_id="elsewhere:1:dead")
        row = repos.batches.get_batch(session, batch.batch_id)
        repos.batches.set_batch_status(session, row, BatchStatus.ANALYZING)
        repos.analyses.create_analysis(session, batch_id=batch.batch_id)
        session.execute(update(JobRun).where(JobRun.id == job_id)
                        .values(heartbeat_at="2000-01-01T00:00:00.000000Z"))
    assert recover_jobs(settings).requeued == [job_id]
    execute_job(job_id, settings)  # the next worker
    with db(settings) as session:
        assert job_runs.get_run(session, job_id).status == "done"  # type: ignore[union-attr]
        assert repos.batches.get_batch(session, batch.batch_id).status == "analyzed"
        states = sorted(a.status for a in repos.analyses.list_analyses(session,
                                                                       batch.batch_id))
    assert states == ["complete", "failed"]


WORKER = """
import sys
from concurrent.futures import ThreadPoolExecutor
from editron.media.ffmpeg import run_ffmpeg
args = ["-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "600", "-f", "null",
        "-"]
with ThreadPoolExecutor(1) as pool:  # as previews do: ffmpeg started from a pool thread
    pool.submit(run_ffmpeg, args).result()
"""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_ffmpeg_dies_with_its_sigkilled_worker() -> None:
    worker = subprocess.Popen([sys.executable, "-c", WORKER])
    deadline = time.monotonic() + 30
    ffmpeg: list[int] = []
    while not ffmpeg and time.monotonic() < deadline:
        ffmpeg = [c for c in _children(worker.pid) if _alive(c)
                  and b"testsrc" in Path(f"/proc/{c}/cmdline").read_bytes()]
        time.sleep(0.05)
    assert ffmpeg, "the worker never started ffmpeg"
    time.sleep(0.5)
    assert _alive(ffmpeg[0])
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 5
    while _alive(ffmpeg[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(ffmpeg[0])
    if alive:
        os.kill(ffmpeg[0], signal.SIGKILL)
    assert not alive, "ffmpeg outlived its worker"


def _edit_state(home: Path, batch_id: str) -> tuple[list[tuple], Path]:  # type: ignore[type-arg]
    """The batch's sessions (id, status, timelines JSON), newest last, and its edits folder."""
    rows = _query(home, "SELECT id, status, timelines FROM edit_sessions WHERE batch_id = "
                        f"'{batch_id}' ORDER BY created_at")
    return rows, home / "media" / "batches" / batch_id / "edits"


def _edit_killer(home: Path, batch_id: str, before: int, point: int) -> Callable[[], bool]:
    """True at kill point ``point`` of the next edit: its session row made (0), its exports
    being staged or written (1), its review previews being rendered (2)."""
    def ready_to_kill() -> bool:
        rows, edits = _edit_state(home, batch_id)
        if len(rows) <= before:
            return False
        session_id = rows[-1][0]
        if point == 0:
            return True
        if point == 1:
            return (edits / f"{session_id}.part").exists() or (edits / session_id).exists()
        return (edits / session_id / "previews").exists()
    return ready_to_kill


def _assert_one_clean_set(home: Path, batch_id: str, expected_files: set[str]) -> None:
    """Every session assembled once: one run, one assembled event, its timelines once each,
    the same files as an uninterrupted edit's and nothing half-written anywhere."""
    rows, edits = _edit_state(home, batch_id)
    for session_id, status, timelines in rows:
        assert status == "needsreview", (session_id, status)
        keys = [(t["aspect_ratio"], t["variant"]) for t in json.loads(timelines)]
        assert keys and len(keys) == len(set(keys))
        runs = _query(home, f"SELECT status FROM job_runs WHERE entity_id = '{session_id}'")
        assert runs == [("done",)], runs
        assembled = _query(home, "SELECT id FROM events WHERE event_type = "
                                 f"'edit_session.assembled' AND entity_id = '{session_id}'")
        assert len(assembled) == 1
        files = {str(p.relative_to(edits / session_id)) for p in (edits / session_id).rglob("*")
                 if p.is_file()}
        assert files == expected_files, files ^ expected_files
    assert {p.name for p in edits.iterdir()} == {r[0] for r in rows}  # no staging, no strays
    assert not list(edits.rglob("*.part"))


def test_a_killed_edit_is_interrupted_and_resumes(analysed_event: AnalysedEvent,
                                                 editron_home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home, batch_id = analysed_event.settings.home_dir, analysed_event.batch_id
    monkeypatch.setenv("EDITRON_HOME", str(home))
    edit = ["edit", batch_id, "--deliverable", "social", "--ratios", "16:9,9:16"]
    reference = _cli(*edit)  # an edit nobody kills: what every resumed one must equal
    folder = local_folder(analysed_event.settings, reference["exports"]["folder"])
    expected = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert any(name.startswith("previews/") for name in expected)
    interrupted = 0
    for point, finish in ((0, "resume"), (1, "edit"), (2, "resume"), (1, "resume")):
        before = len(_edit_state(home, batch_id)[0])
        _kill_when(edit, _edit_killer(home, batch_id, before, point))
        rows = _edit_state(home, batch_id)[0]
        assert len(rows) == before + 1  # the kill landed after the session was made
        status = _cli("status", batch_id)
        if rows[-1][1] == "needsreview" and status["run"]["state"] == "done":
            continue  # it finished before the kill landed
        interrupted += 1
        run = status["run"]
        assert run["state"] == "interrupted" and run["operation"] == "generate_video_edits"
        assert rows[-1][0] in run["done"] and "export file(s) written" in run["done"]
        assert "editron resume" in status["next"]
        if finish == "resume":
            resumed = _cli("resume", batch_id)
            assert resumed["run"]["state"] == "done"
        else:  # the same command again finishes the same session
            assert _cli(*edit)["session_id"] == rows[-1][0]
        assert len(_edit_state(home, batch_id)[0]) == before + 1
        assert _cli("status", batch_id)["run"]["state"] == "done"
        _assert_one_clean_set(home, batch_id, expected)
    assert interrupted >= 3


def test_a_killed_render_is_interrupted_and_resumes(analysed_event: AnalysedEvent,
                                                   editron_home: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``editron render`` killed while its first or its second render job is rendering:
    ``status`` names the render run interrupted, ``resume`` renders that job again from the
    start and the ones the killed process never reached, each once."""
    home, batch_id = analysed_event.settings.home_dir, analysed_event.batch_id
    monkeypatch.setenv("EDITRON_HOME", str(home))
    interrupted = 0
    for point in (0, 1):  # the first job rendering; the first complete, the second rendering
        session_id = _cli("edit", batch_id, "--deliverable", "social", "--ratios", "16:9,9:16",
                          "--no-preview")["session_id"]
        where = f"FROM render_jobs WHERE edit_session_id = '{session_id}'"

        def at_point(where: str = where, point: int = point) -> bool:
            states = [r[0] for r in _query(home, f"SELECT status {where} ORDER BY created_at")]
            return states.count("complete") == point and "rendering" in states
        _kill_when(["render", session_id, "--no-review"], at_point)
        status = _cli("status", batch_id)
        if status["run"]["state"] != "interrupted":
            continue  # it finished before the kill landed
        interrupted += 1
        assert status["run"]["operation"] == "render_job"
        assert f"{point} of 2 render(s)" in status["run"]["done"], status["run"]
        again = _cli("render", session_id, "--no-review", check=False)  # refused: says how
        assert f"editron resume {batch_id}" in json.dumps(again)
        assert _cli("resume", batch_id)["run"]["state"] == "done"
        jobs = _query(home, f"SELECT id, status, output_urls {where}")
        assert len(jobs) == 2 and {j[1] for j in jobs} == {"complete"}
        for job_id, _, urls in jobs:
            assert _query(home, f"SELECT status FROM job_runs WHERE entity_id = '{job_id}'") \
                == [("done",)]
            (url,) = json.loads(urls)  # the default destination: the media store
            assert url.startswith(f"store:batches/{batch_id}/renders/{job_id}/")
            assert resolve_local(analysed_event.settings, url.removeprefix("store:")).is_file()
            assert not (home / "renders" / job_id).exists()
        stored = analysed_event.settings.batch_dir(batch_id) / "renders"
        delivered = [p for j in jobs for p in (stored / j[0]).iterdir()]
        assert len([p for p in delivered if p.suffix == ".mp4"]) == 2  # beside any captions
        assert not [p for p in delivered if p.name.endswith(".part")]
        assert _query(home, f"SELECT status FROM edit_sessions WHERE id = '{session_id}'") == [
            ("complete",)]
    assert interrupted >= 1
