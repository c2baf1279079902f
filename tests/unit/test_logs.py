from __future__ import annotations

import json
import logging

import pytest

from editron.logs import bind, configure_logging


def test_json_lines_carry_bound_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json", level="INFO")
    log = logging.getLogger("editron.test")
    with bind(batch_id="b-1"), bind(job_id="j-9"):
        log.info("probing %s", "a.mp4")
    log.info("outside")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "probing a.mp4"
    assert lines[0]["batch_id"] == "b-1" and lines[0]["job_id"] == "j-9"
    assert "batch_id" not in lines[1]


def test_text_format_appends_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="text", level="INFO")
    with bind(session_id="s-2"):
        logging.getLogger("editron.x").warning("hello")
    err = capsys.readouterr().err
    assert "hello" in err and "session_id=s-2" in err
