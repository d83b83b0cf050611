"""Behind HTTPS the service says so: HSTS and cookies that never travel over plain http."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps([getattr(s, n, None) for n in ("
    "'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_PROXY_SSL_HEADER')]))"
)


def _settings(**env):
    out = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_https_turns_on_hsts_and_secure_cookies():
    hsts, session, csrf, proxy = _settings(ANBUD_HTTPS="true", ANBUD_TRUSTED_PROXIES="1")
    assert hsts == 31_536_000 and session is True and csrf is True
    assert proxy == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_plain_http_by_default_for_a_local_make_run():
    hsts, session, csrf, proxy = _settings(ANBUD_HTTPS="", ANBUD_TRUSTED_PROXIES="0")
    assert not hsts and not session and not csrf and proxy is None


def test_a_secure_request_gets_the_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
