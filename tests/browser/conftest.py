"""Browser tests: Debian's Chromium driven by Playwright (its own browser download is not
reachable here).

Screenshots of the pages the tests visit are for a person to look at: ``make screenshots``
takes them into $ANBUD_SCREENSHOTS (default /tmp/anbud-screenshots). A plain test run takes
one only of the pages open when a test fails, into the same folder."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FAILED = pytest.StashKey[bool]()
SHOTS = Path(os.environ.get("ANBUD_SCREENSHOTS") or "/tmp/anbud-screenshots")
TAKE_SHOTS = bool(os.environ.get("ANBUD_SCREENSHOTS"))


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """The page as it is now, when screenshots were asked for."""
    if TAKE_SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own contexts (cookies, storage)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous (Playwright's documented way with Django). Both end with the module, so
    # the next module's tests run without either.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield browser
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture(autouse=True)
def _contexts_closed(request, browser):
    """What a test opened in the module's browser is closed after it; when the test failed,
    each open page is kept as a screenshot first."""
    yield
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            if request.node.stash.get(FAILED, False):
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SHOTS / f"failed-{request.node.name}-{c}-{p}.png")
        context.close()
