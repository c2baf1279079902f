"""The dashboard in a real browser (Debian's chromium driven by Playwright) against a live
server on loopback: a quick signed-in load of every page, and the whole flow on generated
footage with `editron serve` and its embedded worker. Any console error or failed request
fails the test; every page is screenshotted at 1366x768 and 390x844 into test-artefacts/ and
checked with axe-core."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest
from playwright.sync_api import Page

from editron.config import Settings
from editron.db.runtime import ready
from editron.demo import make_sample_event
from editron.services.tokens import create_token
from tests.conftest import AnalysedEvent
from tests.e2e.browser import Watch, browser, check_page
from tests.live_server import live_api

STEP_MS = 240_000


def sign_in(page: Page, base: str, token: str) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.fill("#token", token)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/")


def test_every_page_loads_signed_in(settings: Settings) -> None:
    settings = ready(settings)
    token = create_token(name="browser", settings=settings).token
    with live_api(settings) as base, browser() as chromium:
        watch = Watch()
        page = watch.attach(chromium.new_page(viewport={"width": 1366, "height": 768}))
        page.goto(base + "/login")
        check_page(page, "quick-login")
        sign_in(page, base, token)
        for path, name in (("/", "batches"), ("/renders", "renders"),
                           ("/sources", "sources"), ("/board", "board")):
            page.goto(base + path)
            assert page.locator("h1").count() == 1
            check_page(page, f"quick-{name}")
        page.wait_for_function("document.body.dataset.liveState === 'open'")
        page.goto(base + "/")
        page.fill("#source_url", "ftp://example.test/footage")
        page.click("button:has-text('Ingest')")
        page.wait_for_selector("text=That was refused")
        check_page(page, "quick-refused")  # a form's refusal is a page too
        # the refusal's own 422 (and the console's note of it) is what this step expects
        refused = [p for p in watch.problems if "422" in p]
        assert any(p.startswith("HTTP 422: POST") for p in refused), watch.problems
        watch.problems = [p for p in watch.problems if p not in refused]
        watch.check()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def served(editron_home: Path) -> Iterator[tuple[str, Settings]]:
    """`editron serve` (API, dashboard and one embedded worker) on a free loopback port."""
    settings = ready(Settings())
    port = _free_port()
    env = {**os.environ, "EDITRON_HOME": str(editron_home)}
    log = (editron_home.parent / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "editron", "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (editron_home.parent / "serve.log").read_text()
            assert time.monotonic() < deadline, "editron serve did not start in 90 s"
            time.sleep(0.3)
        yield base, settings
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _status_is(page: Page, selector: str, status: str) -> None:
    page.wait_for_function(
        "([sel, want]) => { const el = document.querySelector(sel);"
        " return el && el.textContent.trim() === want; }", arg=[selector, status],
        timeout=STEP_MS)


def _no_reload_since_marked(page: Page) -> bool:
    return bool(page.evaluate("window.__editronMark === 1"))


def _ingest_and_analyse(page: Page, base: str, footage: Path) -> str:
    page.fill("#source_url", str(footage))
    page.fill("#reference_name", "Browser gala")
    page.click("button:has-text('Ingest')")
    page.wait_for_url(base + "/batches/*")
    batch_url = page.url
    page.evaluate("window.__editronMark = 1")
    _status_is(page, "#batch-head [data-status]", "ready")  # live, from the event stream
    assert _no_reload_since_marked(page), "the page reloaded to show the ingest"
    page.select_option("#max_iterations", "2")
    page.click("button:has-text('Analyse')")
    page.wait_for_url(batch_url)
    page.evaluate("window.__editronMark = 1")
    _status_is(page, "#batch-head [data-status]", "analyzed")
    page.wait_for_selector("#analysis-region svg.energy", timeout=STEP_MS)
    assert _no_reload_since_marked(page), "the page reloaded to show the analysis"
    page.locator(".moment button.play").first.click()  # a hero moment plays from the proxy
    page.wait_for_function("() => { const v = document.getElementById('player');"
                           " return v.readyState >= 2 && v.currentTime > 0; }", timeout=STEP_MS)
    _search_seeks_the_player(page)
    return batch_url


def _search_seeks_the_player(page: Page) -> None:
    """Searching the transcript for a word of its last line hides the lines without it and
    plays the first line with it, from its start."""
    last = page.locator("#transcript li").last.inner_text().split()[1:]  # after its clock
    words = max((w.strip(".,;:!?\"'").lower() for w in last), key=len)
    page.fill("#transcript-search", words)
    hit = page.locator("#transcript li:not([hidden]) button.play").first
    start, src = float(str(hit.get_attribute("data-start"))), hit.get_attribute("data-src")
    page.wait_for_function(
        "([src, start]) => { const v = document.getElementById('player');"
        " return v.dataset.src === src && v.readyState >= 1"
        " && v.currentTime >= start - 0.1 && v.currentTime < start + 3; }",
        arg=[src, start], timeout=STEP_MS)
    visible = page.locator("#transcript li:not([hidden])").all_inner_texts()
    assert visible and all(words in line.lower() for line in visible), (words, visible)


def _captions_toggle(page: Page) -> None:
    """The caption track is off until the reviewer turns it on, and off again."""
    toggle = page.locator("input.captions-toggle").first
    mode = "() => document.querySelector('video.review').textTracks[0].mode"
    assert page.evaluate(mode) in ("disabled", "hidden")
    toggle.check()
    assert page.evaluate(mode) == "showing"
    toggle.uncheck()
    assert page.evaluate(mode) == "hidden"


def _play_and_request_change(page: Page) -> str:
    page.wait_for_selector("video.review", timeout=STEP_MS)  # assembled while we watched
    first_cut = page.url
    _captions_toggle(page)
    page.evaluate("() => { const v = document.querySelector('video.review');"
                  " v.muted = true; return v.play(); }")
    page.wait_for_function("document.querySelector('video.review').currentTime > 1",
                           timeout=STEP_MS)
    page.evaluate("document.querySelector('video.review').pause()")
    page.click("#add-comment")
    placed = page.input_value("input[name=comment_at]")
    assert placed.startswith("00:0"), placed  # the paused player's time
    page.fill("input[name=comment_text]", "too dark here")
    page.check("input[value=changes]")
    page.select_option("#pace", "faster")
    page.click("button:has-text('Send review')")
    page.wait_for_function(f"location.href !== {first_cut!r}", timeout=STEP_MS)
    page.wait_for_selector("video.review", timeout=STEP_MS)
    assert "Revision 2" in page.inner_text("#history-region")
    return page.url


def _approve_render_download(page: Page, base: str, tmp: Path) -> Path:
    page.check("input[value=approve]")
    page.click("button:has-text('Send review')")
    _status_is(page, "#session-head [data-status]", "approved")
    page.select_option("#profile", "preview")
    page.click("button:has-text('Render')")
    page.wait_for_url(base + "/renders")
    seen: set[str] = set()
    speed: set[str] = set()
    deadline = time.monotonic() + STEP_MS / 1000
    while not page.locator("a:has-text('Download')").count():
        seen.add(page.locator("[data-percent]").first.inner_text())
        speed.add(page.locator("[data-eta]").first.inner_text() + " "
                  + page.locator("[data-fps]").first.inner_text())
        assert time.monotonic() < deadline, "the render did not finish"
        page.wait_for_timeout(100)
    assert len(seen) >= 2, f"no live progress was shown: {seen}"  # it moved while we watched
    assert any("fps" in s for s in speed), f"no live ETA or fps was shown: {speed}"
    href = page.locator("a:has-text('Download')").first.get_attribute("href")
    got = page.request.get(base + str(href))
    assert got.status == 200
    out = tmp / "download.mp4"
    out.write_bytes(got.body())
    return out


@pytest.mark.slow
def test_the_whole_flow_in_a_browser(served: tuple[str, Settings], tmp_path: Path) -> None:
    base, settings = served
    footage = tmp_path / "footage"
    make_sample_event(footage, size="320x180", fps=25)
    token = create_token(name="operator", settings=settings).token
    with browser() as chromium:
        watch = Watch()
        page = watch.attach(chromium.new_page(viewport={"width": 1366, "height": 768}))
        page.goto(base + "/login")
        check_page(page, "login")
        sign_in(page, base, token)
        batch_url = _ingest_and_analyse(page, base, footage)
        page.select_option("#deliverable_type", "recap")
        page.check("input[name=aspect_ratios][value='16:9']")
        page.click("button:has-text('Generate edit')")
        revision_url = _play_and_request_change(page)
        out = _approve_render_download(page, base, tmp_path)
        with av.open(str(out)) as probe:  # PyAV reads what the browser downloaded
            video = probe.streams.video[0]
            assert video.codec_context.name == "h264"
            assert probe.duration and probe.duration / 1_000_000 > 5
        for url, name in ((base + "/", "batches"), (batch_url, "batch"),
                          (revision_url, "review"), (base + "/renders", "renders"),
                          (base + "/sources", "sources"), (base + "/board", "board")):
            page.goto(url)
            check_page(page, name)
        watch.check()


def _tab_to(page: Page, selector: str, presses: int = 120) -> None:
    """Press Tab until the focus is on ``selector``: it must be reachable from the keyboard."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => !!document.activeElement"
                         " && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


@pytest.mark.slow
def test_review_with_the_keyboard_alone(analysed_event: AnalysedEvent) -> None:
    """Sign in, generate a cut, play and pause its preview, place a comment, ask for a change
    and send it, without the mouse."""
    settings = ready(analysed_event.settings.model_copy(update={"queue_url": "immediate://"}))
    token = create_token(name="keyboard", settings=settings).token
    with live_api(settings) as base, browser() as chromium:
        watch = Watch()
        page = watch.attach(chromium.new_page(viewport={"width": 1366, "height": 768}))
        page.goto(base + "/login")
        _tab_to(page, "#token")
        page.keyboard.type(token)
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/")
        page.goto(f"{base}/batches/{analysed_event.batch_id}")
        _tab_to(page, "input[name=aspect_ratios][value='16:9']")
        page.keyboard.press("Space")
        _tab_to(page, "form[action$='/edits'] button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/sessions/*", timeout=STEP_MS)
        first_cut = page.url
        page.wait_for_selector("video.review", timeout=STEP_MS)
        _tab_to(page, "video.review")  # its own controls take the focus and the keys
        page.keyboard.press("Space")
        page.wait_for_function("document.querySelector('video.review').currentTime > 0.5",
                               timeout=STEP_MS)
        page.keyboard.press("Space")
        page.wait_for_function("document.querySelector('video.review').paused")
        _tab_to(page, "#add-comment")
        page.keyboard.press("Enter")  # placed at the paused time, focus in its text
        assert page.input_value("input[name=comment_at]").startswith("00:0")
        page.keyboard.type("too dark here")
        _tab_to(page, "input[name=decision]")
        page.keyboard.press("ArrowRight")  # approve -> request changes
        assert page.is_checked("input[value=changes]")
        _tab_to(page, "#pace")
        page.keyboard.press("ArrowDown")
        assert page.input_value("#pace") == "faster"
        _tab_to(page, "#review-form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_function(f"location.href !== {first_cut!r}", timeout=STEP_MS)
        history = page.inner_text("#history-region")
        assert "Revision 2" in history and "too dark here" in history
        watch.check()
