"""Every CLI command given bad input answers with exit code 2 (or 1 for a failure that is not
the caller's), one line on stderr, a JSON error document with a stable code under --json, and
never a traceback unless EDITRON_DEBUG=1: unknown ids, malformed options, an unusable home
and a database another process holds locked."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from editron.cli.main import main
from editron.config import Settings
from editron.services.ingest import ingest_media_batch
from tests import media_factory as mf

UNKNOWN = "deadbeef-0000"
BAD_INPUT: list[list[str]] = [
    ["status", UNKNOWN], ["show", UNKNOWN], ["analyze", UNKNOWN],
    ["edit", UNKNOWN, "--deliverable", "recap"], ["export", UNKNOWN, "--format", "edl",
                                                  "--out", "x.edl"],
    ["render", UNKNOWN], ["renders", UNKNOWN], ["cancel-render", UNKNOWN],
    ["retry-render", UNKNOWN], ["session", UNKNOWN], ["sessions", UNKNOWN],
    ["tokens", "revoke", UNKNOWN], ["sources", "pause", UNKNOWN], ["sources", "poll", UNKNOWN],
    ["show", "ab"],  # too short to be a prefix
    ["ingest", "ftp://host/x"], ["ingest", "/no/such/folder"],
    ["ingest", "{footage}", "--project", UNKNOWN], ["ingest", "{footage}", "--tier", "tepid"],
    ["batches", "--status", "bogus"], ["batches", "--limit", "0"], ["--log-level", "bogus",
                                                                    "batches"],
    ["analyze", "{batch}", "--passes", "9"], ["analyze", "{batch}", "--scope", "trailer"],
    ["analyze", "{batch}", "--analysers", "nosuch"], ["analyze", "{batch}", "--model", "huge"],
    ["edit", "{batch}", "--deliverable", "trailer"], ["edit", "{batch}", "--deliverable",
                                                      "recap", "--ratios", "4:3"],
    ["edit", "{batch}", "--deliverable", "recap", "--style", "baroque"],
    ["edit", "{batch}", "--deliverable", "recap"],  # not analysed yet: wrong state
    ["render", UNKNOWN, "--priority", "asap"], ["export", UNKNOWN, "--format", "docx",
                                                "--out", "x.docx"],
    ["tools", "--format", "yaml"], ["sources", "add", "relative/folder"], ["nosuchcommand"],
]


@pytest.fixture()
def home(settings: Settings, tmp_path: Path) -> dict[str, str]:
    footage = tmp_path / "footage"
    footage.mkdir()
    mf.make_clip(footage / "a.mp4", seconds=1.0)
    batch = ingest_media_batch(source_url=str(footage), settings=settings)
    return {"footage": str(footage), "batch": batch.batch_id}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


@pytest.mark.parametrize("args", BAD_INPUT, ids=lambda a: " ".join(a)[:60])
def test_bad_input_is_exit_2_one_line_and_a_json_error(args: list[str], home: dict[str, str],
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    argv = [a.format(**home) for a in args]
    code, out, err = _run(argv, capsys)
    assert code == 2, (argv, err)
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert out == "" or "--help" in argv
    code, out, err = _run([*argv, "--json"], capsys)
    assert code == 2, (argv, err)
    doc = json.loads(out)["error"]
    assert doc["exit_code"] == 2 and doc["code"] and doc["message"] in err


def test_an_unusable_home_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EDITRON_HOME", str(blocker / "home"))
    from editron.config import reset_settings

    reset_settings()
    for argv in (["batches"], ["tokens", "create", "--name", "x"]):
        code, out, err = _run(argv, capsys)
        assert code == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and "EDITRON_HOME" in err, err
    code, out, err = _run(["doctor", "--json"], capsys)  # the report says what is wrong
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and not checks["home"]["ok"] and "EDITRON_HOME" in checks["home"]["detail"]


def test_a_locked_database_is_exit_1_with_a_reason_and_no_traceback(
        home: dict[str, str], settings: Settings) -> None:
    database = settings.home_dir / "editron.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process mid-write
    try:
        env = {**os.environ, "EDITRON_HOME": str(settings.home_dir),
               "EDITRON_DATABASE_BUSY_SECONDS": "0.5"}
        proc = subprocess.run([sys.executable, "-m", "editron", "tokens", "create", "--name",
                               "ops", "--json"], capture_output=True, text=True, env=env,
                              timeout=120, check=False)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 1, proc.stderr
    assert "locked by another Editron process" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"]["code"] == "database_busy"


def test_debug_shows_the_traceback(home: dict[str, str]) -> None:
    env = {**os.environ, "EDITRON_DEBUG": "1"}
    proc = subprocess.run([sys.executable, "-m", "editron", "status", UNKNOWN],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    assert "NotFoundError" in proc.stderr
