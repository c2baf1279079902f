"""Watched Dropbox folders end to end: the fake api/content hosts on loopback
(tests/dropbox_api_server.py), real downloads through temporary links, real ingest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from editron.cli.main import app
from editron.config import Settings, reset_settings
from editron.db.models_ops import Event, JobRun
from editron.db.runtime import db
from editron.errors import DropboxApiError, InvalidStateError, NotFoundError
from editron.services.dropbox_poll import poll_all_active, poll_dropbox_source
from editron.services.ingest import get_batch, list_batches
from editron.services.sources import add_dropbox_source, list_sources, set_source_active
from tests.dropbox_api_server import FakeDropbox, serve_dropbox

TOKEN = "sl.SECRET-source-token-0123456789"
runner = CliRunner()


@pytest.fixture()
def fake() -> Iterator[FakeDropbox]:
    with serve_dropbox(token=TOKEN) as server:
        yield server


@pytest.fixture()
def dropbox_settings(fake: FakeDropbox, editron_home: Path) -> Settings:
    return Settings(dropbox_api_host=fake.api_url)


@pytest.fixture()
def gala(fake: FakeDropbox, media_dir: Path) -> FakeDropbox:
    fake.put("/Events/Gala/day1/Keynote.mp4", (media_dir / "clip.mp4").read_bytes())
    fake.put("/Events/Gala/ambience.wav", (media_dir / "audio_only.wav").read_bytes())
    fake.put("/Events/Gala/notes.txt", (media_dir / "notes.txt").read_bytes())
    fake.put("/Events/Other/elsewhere.mp4", (media_dir / "clip.mov").read_bytes())
    return fake


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _everything_stored(settings: Settings) -> str:
    """Every event payload and job argument, as text, to look for the token in."""
    with db(settings) as session:
        events = [json.dumps(e.payload) for e in session.scalars(select(Event))]
        jobs = [json.dumps(j.arguments) + (j.last_error or "")
                for j in session.scalars(select(JobRun))]
    return "\n".join(events + jobs)


def test_polls_ingest_new_media_once_each(gala: FakeDropbox, dropbox_settings: Settings,
                                          media_dir: Path) -> None:
    source = add_dropbox_source(folder_path="/Events/Gala/", access_token=TOKEN,
                                storage_tier="hot", settings=dropbox_settings)
    assert source.folder_path == "/Events/Gala" and source.has_token
    assert TOKEN not in source.model_dump_json()

    first = poll_dropbox_source(source.id, settings=dropbox_settings, defer_ingest=False)
    assert first.first_poll and first.batch_id
    assert sorted(first.new_files) == ["ambience.wav", "day1/Keynote.mp4"]
    assert first.skipped == ["notes.txt"]
    batch = get_batch(first.batch_id, settings=dropbox_settings)
    assert batch.status == "ready" and batch.file_count == 2
    assert batch.reference_name.startswith("Gala ")
    checksums = {f.relative_path: f.checksum_sha256 for f in batch.files}
    assert checksums == {
        "day1/Keynote.mp4": _sha((media_dir / "clip.mp4").read_bytes()),
        "ambience.wav": _sha((media_dir / "audio_only.wav").read_bytes()),
    }
    gets = gala.link_gets()
    assert len(gets) == 2 and all(g.status == 200 for g in gets)
    assert all(g.authorization is None for g in gets)  # temporary links need no token
    assert all(r.authorization == f"Bearer {TOKEN}" for r in gala.requests if r.host == "api")

    again = poll_dropbox_source(source.id, settings=dropbox_settings, defer_ingest=False)
    assert (again.first_poll, again.batch_id, again.new_files) == (False, None, [])
    assert len(gala.link_gets()) == 2
    assert len(list_batches(settings=dropbox_settings)) == 1

    gala.put("/Events/Gala/day2/Closing.mov", (media_dir / "clip.mov").read_bytes())
    third = poll_dropbox_source(source.id, settings=dropbox_settings, defer_ingest=False)
    assert third.new_files == ["day2/Closing.mov"] and third.batch_id not in (None,
                                                                             first.batch_id)
    newest = get_batch(third.batch_id or "", settings=dropbox_settings)
    assert [f.relative_path for f in newest.files] == ["day2/Closing.mov"]
    assert newest.files[0].checksum_sha256 == _sha((media_dir / "clip.mov").read_bytes())
    assert len(list_batches(settings=dropbox_settings)) == 2
    # The first poll's staging folder went once its batch had copied the files in.
    staging = dropbox_settings.home_dir / "dropbox" / source.id
    assert len([p for p in staging.iterdir() if p.is_dir()]) == 1
    assert TOKEN not in _everything_stored(dropbox_settings)
    listed = list_sources(settings=dropbox_settings)
    assert listed[0].watching and listed[0].last_polled_at
    assert TOKEN not in json.dumps([s.model_dump() for s in listed])


def test_paged_listing_and_expired_cursor(gala: FakeDropbox, dropbox_settings: Settings,
                                          media_dir: Path) -> None:
    gala.page_size = 1  # every entry on its own page: has_more is followed to the end
    source = add_dropbox_source(folder_path="/Events/Gala", access_token=TOKEN,
                                settings=dropbox_settings)
    first = poll_dropbox_source(source.id, settings=dropbox_settings, defer_ingest=False)
    assert sorted(first.new_files) == ["ambience.wav", "day1/Keynote.mp4"]
    # four entries (a folder among them): list_folder, then three more pages
    assert len(gala.calls("/2/files/list_folder/continue")) == 3
    gala.put("/Events/Gala/late.mkv", (media_dir / "clip.mkv").read_bytes())
    gala.expire_cursors()
    # A reset relists the folder but brings in only what changed since the last poll.
    after_reset = poll_dropbox_source(source.id, settings=dropbox_settings, defer_ingest=False)
    assert after_reset.new_files == ["late.mkv"]


def test_deferred_ingest_runs_on_the_queue(gala: FakeDropbox, monkeypatch: pytest.MonkeyPatch,
                                           fake: FakeDropbox) -> None:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    settings = Settings(dropbox_api_host=fake.api_url)
    source = add_dropbox_source(folder_path="/Events/Gala", access_token=TOKEN,
                                settings=settings)
    result = poll_dropbox_source(source.id, settings=settings)
    assert get_batch(result.batch_id or "", settings=settings).status == "ready"
    assert TOKEN not in _everything_stored(settings)


def test_paused_sources_and_bad_input(gala: FakeDropbox, dropbox_settings: Settings) -> None:
    source = add_dropbox_source(folder_path="/Events/Gala", access_token=TOKEN,
                                settings=dropbox_settings)
    with pytest.raises(InvalidStateError, match="already watched"):
        add_dropbox_source(folder_path="/events/gala", settings=dropbox_settings)
    set_source_active(source.id, False, settings=dropbox_settings)
    with pytest.raises(InvalidStateError, match="paused"):
        poll_dropbox_source(source.id, settings=dropbox_settings)
    assert poll_dropbox_source(source.id, settings=dropbox_settings, skip_paused=True).paused
    assert poll_all_active(dropbox_settings) == []
    with pytest.raises(NotFoundError):
        poll_dropbox_source("no-such-source", settings=dropbox_settings)
    assert gala.requests == []


def test_dropbox_refusals_name_the_folder_not_the_token(
        gala: FakeDropbox, dropbox_settings: Settings) -> None:
    missing = add_dropbox_source(folder_path="/Events/Nope", access_token=TOKEN,
                                 settings=dropbox_settings)
    with pytest.raises(DropboxApiError) as caught:
        poll_dropbox_source(missing.id, settings=dropbox_settings)
    assert "dropbox:/Events/Nope" in str(caught.value)
    assert "path/not_found" in str(caught.value)
    wrong = add_dropbox_source(folder_path="/Events/Gala", access_token="sl.WRONG-token",
                               settings=dropbox_settings)
    results = poll_all_active(dropbox_settings)
    assert {r.source_id for r in results} == {missing.id, wrong.id}
    refused = next(r for r in results if r.source_id == wrong.id)
    assert refused.error and "invalid_access_token" in refused.error
    assert "sl.WRONG-token" not in refused.error
    assert list_sources(settings=dropbox_settings)[0].watching is False


def test_cli_sources_json(gala: FakeDropbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITRON_DROPBOX_TOKEN", TOKEN)
    monkeypatch.setenv("EDITRON_DROPBOX_API_HOST", gala.api_url)
    reset_settings()
    added = runner.invoke(app, ["sources", "add", "/Events/Gala", "--account", "dbid:abc",
                                "--tier", "warm", "--json"])
    assert added.exit_code == 0, added.output
    doc = json.loads(added.stdout)
    assert doc["folder_path"] == "/Events/Gala" and doc["has_token"] is False
    assert doc["account_id"] == "dbid:abc" and doc["storage_tier"] == "warm"
    polled = runner.invoke(app, ["sources", "poll", "--json"])
    assert polled.exit_code == 0, polled.output
    polls = json.loads(polled.stdout)["polls"]
    assert len(polls) == 1 and sorted(polls[0]["new_files"]) == ["ambience.wav",
                                                                 "day1/Keynote.mp4"]
    one = json.loads(runner.invoke(app, ["sources", "poll", doc["id"], "--json"]).stdout)
    assert one["polls"][0]["batch_id"] is None
    paused = runner.invoke(app, ["sources", "pause", doc["id"], "--json"])
    assert json.loads(paused.stdout)["active"] is False
    listed = runner.invoke(app, ["sources", "list", "--json"])
    assert json.loads(listed.stdout)["sources"][0]["active"] is False
    resumed = runner.invoke(app, ["sources", "resume", doc["id"], "--json"])
    assert json.loads(resumed.stdout)["active"] is True
    for output in (added, polled, paused, listed, resumed):
        assert TOKEN not in output.output
    for args in (["sources", "poll", "no-such-source", "--json"],
                 ["sources", "pause", "no-such-source"],
                 ["sources", "add", "Events/Gala", "--json"],
                 ["sources", "add", "/Events/../x"]):
        bad = runner.invoke(app, args)
        assert bad.exit_code == 2, (args, bad.output)
        if "--json" in args:  # one JSON error document, nothing else
            assert set(json.loads(bad.stdout)) == {"error"}, bad.stdout
        else:
            assert bad.stdout == ""
    assert TOKEN not in _everything_stored(Settings())
