"""The CLI as a new user meets it: ids by any unique prefix (as git does), tables that show ids
at a length that works as such a prefix and print whole values when piped, every object
findable (show, sessions, session, status with the next command), --version, -q, completion,
doctor, and a render refused while one is still running unless --force."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from editron.cli import output
from editron.cli.main import main
from editron.config import Settings, default_home, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.edit import generate_video_edits
from editron.services.ids import display_ids, resolve_id
from editron.services.render import render_video_deliverables
from tests.conftest import AnalysedEvent


@pytest.fixture()
def event_home(analysed_event: AnalysedEvent, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_HOME", str(analysed_event.settings.home_dir))
    reset_settings()
    return analysed_event.settings


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def _social(ev: AnalysedEvent) -> str:
    return generate_video_edits(batch_id=ev.batch_id, deliverable_type="social",
                                aspect_ratios=["16:9"], settings=ev.settings).session_id


def test_any_unique_prefix_names_an_object(event_home: Settings, analysed_event: AnalysedEvent,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    batch = analysed_event.batch_id
    code, out, _ = _run(["status", batch[:8], "--json"], capsys)
    assert code == 0 and json.loads(out)["batch_id"] == batch
    session = _social(analysed_event)
    for prefix in (session[:6], session[:8].upper(), session):
        code, out, _ = _run(["show", prefix, "--json"], capsys)
        found = json.loads(out)
        assert code == 0 and (found["kind"], found["id"]) == ("edit session", session)
    code, out, _ = _run(["session", session[:7], "--json"], capsys)
    assert json.loads(out)["session_id"] == session
    code, out, _ = _run(["sessions", batch[:8], "--json"], capsys)
    assert session in [s["session_id"] for s in json.loads(out)["sessions"]]


def test_tables_show_each_id_long_enough_to_be_a_prefix(settings: Settings) -> None:
    ready(settings)
    twins = ["aaaaaaaa-bbbb-4000-8000-000000000001", "aaaaaaaa-bbbb-4000-8000-000000000002",
             "aaaaaaaa-cccc-4000-8000-000000000003", "f0000000-0000-4000-8000-000000000004"]
    with db(settings) as session:
        for twin in twins:
            repos.batches.create_batch(session, id=twin, reference_name=twin,
                                       source_url="/x", source_type="local",
                                       storage_tier="hot")
    shown = display_ids("batch", twins, settings=settings)
    assert shown[twins[3]] == "f0000000"  # 8 characters where 8 are enough
    assert shown[twins[2]] == "aaaaaaaa-c"  # never cut shorter than unique
    assert shown[twins[0]] == twins[0] and shown[twins[1]] == twins[1]  # they differ last
    for full, short in shown.items():
        assert resolve_id(short, "batch", settings=settings) == full


def test_a_piped_table_prints_whole_values_tab_separated(
        event_home: Settings, analysed_event: AnalysedEvent) -> None:
    env = {**os.environ, "EDITRON_HOME": str(event_home.home_dir)}
    proc = subprocess.run([sys.executable, "-m", "editron", "batches"], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    header, *rows = proc.stdout.splitlines()
    assert header.split("\t") == ["id", "name", "status", "tier", "files", "size", "created"]
    assert [r.split("\t")[0] for r in rows] == [analysed_event.batch_id]


def test_a_terminal_table_shows_the_short_id_that_cancel_render_takes(
        event_home: Settings, analysed_event: AnalysedEvent,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    session = _social(analysed_event)
    request = render_video_deliverables(edit_session_id=session, settings=event_home,
                                        enqueue_jobs=False, no_review=True)
    job = request.render_job_ids[0]
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(["renders", session[:8]], capsys)
    shown = display_ids("render job", [job], settings=event_home)[job]
    assert code == 0 and shown in out
    code, out, err = _run(["cancel-render", shown, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["status"] == "cancelled"


def test_status_says_what_to_do_next(event_home: Settings, analysed_event: AnalysedEvent,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["status", analysed_event.batch_id, "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and [t["stage"] for t in doc["tasks"]][:2] == ["ingest", "analyze"]
    assert "editron " in doc["next"]
    session = _social(analysed_event)
    code, out, _ = _run(["status", analysed_event.batch_id, "--json"], capsys)
    doc = json.loads(out)
    assert doc["sessions"][0]["session_id"] == session
    assert f"editron render {session}" in doc["next"]


def test_a_second_render_while_one_is_queued_needs_force(
        event_home: Settings, analysed_event: AnalysedEvent,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    session = _social(analysed_event)
    monkeypatch.setenv("EDITRON_QUEUE_URL", "memory://")  # queued, never run here
    reset_settings()
    code, out, err = _run(["render", session, "--json"], capsys)
    assert code == 2 and "--no-review" in err and json.loads(out)["error"]["code"] == \
        "review_required"
    code, out, _ = _run(["render", session, "--no-review", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["jobs"]) == 1
    code, out, err = _run(["render", session, "--json"], capsys)
    assert code == 2 and "--force" in err and json.loads(out)["error"]["code"] == \
        "invalid_state"
    code, out, _ = _run(["render", session, "--force", "--json"], capsys)
    assert code == 0 and len(json.loads(out)["jobs"]) == 1


def test_version_quiet_completion_and_doctor(event_home: Settings,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from editron import __version__

    code, out, _ = _run(["--version"], capsys)
    assert code == 0 and out.strip() == f"editron {__version__}"
    code, out, _ = _run(["--show-completion", "bash"], capsys)
    assert code == 0 and "complete" in out and "editron" in out
    code, out, _ = _run(["doctor", "--json"], capsys)
    report = json.loads(out)
    names = [c["name"] for c in report["checks"]]
    assert names[:4] == ["home", "database", "queue", "disk"] and "ffmpeg" in names
    assert "speech model" in names and report["home"] == str(event_home.home_dir)


def test_quiet_hides_progress_bars(media_dir: Path, tmp_path: Path) -> None:
    footage = tmp_path / "footage"
    footage.mkdir()
    (footage / "a.mp4").write_bytes((media_dir / "clip.mp4").read_bytes())
    env = {**os.environ, "EDITRON_HOME": str(tmp_path / "home")}
    loud = subprocess.run([sys.executable, "-m", "editron", "ingest", str(footage)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    quiet = subprocess.run([sys.executable, "-m", "editron", "-q", "ingest", str(footage)],
                           capture_output=True, text=True, env=env, timeout=300, check=True)
    assert "━" in loud.stderr and quiet.stderr == ""


def test_the_home_does_not_follow_the_current_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDITRON_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().home_dir == Path.home() / ".local" / "share" / "editron"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_home() == tmp_path / "data" / "editron" == Settings().home_dir
