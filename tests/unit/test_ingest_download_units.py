from __future__ import annotations

import email.utils

from editron.ingest.download import parse_content_range, parse_retry_after
from editron.ingest.mediatypes import is_archive_name, is_media_name


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(date, now=now) == 7.0
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0


def test_media_and_archive_names() -> None:
    assert is_media_name("A.MOV") and is_media_name("x/y/clip.m2ts") and is_media_name("a.wav")
    assert not is_media_name("notes.txt") and not is_media_name("mp4")
    assert is_archive_name("day1.zip") and is_archive_name("x.tar.gz") and is_archive_name("x.tgz")
    assert not is_archive_name("clip.mp4")


def test_content_range_parsing() -> None:
    assert parse_content_range("bytes 100-199/200") == (100, 199, 200)
    assert parse_content_range("bytes 0-9/*") == (0, 9, None)
    for bad in (None, "", "bytes */200", "items 0-9/10", "bytes 9-0/10", "bytes 0-10/10",
                "bytes 0-9/ten", "bytes x-9/10"):
        assert parse_content_range(bad) is None, bad
