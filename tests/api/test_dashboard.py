"""The dashboard over HTTP (no browser): sign-in, sessions and CSRF, every page signed out and
in, and its forms driving the same services as the API, on real footage."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import webvtt
from fastapi.testclient import TestClient

from editron.api.app import create_app
from editron.config import Settings, reset_settings
from editron.db import repos
from editron.db.runtime import db, ready
from editron.services.events import read_events
from editron.services.sources import POLL_OPERATION, add_dropbox_source, get_source, list_sources
from editron.services.tokens import create_token, revoke_token
from tests.conftest import AnalysedEvent

PAGES = ("/", "/batches/nope", "/sessions/nope", "/renders", "/sources", "/board")
PRIVATE = (*PAGES, "/static/app.js", "/live", "/media/renders/x/0",
           "/media/batches/x/files/y/proxy", "/media/sessions/x/previews/16x9-v1.mp4")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(http: TestClient, token: str) -> str:
    """Sign in through the form; the session's CSRF token (from the page signed in to)."""
    form = http.get("/login")
    answer = http.post("/login", data={"token": token, "csrf_token": csrf_of(form.text),
                                       "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(http.get("/").text)


@pytest.fixture()
def app_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("EDITRON_QUEUE_URL", "immediate://")
    reset_settings()
    return ready(Settings())


@pytest.fixture()
def http(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, with_mcp=False)) as client:
        yield client


def test_signed_out_everything_redirects_to_login(http: TestClient) -> None:
    for path in PRIVATE:
        answer = http.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login"), path
    assert http.get("/renders", follow_redirects=False).headers["location"] == \
        "/login?next=%2Frenders"
    login = http.get("/login")
    assert login.status_code == 200 and 'name="token"' in login.text
    assert http.get("/static/app.css").status_code == 200  # the login page's style, no data


def test_sign_in_sets_a_strict_http_only_cookie(http: TestClient,
                                                app_settings: Settings) -> None:
    token = create_token(name="operator", settings=app_settings).token
    form = http.get("/login")
    nonce = csrf_of(form.text)
    assert http.post("/login", data={"token": token}).status_code == 403
    assert http.post("/login", data={"token": token, "csrf_token": "forged"}
                     ).status_code == 403
    wrong = http.post("/login", data={"token": "nope", "csrf_token": csrf_of(
        http.get("/login").text)})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    nonce = csrf_of(http.get("/login").text)
    answer = http.post("/login", data={"token": token, "csrf_token": nonce,
                                       "next": "//evil.example/"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("editron_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = http.get("/")
    assert page.status_code == 200 and "Batches" in page.text and "operator" in page.text
    for path in ("/renders", "/sources", "/board", "/static/app.js"):
        assert http.get(path).status_code == 200, path


def test_every_form_needs_the_session_csrf_token(http: TestClient,
                                                 app_settings: Settings) -> None:
    csrf = sign_in(http, create_token(name="op", settings=app_settings).token)
    forms = ("/batches", "/batches/x/analyse", "/batches/x/edits", "/sessions/x/feedback",
             "/sessions/x/render", "/renders/x/cancel", "/renders/x/retry", "/sources",
             "/sources/x/pause", "/logout")
    for path in forms:
        assert http.post(path, data={}).status_code == 403, path
        assert http.post(path, data={"csrf_token": "wrong"}).status_code == 403, path
    refused = http.post("/batches", data={"csrf_token": csrf, "source_url": "ftp://x/y"})
    assert refused.status_code == 422 and "ftp" in refused.text  # the service's own words
    out = http.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert http.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(http: TestClient, app_settings: Settings) -> None:
    made = create_token(name="temp", settings=app_settings)
    sign_in(http, made.token)
    assert http.get("/", follow_redirects=False).status_code == 200
    revoke_token(made.id, settings=app_settings)
    assert http.get("/", follow_redirects=False).status_code == 303
    assert http.get("/static/app.js", follow_redirects=False).status_code == 303


def test_ingest_form_then_batch_page(http: TestClient, app_settings: Settings,
                                     footage: Path) -> None:
    csrf = sign_in(http, create_token(name="op", settings=app_settings).token)
    made = http.post("/batches", data={"csrf_token": csrf, "source_url": str(footage),
                                       "reference_name": "Gala night", "storage_tier": "hot"},
                     follow_redirects=False)
    assert made.status_code == 303, made.text
    batch_url = made.headers["location"]
    ingest_steps = [e.payload["progress_percent"] for e in read_events(
        app_settings, 0, batch_id=batch_url.rsplit("/", 1)[1], limit=10_000)
        if e.event_type == "task.progress" and e.payload["stage"] == "ingest"]
    assert ingest_steps and ingest_steps == sorted(ingest_steps), ingest_steps  # the bar moved
    listed = http.get("/", params={"status": "ready"}).text
    assert "Gala night" in listed and batch_url in listed
    assert "Gala night" not in http.get("/", params={"status": "failed"}).text
    page = http.get(batch_url).text
    assert "keynote.mp4" in page
    errors = page.split("<h3>Errors</h3>")[1].split("</ul>")[0]
    assert "broken.mp4" in errors  # the per-file error, with the file's name
    poster = re.search(r'src="(/media/batches/[^"]+/poster)"', page)
    assert poster and http.get(poster.group(1)).headers["content-type"] == "image/jpeg"
    proxy = re.search(r'data-src="(/media/batches/[^"]+/proxy)"', page)
    assert proxy
    part = http.get(proxy.group(1), headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"].startswith("bytes 0-99/")


def test_review_flow_through_the_forms(analysed_event: AnalysedEvent) -> None:
    settings = ready(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))
    bid = analysed_event.batch_id
    with TestClient(create_app(settings, with_mcp=False)) as http:
        csrf = sign_in(http, create_token(name="op", settings=settings).token)
        page = http.get(f"/batches/{bid}").text
        assert "<svg" in page and "crowd peak" in page.lower() and "Hero moments" in page
        assert "Northwind" in page and 'id="transcript"' in page
        made = http.post(f"/batches/{bid}/edits", data={
            "csrf_token": csrf, "deliverable_type": "social", "aspect_ratios": ["16:9"]},
            follow_redirects=False)
        assert made.status_code == 303, made.text
        review = http.get(made.headers["location"]).text
        assert "needsreview" in review
        src = re.search(r'src="(/media/sessions/[^"]+/previews/[^"]+\.mp4)"', review)
        assert src
        clip = http.get(src.group(1), headers={"Range": "bytes=100-"})
        assert clip.status_code == 206 and clip.headers["content-type"] == "video/mp4"
        # captions are a track of the player, turned on and off (not burned into the picture)
        track = re.search(r'<track kind="captions"[^>]* src="([^"]+\.vtt)"', review)
        assert track and 'class="captions-toggle"' in review
        vtt = http.get(track.group(1))
        assert vtt.headers["content-type"].startswith("text/vtt")
        assert len(webvtt.from_buffer(io.StringIO(vtt.text))) > 0  # an independent reader
        changed = http.post(f"{made.headers['location']}/feedback", data={
            "csrf_token": csrf, "decision": "changes", "pace": "faster",
            "comment_at": ["00:02.0"], "comment_text": ["too dark"]}, follow_redirects=False)
        assert changed.status_code == 303, changed.text
        revision = changed.headers["location"]
        assert revision != made.headers["location"]
        second = http.get(revision).text
        assert "Revision 2" in second and "changes" in second and "pace" in second
        assert "comment at 0:02.0: too dark" in second  # the timecoded comment, kept
        # every preference the revision applied is cited with its reason (issue 19, point 4)
        assert re.search(r"pace = [0-9.]+ \(asked for in this request\)", second), second
        approved = http.post(f"{revision}/feedback", data={"csrf_token": csrf,
                                                           "decision": "approve"},
                             follow_redirects=False)
        assert approved.status_code == 303
        rendered = http.post(f"{revision}/render", data={"csrf_token": csrf},
                             follow_redirects=False)
        assert rendered.status_code == 303 and rendered.headers["location"] == "/renders"
        monitor = http.get("/renders").text
        link = re.search(r'href="(/media/renders/[^"]+/0)"', monitor)
        assert link, monitor
        out = http.get(link.group(1), headers={"Range": "bytes=0-9"})
        assert out.status_code == 206 and len(out.content) == 10


def test_forms_need_the_scopes_the_api_needs(http: TestClient, app_settings: Settings) -> None:
    no_read = create_token(name="writer", scopes=["operate"], settings=app_settings).token
    form = http.get("/login")
    refused = http.post("/login", data={"token": no_read, "csrf_token": csrf_of(form.text)},
                        follow_redirects=False)
    assert refused.status_code == 403 and "read" in refused.text
    csrf = sign_in(http, create_token(name="viewer", scopes=["read"], settings=app_settings
                                      ).token)
    assert http.get("/renders").status_code == 200  # reading is allowed
    ingest = http.post("/batches", data={"csrf_token": csrf, "source_url": "https://x.test/a"})
    assert ingest.status_code == 403 and "operate" in ingest.text
    http.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(http, create_token(name="op", settings=app_settings).token)  # read, operate
    watch = http.post("/sources", data={"csrf_token": csrf, "folder_path": "/Event"})
    assert watch.status_code == 403 and "admin" in watch.text


def test_sources_page_shows_the_last_error_and_removes_a_source(
        http: TestClient, app_settings: Settings) -> None:
    source = add_dropbox_source(folder_path="/Events/Spring fair", settings=app_settings)
    with db(app_settings) as session:  # a poll that failed, as the worker leaves it
        run = repos.job_runs.create_run(session, operation=POLL_OPERATION, arguments={},
                                        priority="normal", entity_type="dropbox_source",
                                        entity_id=source.id, max_attempts=1)
        repos.job_runs.fail_unsent(session, run.id, error="Dropbox said 401: expired token")
    csrf = sign_in(http, create_token(name="admin", scopes=["read", "operate", "admin"],
                                      settings=app_settings).token)
    page = http.get("/sources").text
    assert "/Events/Spring fair" in page and "Dropbox said 401: expired token" in page
    assert get_source(source.id, settings=app_settings).last_error == \
        "Dropbox said 401: expired token"
    assert http.post(f"/sources/{source.id}/remove", data={}).status_code == 403  # no CSRF
    gone = http.post(f"/sources/{source.id}/remove", data={"csrf_token": csrf},
                     follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/sources"
    assert list_sources(settings=app_settings) == []
    assert "/Events/Spring fair" not in http.get("/sources").text


def test_rejecting_a_cut_from_the_review_form(analysed_event: AnalysedEvent) -> None:
    settings = ready(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))
    with TestClient(create_app(settings, with_mcp=False)) as http:
        csrf = sign_in(http, create_token(name="op", settings=settings).token)
        made = http.post(f"/batches/{analysed_event.batch_id}/edits", data={
            "csrf_token": csrf, "deliverable_type": "social", "aspect_ratios": ["16:9"]},
            follow_redirects=False)
        first = made.headers["location"]
        rejected = http.post(f"{first}/feedback", data={
            "csrf_token": csrf, "decision": "reject", "notes": "wrong speaker"},
            follow_redirects=False)
        assert rejected.status_code == 303, rejected.text
        revision = rejected.headers["location"]
        assert revision != first  # a reject makes a new revision without that cut's moments
        with db(settings) as session:
            decisions = [(f.decision, f.notes) for f in repos.feedback.list_feedback(
                session, edit_session_id=first.rsplit("/", 1)[1])]
            old = repos.edit_sessions.get_edit_session(session, first.rsplit("/", 1)[1])
            assert old.status == "superseded"
        assert decisions == [("reject", "wrong speaker")]
        page = http.get(revision).text
        assert "Revision 2" in page and "<strong>reject</strong>" in page
        assert "wrong speaker" in page
        assert "superseded" in http.get(first).text
