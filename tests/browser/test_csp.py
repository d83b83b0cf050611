"""The Content-Security-Policy holds in a real browser: the admin, Swagger UI and ReDoc render
under it and the browser blocks nothing they need. Debian's Chromium, driven by Playwright."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _watched_page(browser, problems):
    """A page that notes what the browser blocked or what broke."""

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused" in message.text:
            problems.append(message.text)

    page = browser.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page


def test_the_admin_and_the_api_docs_work_under_the_policy(browser, live_server, make_user, buyer):
    officer = make_user("officer", buyer, username="csp-officer", is_staff=True)
    officer.set_password("Ett-långt-lösen-2026")
    officer.save()
    problems: list[str] = []
    page = _watched_page(browser, problems)

    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Anbud API" in page.inner_text(".swagger-ui .info .title")
    screenshot(page, "csp-swagger", full_page=False)

    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=30_000)
    assert "Anbud API" in page.inner_text("h1")
    screenshot(page, "csp-redoc", full_page=False)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "csp-officer")
    page.fill("#id_password", "Ett-långt-lösen-2026")
    page.click("#login-form input[type=submit]")
    page.wait_for_selector("#content", timeout=30_000)
    page.goto(f"{live_server.url}/admin/procurement/tender/")
    page.wait_for_selector("#changelist", timeout=30_000)
    screenshot(page, "csp-admin-tenders", full_page=False)

    # ReDoc's side menu links Redocly's logo from their CDN; the policy keeps the docs from
    # calling third parties, so that one image is blocked, and nothing else is.
    assert [p for p in problems if "https://cdn.redoc.ly/" not in p] == []
