"""Saved timelines name media by store key; an export names them where this host's storage
folder holds them; the media store is a render destination (``store:``) bound to a job's
folder, idempotent, refused without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from editron.config import Settings
from editron.domain.timeline import Clip, FrameRate, MediaInfo, MusicBed, Timeline
from editron.edit.exporters import export_timeline
from editron.errors import InputError
from editron.render.destinations import parse_destination
from editron.render.destinations.store import MediaStoreDestination
from editron.services.render.request import default_destination
from editron.services.timeline_media import media_key, referenced
from editron.store import media_store

KEY = "batches/b-1/originals/day 1/keynote.mp4"
TL = Timeline("Demo", "social", 1, "16:9", 1920, 1080, FrameRate(25),
              (Clip("a", 10, 60, 0, "one"), Clip("b", 0, 25, 50, "two")),
              {"a": MediaInfo("a", KEY, 30.0, 25.0, 1920, 1080),
               "b": MediaInfo("b", "/cold/source/b.mov", 30.0, 25.0, 1920, 1080)},
              music=MusicBed("/home/editor/music/bed.wav"))


def test_an_export_names_a_key_under_this_hosts_storage_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", media_url=(tmp_path / "nas").as_uri())
    seen = referenced(TL, settings)
    assert seen.media["a"].path == str(tmp_path / "nas" / KEY)
    assert seen.media["b"].path == "/cold/source/b.mov", "a path outside the store stays"
    assert seen.music == TL.music and seen.clips == TL.clips
    fcpxml = str(export_timeline(seen, "fcpxml"))
    assert (tmp_path / "nas" / KEY).as_uri() in fcpxml
    # relative to the session's export folder, the reference follows the keys' layout
    folder = tmp_path / "nas" / "batches/b-1/edits/s-1"
    otio_doc = str(export_timeline(seen, "otio", path_mode="relative", relative_to=str(folder)))
    assert "../../originals/day%201/keynote.mp4" in otio_doc


def test_media_key_reads_keys_and_legacy_paths(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    assert media_key(settings, KEY) == KEY
    assert media_key(settings, str(settings.storage_dir / KEY)) == KEY
    assert media_key(settings, "/elsewhere/x.mp4") is None and media_key(settings, None) is None


def test_store_destination_delivers_into_the_jobs_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    assert default_destination(settings, "s-1") == "store:"
    destination = parse_destination("store:", settings=settings)
    assert isinstance(destination, MediaStoreDestination)
    rendered = tmp_path / "work" / "social_16x9.mp4"
    rendered.parent.mkdir()
    rendered.write_bytes(b"rendered bytes")
    with pytest.raises(InputError, match="job's own folder"):
        destination.deliver(rendered, rendered.name)
    bound = destination.for_render("batches/b-1/renders/j-1")
    first = bound.deliver(rendered, rendered.name)
    assert first.url == "store:batches/b-1/renders/j-1/social_16x9.mp4" and not first.skipped
    assert media_store(settings).local_path(first.url.removeprefix("store:")).read_bytes() \
        == b"rendered bytes"
    again = bound.deliver(rendered, rendered.name)
    assert again.skipped and again.url == first.url
    with pytest.raises(InputError, match="written just 'store:'"):
        parse_destination("store:somewhere", settings=settings)
    other = parse_destination(str(tmp_path / "out"), settings=settings)
    assert other.for_render("batches/b-1/renders/j-1") is other  # any other: itself
