"""#17.1: over HTTP and MCP a local path or file:// URL is ingested only inside an import root
(EDITRON_IMPORT_ROOTS), and every other one gets one answer that says nothing about it: the
same status and message whether the path exists, is a folder, escapes by ``..`` or by a
symlink, or names nothing at all. The CLI keeps its user's rights."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client.client import Client
from typer.testing import CliRunner

from editron.api.app import create_app
from editron.cli.main import app as cli
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.domain.access import ALL_SCOPES
from editron.ingest.sources import NOT_ALLOWED
from editron.mcp.server import build_server


@pytest.fixture()
def confined(tmp_path: Path, footage: Path, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[tuple[Settings, Path, list[str]]]:
    """Settings whose one import root is ``imports/`` (holding a copy of the footage), and
    sources outside it: existing and missing, absolute, file://, ``..`` and symlink escapes."""
    root = tmp_path / "imports"
    root.mkdir()
    (root / "event").symlink_to(footage, target_is_directory=True)  # a link out of the root
    inside = root / "gala"
    inside.mkdir()
    for clip in footage.rglob("*.mp4"):
        (inside / clip.name).write_bytes(clip.read_bytes())
    monkeypatch.setenv("EDITRON_IMPORT_ROOTS", os.pathsep.join([str(root), str(tmp_path / "x")]))
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    outside = [str(footage), "/etc", "/etc/passwd", "/no/such/folder", f"file://{footage}",
               "file:///etc/passwd", "file:///no/such/file.mp4", f"{root}/../footage",
               f"{root}/event", f"{root}/event/day1/keynote.mp4", "~", "~nosuchuser/x",
               "footage", f"file://{root}/../footage"]
    yield ready(Settings()), inside, outside


def test_http_refuses_every_path_outside_the_roots_alike(
        confined: tuple[Settings, Path, list[str]]) -> None:
    settings, inside, outside = confined
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="tests", scopes=ALL_SCOPES)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as http:
        answers = []
        for source in outside:
            reply = http.post("/api/batches", json={"source_url": source}, headers=auth)
            body = reply.json()
            answers.append((reply.status_code, body["detail"], body.get("code")))
            assert "skipped" not in reply.text
        assert set(answers) == {(422, NOT_ALLOWED, "source_not_allowed")}, answers
        listed = http.get("/api/batches", headers=auth).json()["items"]
        assert listed == []  # nothing was created for any of them
        made = http.post("/api/batches", json={"source_url": str(inside)}, headers=auth)
        assert made.status_code == 202, made.text
        batch = http.get(f"/api/batches/{made.json()['id']}", headers=auth).json()
        assert batch["status"] == "ready" and batch["file_count"] == 1
        as_url = http.post("/api/batches", json={"source_url": inside.as_uri()}, headers=auth)
        assert as_url.status_code == 202, as_url.text


def test_no_roots_means_no_local_paths_over_http(
        footage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_IMPORT_ROOTS", "")
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    settings = ready(Settings())
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="tests", scopes=ALL_SCOPES)
    with TestClient(create_app(settings)) as http:
        reply = http.post("/api/batches", json={"source_url": str(footage)},
                          headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 422 and reply.json()["detail"] == NOT_ALLOWED


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def test_mcp_refuses_every_path_outside_the_roots_alike(
        confined: tuple[Settings, Path, list[str]]) -> None:
    settings, inside, outside = confined

    async def scenario() -> None:
        async with Client(build_server(settings)) as client:
            answers = set()
            for source in outside:
                result = await client.call_tool("ingest_media_batch", {"source_url": source})
                assert result.is_error
                answers.add(_text(result))
            assert answers == {f"Error executing tool ingest_media_batch: {NOT_ALLOWED}"}
            made = await client.call_tool("ingest_media_batch", {"source_url": str(inside)})
            assert not made.is_error, _text(made)

    anyio.run(scenario)


def test_the_cli_keeps_its_users_rights(confined: tuple[Settings, Path, list[str]],
                                        footage: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", str(footage), "--json"])
    assert result.exit_code == 0, result.output


def test_brand_files_over_http_are_confined_to_the_roots_alike(
        confined: tuple[Settings, Path, list[str]], tmp_path: Path) -> None:
    settings, inside, outside = confined
    logo = inside / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    secret_logo = tmp_path / "private-logo.png"  # exists, but outside every root
    secret_logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    with db(settings) as session:
        _, token = repos.tokens.create_token(session, name="tests", scopes=ALL_SCOPES)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as http:
        answers = set()
        for key in ("logo_path", "font_path"):
            for path in [*outside, str(secret_logo)]:
                reply = http.post("/api/projects", headers=auth,
                                  json={"name": "Gala", "brand": {key: path}})
                answers.add((reply.status_code, reply.json()["detail"], reply.json()["code"]))
        assert answers == {(422, NOT_ALLOWED, "source_not_allowed")}, answers
        assert http.get("/api/projects", headers=auth).json() == []  # none was made
        made = http.post("/api/projects", headers=auth,
                         json={"name": "Gala", "brand": {"logo_path": str(logo)}})
        assert made.status_code == 201, made.text
        assert made.json()["brand"]["logo_path"] == str(logo.resolve())
        project_id = made.json()["id"]
        moved = http.patch(f"/api/projects/{project_id}", headers=auth,
                           json={"brand": {"font_path": str(secret_logo)}})
        assert (moved.status_code, moved.json()["detail"]) == (422, NOT_ALLOWED)
        kept = http.get(f"/api/projects/{project_id}", headers=auth).json()["brand"]
        assert "font_path" not in kept
        cleared = http.patch(f"/api/projects/{project_id}", headers=auth,
                             json={"brand": {"logo_path": None}})
        assert cleared.status_code == 200 and "logo_path" not in cleared.json()["brand"]


def test_the_cli_sets_brand_files_with_its_users_rights(
        confined: tuple[Settings, Path, list[str]], tmp_path: Path) -> None:
    logo = tmp_path / "private-logo.png"  # outside every root: the CLI's user may use it
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = CliRunner().invoke(cli, ["projects", "create", "Gala", "--brand",
                                      f"logo_path={logo}", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["brand"]["logo_path"] == str(logo.resolve())
