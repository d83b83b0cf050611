"""Behind HTTPS the service says so: HSTS and cookies that never travel over plain http."""

import runpy
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
NAMES = (
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
)


@pytest.fixture
def settings_with(monkeypatch):
    """The settings module as a process started with these environment variables reads it."""

    def read(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        values = runpy.run_path(str(SETTINGS))
        return [values.get(name) for name in NAMES]

    return read


def test_https_turns_on_hsts_and_secure_cookies(settings_with):
    hsts, session, csrf, proxy = settings_with(ANBUD_HTTPS="true", ANBUD_TRUSTED_PROXIES="1")
    assert hsts == 31_536_000 and session is True and csrf is True
    assert proxy == ("HTTP_X_FORWARDED_PROTO", "https")


def test_plain_http_by_default_for_a_local_make_run(settings_with):
    hsts, session, csrf, proxy = settings_with(ANBUD_HTTPS="", ANBUD_TRUSTED_PROXIES="0")
    assert not hsts and not session and not csrf and proxy is None


def test_a_secure_request_gets_the_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
