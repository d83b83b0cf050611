"""Tokens that expire and can be revoked, and logins that cannot be brute-forced."""

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from audit.models import AuditEvent
from procurement.errors import NotAllowed
from procurement.models import ApiToken
from procurement.services import logins, tokens
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
ROOT = Path(__file__).resolve().parents[2]


def login(username, password=PASSWORD, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, **extra)


def with_token(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def anna(make_user, buyer):
    return make_user("officer", buyer, username="anna")


# --- expiry and revocation -------------------------------------------------------------------


def test_a_token_expires_at_the_time_it_states(anna, clock, settings):
    settings.ANBUD_TOKEN_TTL_SECONDS = 3600
    clock.move_to(timezone.now())
    body = login("anna").json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires == timezone.now() + dt.timedelta(hours=1)
    client = with_token(body["token"])
    clock.move_to(expires - dt.timedelta(seconds=1))
    assert client.get("/api/v1/tenders/").status_code == 200
    clock.move_to(expires)
    response = client.get("/api/v1/tenders/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert tokens.purge_expired_tokens() == 1


def test_logout_revokes_only_the_token_used(anna):
    first = with_token(login("anna").json()["token"])
    second = with_token(login("anna").json()["token"])
    response = first.post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert first.get("/api/v1/tenders/").status_code == 401
    assert second.get("/api/v1/tenders/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor_id=anna.pk).count() == 1


def test_logout_all_revokes_every_token_of_the_user(anna, make_user, buyer):
    make_user("officer", buyer, username="bertil")
    first = with_token(login("anna").json()["token"])
    second = with_token(login("anna").json()["token"])
    colleague = with_token(login("bertil").json()["token"])
    assert second.post("/api/v1/auth/logout-all/").status_code == 204
    assert first.get("/api/v1/tenders/").status_code == 401
    assert second.get("/api/v1/tenders/").status_code == 401
    assert colleague.get("/api/v1/tenders/").status_code == 200
    event = AuditEvent.objects.get(action="auth.tokens_revoked")
    assert event.data == {"count": 2, "reason": "logout_all"}


def test_logout_needs_a_token(db):
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


def test_a_password_change_revokes_the_users_tokens(anna):
    client = with_token(login("anna").json()["token"])
    anna.set_password("Ett-helt-nytt-lösen-2026")
    anna.save()
    assert client.get("/api/v1/tenders/").status_code == 401
    event = AuditEvent.objects.get(action="auth.tokens_revoked")
    assert event.data["reason"] == "password_changed"
    assert login("anna", "Ett-helt-nytt-lösen-2026").status_code == 200


def test_saving_a_user_without_a_new_password_keeps_the_tokens(anna):
    client = with_token(login("anna").json()["token"])
    anna.first_name = "Anna"
    anna.save()
    assert client.get("/api/v1/tenders/").status_code == 200


# --- integration tokens ----------------------------------------------------------------------


def test_an_admin_creates_a_named_integration_token_that_works_until_revoked(
    make_user, buyer, clock
):
    admin = make_user("admin", buyer)
    system = make_user("officer", buyer, username="e-avrop")
    token, raw = tokens.issue_integration_token(
        actor=admin, user=system, name="e-Avrop", expires_in_days=None
    )
    assert token.expiry is None and token.kind == "integration"
    client = with_token(raw)
    clock.move_to(timezone.now() + dt.timedelta(days=800))
    assert client.get("/api/v1/tenders/").status_code == 200
    tokens.revoke_integration_token(actor=admin, token=token)
    assert client.get("/api/v1/tenders/").status_code == 401
    actions = list(AuditEvent.objects.filter(object_type="token").values_list("action", flat=True))
    assert actions.count("auth.integration_token_created") == 1
    assert actions.count("auth.token_revoked") == 1


def test_only_the_organisations_admin_manages_its_integration_tokens(make_user, buyer, other_buyer):
    system = make_user("officer", buyer)
    for actor in (make_user("officer", buyer), make_user("admin", other_buyer)):
        with pytest.raises(NotAllowed):
            tokens.issue_integration_token(actor=actor, user=system, name="BI")
    assert not ApiToken.objects.exists()


# --- failed logins ---------------------------------------------------------------------------


def test_failures_for_a_username_start_a_growing_back_off(anna, settings, clock):
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 3
    clock.move_to(timezone.now())
    assert [login("anna", f"guess-{i}").status_code for i in range(3)] == [400, 400, 400]
    blocked = login("anna")  # even the right password waits now
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "1"
    assert blocked.json()["retry_after"] == 1
    clock.shift(1)
    assert login("anna", "guess-4").status_code == 400
    assert login("anna")["Retry-After"] == "2"
    clock.shift(2)
    assert login("anna", "guess-5").status_code == 400
    assert login("anna")["Retry-After"] == "4"
    clock.shift(4)
    assert login("anna").status_code == 200  # and the count starts again
    assert login("anna", "guess-6").status_code == 400


def test_the_back_off_has_a_ceiling(anna, settings, clock):
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 1
    settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS = 5
    clock.move_to(timezone.now())
    for _ in range(6):
        assert login("anna", "wrong").status_code == 400
        clock.shift(60)
    assert login("anna", "wrong").status_code == 400
    assert login("anna")["Retry-After"] == "5"


def test_one_address_trying_many_usernames_is_limited(make_user, buyer, settings):
    settings.ANBUD_LOGIN_FAILURES_PER_CLIENT = 4
    make_user("officer", buyer, username="real")
    statuses = [
        login(f"user-{i}", "x", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]  # a forged X-Forwarded-For is not a new client
    assert login("real", REMOTE_ADDR="192.0.2.7").status_code == 200  # another address is not


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(make_user, buyer, settings):
    settings.ANBUD_LOGIN_FAILURES_PER_CLIENT = 2
    settings.ANBUD_TRUSTED_PROXIES = 1
    make_user("officer", buyer, username="real")
    forged_then_real = "203.0.113.9, 198.51.100.1"
    for i in range(2):
        assert login(f"u{i}", "x", HTTP_X_FORWARDED_FOR=forged_then_real).status_code == 400
    assert login("u3", "x", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1").status_code == 429
    assert login("real", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
    event = AuditEvent.objects.filter(action="auth.token_issued").get()
    assert event.client_address == "198.51.100.2"


def test_successful_logins_are_not_throttled(anna):
    assert {login("anna").status_code for _ in range(40)} == {200}


def test_an_attack_leaves_a_few_audit_events_not_one_per_try(anna, settings, clock):
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 5
    settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS = 1
    clock.move_to(timezone.now())
    for i in range(40):
        login("anna", f"guess-{i}")
        clock.shift(1)
    events = AuditEvent.objects.filter(action="auth.login_failed").order_by("sequence")
    assert [e.data["failures_in_hour"] for e in events] == [1, 5]
    assert events[1].data["backoff_seconds"] == 1


@pytest.mark.parametrize("body", [{"username": "a" * 151, "password": "x"}])
def test_an_overlong_username_is_a_400(db, body):
    assert APIClient().post(TOKEN_URL, body, format="json").status_code == 400


def test_counters_are_shared_between_processes_through_redis(db, settings):
    """This process and a child count failures for one username together: no per-worker counts."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "anbud",
        }
    }
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 5
    username = f"mallory-{uuid.uuid4().hex}"
    logins.begin(username, "192.0.2.1").failed()  # 1 (audited here)
    code = (
        "import django, sys; django.setup();"
        "from procurement.services import logins;"
        "[logins.begin(sys.argv[1], f'192.0.2.{i}').failed() for i in (2, 3, 4)]"  # 2, 3, 4
    )
    env = {
        **os.environ,
        "ANBUD_CACHE_URL": url,
        "ANBUD_LOGIN_FAILURES_PER_USER": "5",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [sys.executable, "-c", code, username], cwd=ROOT, env=env, check=True, timeout=60
    )
    assert logins.wait_seconds(username, "198.51.100.1") == 0
    logins.begin(username, "192.0.2.1").failed()  # 5: the back-off starts if the child's counted
    assert logins.wait_seconds(username, "198.51.100.1") == 1


def test_the_browsable_apis_login_has_the_same_limits_and_audits_in_bulk(
    make_user, supplier, settings, clock
):
    """/api-auth/login/ (the browsable API's session login) could be used to guess passwords
    without any limit, and wrote a chain event per wrong password."""
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 2
    clock.move_to(timezone.now())
    bidder = make_user("bidder", supplier, username="sigge")
    bidder.set_password("Ett-långt-lösen-2026")
    bidder.save()

    def attempt(password):
        return Client().post(
            "/api-auth/login/", {"username": "sigge", "password": password, "next": "/api/v1/"}
        )

    assert [attempt(f"guess-{i}").status_code for i in range(6)] == [200] * 6
    blocked = attempt("Ett-långt-lösen-2026")  # even the right password waits now
    assert blocked.status_code == 200 and "Too many failed logins" in blocked.content.decode()
    recorded = AuditEvent.objects.filter(action="auth.login_failed")
    assert 0 < recorded.count() < 6  # the first failure and the threshold, not each one
    clock.shift(settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS + 1)
    assert attempt("Ett-långt-lösen-2026").status_code == 302


# --- integration tokens through the API, and Bearer ------------------------------------------

INTEGRATION_TOKENS = "/api/v1/integration-tokens/"


def bearer(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_an_admin_manages_integration_tokens_through_the_api(make_user, buyer, client_for):
    admin = client_for(make_user("admin", buyer))
    system = make_user("officer", buyer, username="e-avrop")
    created = admin.post(
        INTEGRATION_TOKENS,
        {"name": "e-Avrop", "user": str(system.pk), "expires_in_days": None},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "e-Avrop" and body["user"]["username"] == "e-avrop"
    assert body["expires_at"] is None
    assert created["Location"] == f"{INTEGRATION_TOKENS}{body['id']}/"
    raw = body["token"]
    assert bearer(raw).get("/api/v1/tenders/").status_code == 200
    assert with_token(raw).get("/api/v1/tenders/").status_code == 200
    read = admin.get(created["Location"]).json()
    assert read == {k: v for k, v in body.items() if k != "token"}
    listed = admin.get(INTEGRATION_TOKENS).json()
    assert [t["id"] for t in listed["results"]] == [body["id"]]
    assert "token" not in listed["results"][0]
    assert admin.delete(created["Location"]).status_code == 204
    assert bearer(raw).get("/api/v1/tenders/").status_code == 401
    assert admin.get(created["Location"]).status_code == 404


def test_only_an_organisations_admin_sees_and_revokes_its_integration_tokens(
    make_user, buyer, other_buyer, client_for
):
    admin = make_user("admin", buyer)
    system = make_user("officer", buyer)
    token, raw = tokens.issue_integration_token(actor=admin, user=system, name="BI")
    url = f"{INTEGRATION_TOKENS}{token.public_id}/"
    officer = client_for(make_user("officer", buyer))
    assert officer.get(INTEGRATION_TOKENS).status_code == 403
    assert officer.delete(url).status_code == 403
    other_admin = client_for(make_user("admin", other_buyer))
    assert other_admin.get(INTEGRATION_TOKENS).json()["count"] == 0
    assert other_admin.get(url).status_code == 404
    assert other_admin.delete(url).status_code == 404
    refused = other_admin.post(
        INTEGRATION_TOKENS, {"name": "Steal", "user": str(system.pk)}, format="json"
    )
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["/user"]
    assert with_token(raw).get("/api/v1/tenders/").status_code == 200
    # Login tokens are not integration tokens.
    assert client_for(admin).get(INTEGRATION_TOKENS).json()["count"] == 1


def test_an_integration_token_answer_is_never_kept_for_idempotency(make_user, buyer, client_for):
    admin = client_for(make_user("admin", buyer))
    system = make_user("officer", buyer)
    for _ in range(2):
        response = admin.post(
            INTEGRATION_TOKENS,
            {"name": "ERP", "user": str(system.pk)},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201
    assert ApiToken.objects.filter(kind="integration").count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_login_token_works_as_a_bearer_token(anna):
    raw = login("anna").json()["token"]
    assert bearer(raw).get("/api/v1/tenders/").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer nonsense", "bearer x"])
def test_a_malformed_or_unknown_bearer_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/tenders/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
