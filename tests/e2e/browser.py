"""Driving the dashboard in Debian's chromium with Playwright: the launch, a watcher that turns
any console error or failed request into a test failure, screenshots at both layouts, and the
axe-core check (axe comes from the npm registry at setup time, never from the repo)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "dashboard"
SIZES = ((1366, 768), (390, 844))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# scripts/setup.sh unpacks `npm pack axe-core@4` here (EDITRON_AXE_JS overrides).
AXE_JS = Path(os.environ.get("EDITRON_AXE_JS", ROOT / ".venv" / "axe-core" / "axe.min.js"))


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(Path(found).is_file(), "chromium (scripts/setup.sh installs it)")
    return found


@contextmanager
def browser() -> Iterator[Browser]:
    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watch:
    """Everything that went wrong in a page: console errors, script errors, failed requests
    and error responses. Requests the browser itself abandons (a player seeking, a page
    navigating away from its event stream) are ERR_ABORTED and not failures."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED"
                and self.problems.append(f"failed: {r.method} {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.request.method} {r.url}"))
        return page

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def screenshots(page: Page, name: str) -> list[Path]:
    """The current page at both layouts, full length; the layout must not scroll sideways."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shots = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {width}x{height}"
        shot = ARTEFACTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(shot), full_page=True)
        shots.append(shot)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    return shots


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the current page."""
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run scripts/setup.sh")
    page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_page(page: Page, name: str) -> None:
    """Screenshots at both sizes and no serious or critical accessibility violation."""
    screenshots(page, name)
    found = axe_violations(page)
    assert not found, f"{name}: {json.dumps(found, indent=1)}"
