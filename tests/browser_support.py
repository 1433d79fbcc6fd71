"""Browser-test fixtures: the app served from a thread, and Debian's Chromium via Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEFAULT_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

# Browser test modules set `pytestmark = needs_chromium`.
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def live_server(app, db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve the test app on a free loopback port for one test; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Start headless Chromium once for the whole test session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form and wait for the start page."""
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Keep a full-page screenshot in test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# KWCAG 2.2 follows WCAG 2.1: every A and AA rule.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Run axe-core on the page; return one line per WCAG 2.1 A/AA violation and element."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{violation['id']} ({violation['help']}): {node['target']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def fits_width(page) -> bool:  # type: ignore[no-untyped-def]
    """Whether the page fits the viewport's width, with no sideways scrolling."""
    return bool(page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"))
