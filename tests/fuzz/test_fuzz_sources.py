"""Fuzzed source parsing: whatever text a user, a script or a network caller sends as a source,
the answer is a ``SourceSpec`` whose download name is one safe file name, or an
``UnsupportedSourceError`` with a one-line reason; never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editron.errors import UnsupportedSourceError
from editron.ingest.sources import parse_source
from tests.fuzz.budget import BUDGETS, fuzz_settings

HOST = "http://127.0.0.1:9"

_PIECES = st.sampled_from([
    "http://", "https://", "file://", "file:///", "ftp://", "HTTPS://", "//", "www.dropbox.com",
    "dropbox.com", "/s/", "/scl/fi/", "/scl/fo/", "/sh/", "?rlkey=k", "&dl=0", "example.com",
    "[::1]", ":8080", ":99999", "@", "user:pw@", "%2F", "%2e%2e%2F", "..", "/", "\\", "%00",
    "\x00", "\n", "\t", " ", "~", "~nosuchuser/", "C:", "clip.mp4", "a" * 300, "é", "🎬",
    "\u202e", "#frag", "%", "%zz", ";", "mailto:", "s3:",
])
_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(_PIECES, max_size=10).map("".join),
    st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=8).map("".join),
)


def _check(text: str) -> None:
    try:
        spec = parse_source(text, dropbox_content_host=HOST)
    except UnsupportedSourceError as exc:
        assert exc.message and "\n" not in exc.message.strip("\n")
        return
    assert spec.location
    # The download is saved as downloads/<filename>: one plain name, or it could land
    # anywhere ("..%2F..%2Fetc%2Fcron.d%2Fx" decodes to a path).
    name = spec.filename
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name
    assert not any(ord(c) < 32 or ord(c) == 127 for c in name), repr(name)
    assert len(name.encode()) <= 255
    assert "\x00" not in spec.location and "\n" not in spec.location


@pytest.mark.timeout(300)
@BUDGETS
def test_any_text_is_a_safe_source_or_a_clear_refusal(examples: int) -> None:
    @fuzz_settings(examples * 5)  # pure and fast: five times the budget
    @given(_TEXT)
    def check(text: str) -> None:
        _check(text)

    check()


@pytest.mark.parametrize("text", [
    "https://example.com/..%2F..%2Fetc%2Fcron.d%2Fevil.mp4",
    "https://www.dropbox.com/s/abc/..%2F..%2Fx.mp4?dl=0",
    "https://example.com/a%00b.mp4",
    "https://example.com/%2e%2e",
    "/" + "a" * 5000,
    "file:///" + "b" * 5000,
    "http://exa\x00mple.com/a.mp4",
    "~\x00",  # expanduser looked up a user named NUL: ValueError
    "~\x00:x",
])
def test_found_by_the_fuzzer(text: str) -> None:
    _check(text)
