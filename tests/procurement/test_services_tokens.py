"""procurement/services/tokens.py called directly: login tokens, logout (one or all) and the
integration tokens an admin names, issues and revokes. Every change is audited."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procurement.errors import InvalidInput, NotAllowed
from procurement.models import ApiToken
from procurement.services.tokens import (
    issue_integration_token,
    issue_login_token,
    purge_expired_tokens,
    revoke_all_tokens,
    revoke_integration_token,
    revoke_token,
)


def _authenticates(raw) -> bool:
    """The raw token is accepted by the API."""

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client.get("/api/v1/tenders/").status_code == 200


def test_a_login_token_expires_after_the_ttl_and_is_audited(officer, settings, event):
    settings.ANBUD_TOKEN_TTL_SECONDS = 3600

    token, raw = issue_login_token(user=officer, client_address="192.0.2.7" + "0" * 80)

    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.user_id, stored.kind, len(stored.client_address)) == (officer.pk, "login", 64)
    assert dt.timedelta(minutes=59) < stored.expiry - timezone.now() <= dt.timedelta(hours=1)
    assert _authenticates(raw)
    recorded = event("auth.token_issued", object_id=token.public_id)
    assert (recorded.actor_id, recorded.data["kind"]) == (officer.pk, "login")


def test_a_second_login_keeps_the_first_token(officer):
    first, _ = issue_login_token(user=officer)
    issue_login_token(user=officer)
    assert ApiToken.objects.filter(pk=first.pk).exists()


def test_logout_revokes_that_token_only(officer, event):
    first, first_raw = issue_login_token(user=officer)
    second, _ = issue_login_token(user=officer)
    assert _authenticates(first_raw)

    revoke_token(token=first, actor=officer)

    assert not _authenticates(first_raw)
    assert list(ApiToken.objects.filter(user=officer)) == [second]
    recorded = event("auth.token_revoked", object_id=first.public_id)
    assert (recorded.actor_id, recorded.data["reason"]) == (officer.pk, "logout")


def test_logout_everywhere_revokes_every_token_of_the_user(officer, second_officer, event):
    for _ in range(3):
        issue_login_token(user=officer)
    kept, _ = issue_login_token(user=second_officer)

    assert revoke_all_tokens(user=officer, actor=None, reason="password_changed") == 3

    assert list(ApiToken.objects.all()) == [kept]
    recorded = event("auth.tokens_revoked", officer)
    assert (recorded.actor_id, recorded.data) == (None, {"count": 3, "reason": "password_changed"})


def test_revoking_all_of_none_records_nothing(officer):
    assert revoke_all_tokens(user=officer, actor=officer, reason="logout_everywhere") == 0
    assert not AuditEvent.objects.filter(action="auth.tokens_revoked").exists()


def test_an_admin_issues_a_named_integration_token_for_a_member(make_user, buyer, officer, event):
    admin = make_user("admin", buyer)

    token, raw = issue_integration_token(
        actor=admin, user=officer, name="  ERP  ", expires_in_days=30
    )

    stored = ApiToken.objects.get(pk=token.pk)
    assert (stored.kind, stored.name, stored.user_id, stored.created_by_id) == (
        "integration",
        "ERP",
        officer.pk,
        admin.pk,
    )
    assert dt.timedelta(days=29) < stored.expiry - timezone.now() <= dt.timedelta(days=30)
    assert raw
    recorded = event("auth.integration_token_created", object_id=token.public_id)
    assert (recorded.actor_id, recorded.data["name"]) == (admin.pk, "ERP")


def test_an_integration_token_may_have_no_expiry(superuser, officer):
    token, _ = issue_integration_token(
        actor=superuser, user=officer, name="ERP", expires_in_days=None
    )
    assert ApiToken.objects.get(pk=token.pk).expiry is None


@pytest.mark.parametrize(
    ("name", "days", "fields"),
    [
        ("  ", 30, ["/name"]),
        ("ERP", 0, ["/expires_in_days"]),
        ("ERP", 3651, ["/expires_in_days"]),
        ("", -1, ["/name", "/expires_in_days"]),
    ],
)
def test_a_nameless_or_out_of_range_integration_token_is_refused(
    superuser, officer, refused, name, days, fields
):
    with refused(InvalidInput) as caught:
        issue_integration_token(actor=superuser, user=officer, name=name, expires_in_days=days)
    assert [e["field"] for e in caught.value.errors] == fields


def test_an_officer_or_another_organisations_admin_cannot_manage_integration_tokens(
    officer, second_officer, make_user, other_buyer, superuser, refused
):
    other_admin = make_user("admin", other_buyer)
    token, _ = issue_integration_token(actor=superuser, user=officer, name="ERP")
    for actor in (second_officer, other_admin):
        with refused(NotAllowed):
            issue_integration_token(actor=actor, user=officer, name="Mine")
        with refused(NotAllowed):
            revoke_integration_token(actor=actor, token=token)


def test_the_admin_revokes_an_integration_token(make_user, buyer, officer, event):
    admin = make_user("admin", buyer)
    token, _ = issue_integration_token(actor=admin, user=officer, name="ERP")

    revoke_integration_token(actor=admin, token=token)

    assert not ApiToken.objects.filter(pk=token.pk).exists()
    recorded = event("auth.token_revoked", object_id=token.public_id)
    assert (recorded.actor_id, recorded.data["name"]) == (admin.pk, "ERP")


def test_purging_deletes_only_expired_tokens(officer, settings, clock):
    settings.ANBUD_TOKEN_TTL_SECONDS = 60
    expiring, _ = issue_login_token(user=officer)
    lasting, _ = ApiToken.objects.create(user=officer, expiry=None)
    clock.move_to(timezone.now() + dt.timedelta(minutes=2))

    assert purge_expired_tokens() == 1

    assert list(ApiToken.objects.all()) == [lasting]
    assert not ApiToken.objects.filter(pk=expiring.pk).exists()
