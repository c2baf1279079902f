"""The Dropbox webhook signature, the notification body, folder paths, and the API client
against the fake api host (no database, no ffmpeg)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from editron.dropbox import webhook
from editron.dropbox.client import DropboxClient, DropboxEntry
from editron.dropbox.webhook import notified_accounts, verify_dropbox_signature
from editron.errors import (
    DropboxApiError,
    DropboxCursorReset,
    DropboxUnavailableError,
    IngestError,
    InputError,
    WebhookSignatureError,
)
from editron.services import dropbox_poll, sources
from tests.dropbox_api_server import ApiFault, FakeDropbox, serve_dropbox

SECRET = "app-secret-for-tests"
BODY = b'{"list_folder": {"accounts": ["dbid:A"]}, "delta": {"users": [12345]}}'


def _sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_good_bad_and_missing() -> None:
    good = _sign(BODY)
    assert verify_dropbox_signature(BODY, good, SECRET)
    assert verify_dropbox_signature(BODY, good.upper(), SECRET)  # hex case does not matter
    assert not verify_dropbox_signature(BODY + b" ", good, SECRET)  # the raw body is signed
    assert not verify_dropbox_signature(BODY, _sign(BODY, "other"), SECRET)
    assert not verify_dropbox_signature(BODY, good[:-1], SECRET)
    assert not verify_dropbox_signature(BODY, "", SECRET)
    assert not verify_dropbox_signature(BODY, None, SECRET)
    assert not verify_dropbox_signature(BODY, "é" * 64, SECRET)  # no crash on non-ASCII


def test_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    assert not verify_dropbox_signature(BODY, "0" * 64, SECRET)
    assert verify_dropbox_signature(BODY, _sign(BODY), SECRET)
    assert len(seen) == 2


def test_notification_accounts_and_users() -> None:
    assert notified_accounts(BODY) == {"dbid:A", "12345"}
    assert notified_accounts(b"{}") == set()
    assert notified_accounts(b'{"list_folder": []}') == set()
    with pytest.raises(InputError, match="not JSON"):
        notified_accounts(b"{nope")
    with pytest.raises(InputError, match="JSON object"):
        notified_accounts(b"[1]")


def test_webhook_without_secret_or_signature_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from editron.config import Settings

    monkeypatch.delenv("EDITRON_DROPBOX_APP_SECRET", raising=False)
    with pytest.raises(WebhookSignatureError, match="not configured"):
        sources.handle_dropbox_webhook(BODY, _sign(BODY), settings=Settings())
    monkeypatch.setenv("EDITRON_DROPBOX_APP_SECRET", SECRET)
    for signature in (None, "", _sign(BODY, "other")):
        with pytest.raises(WebhookSignatureError, match="X-Dropbox-Signature"):
            sources.handle_dropbox_webhook(BODY, signature, settings=Settings())


@pytest.mark.parametrize(("typed", "folder"), [
    ("/Events/Gala", "/Events/Gala"), ("/Events/Gala 2026/", "/Events/Gala 2026"),
    (" /a/b ", "/a/b"),
])
def test_folder_paths(typed: str, folder: str) -> None:
    assert sources._folder(typed) == folder


@pytest.mark.parametrize("typed", ["Events/Gala", "/", "", "/a//b", "/a/../b", "/a/./b",
                                   "/a\\b", "/a/\x00"])
def test_bad_folder_paths(typed: str) -> None:
    with pytest.raises(InputError):
        sources._folder(typed)


def test_relative_paths_stay_inside_the_folder() -> None:
    def entry(display: str) -> DropboxEntry:
        return DropboxEntry(path_display=display, path_lower=display.lower(), size=1)

    assert dropbox_poll._relative("/Events/Gala", entry("/events/GALA/Day1/a.mp4")) == "Day1/a.mp4"
    assert dropbox_poll._relative("/Events/Gala", entry("/Events/Gala2/a.mp4")) is None
    assert dropbox_poll._relative("/Events/Gala", entry("/Events/Gala/.hidden/a.mp4")) is None


@pytest.fixture()
def fake() -> Iterator[FakeDropbox]:
    with serve_dropbox(token="tok-unit-SECRET") as server:
        server.put("/Gala/a.mp4", b"a" * 10)
        server.put("/Gala/sub/b.wav", b"b" * 20)
        yield server


def _client(fake: FakeDropbox, token: str = "tok-unit-SECRET") -> DropboxClient:
    return DropboxClient(token, api_host=fake.api_url, max_attempts=3,
                         backoff_base_seconds=0.0, sleep=lambda _: None)


def test_client_lists_pages_and_changes(fake: FakeDropbox) -> None:
    fake.page_size = 1
    client = _client(fake)
    listing = client.list_folder("/Gala")
    assert [f.path_display for f in listing.files] == ["/Gala/a.mp4", "/Gala/sub/b.wav"]
    assert listing.files[0].size == 10 and listing.files[0].content_hash
    assert listing.files[0].server_modified
    fake.put("/Gala/c.mp4", b"c")
    fake.remove("/Gala/a.mp4")
    changes = client.list_folder_continue("/Gala", listing.cursor)
    assert [f.name for f in changes.files] == ["c.mp4"]
    assert changes.deleted == ["/gala/a.mp4"]
    link = client.get_temporary_link("/gala/c.mp4")
    assert link.startswith(fake.content_url + "/temp/")
    fake.expire_cursors()
    with pytest.raises(DropboxCursorReset):
        client.list_folder_continue("/Gala", changes.cursor)


def test_client_errors_name_the_folder_never_the_token(fake: FakeDropbox) -> None:
    with pytest.raises(DropboxApiError) as missing:
        _client(fake).list_folder("/Nope")
    assert "dropbox:/Nope" in str(missing.value) and missing.value.summary.startswith(
        "path/not_found")
    assert isinstance(missing.value, IngestError)
    with pytest.raises(DropboxApiError) as refused:
        _client(fake, token="tok-WRONG").list_folder("/Gala")
    assert "invalid_access_token" in str(refused.value) and "tok-WRONG" not in str(refused.value)
    assert "tok-unit-SECRET" not in repr(_client(fake))
    with pytest.raises(InputError, match="no Dropbox access token"):
        DropboxClient("", api_host=fake.api_url)


def test_client_retries_then_gives_up(fake: FakeDropbox) -> None:
    fake.add_fault("/2/files/list_folder", ApiFault(status=429, headers={"Retry-After": "0"}))
    assert len(_client(fake).list_folder("/Gala").files) == 2
    fake.add_fault("/2/files/get_temporary_link", ApiFault(status=503, times=3))
    with pytest.raises(DropboxUnavailableError, match=r"gave up .* after 3 attempts"):
        _client(fake).get_temporary_link("/gala/a.mp4")
