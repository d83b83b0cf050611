"""The webhook endpoints through the API: per organisation, for its admins and officers, the
secret shown once, clear 400s, every change audited (API.md, "Second wave")."""

import base64

import pytest

from audit.models import AuditEvent
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

BODY = {"url": "https://hooks.region.example/anbud", "events": ["tender.published"]}


def _create(client, **overrides):
    return client.post("/api/v1/webhooks/", {**BODY, **overrides}, format="json")


def _errors(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_admins_and_officers_manage_their_organisations_endpoints(api, role):
    client, user = api(role)
    response = _create(client, events=["tender.awarded", "tender.published"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == BODY["url"]
    assert body["events"] == ["tender.published", "tender.awarded"]
    assert body["active"] is True
    webhook = body["id"]
    assert client.get("/api/v1/webhooks/").json()["count"] == 1
    changed = client.patch(f"/api/v1/webhooks/{webhook}/", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert client.delete(f"/api/v1/webhooks/{webhook}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_id=webhook)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["webhook.created", "webhook.updated", "webhook.deleted"]
    updated = AuditEvent.objects.get(object_id=webhook, action="webhook.updated")
    assert updated.data["changes"] == {"active": {"from": True, "to": False}}
    assert updated.actor_id == user.pk


@pytest.mark.parametrize("role", ["evaluator", "auditor", "bidder"])
def test_other_roles_may_not(api, role):
    officer_client, _officer = api("officer")
    webhook = _create(officer_client).json()["id"]
    client, _user = api(role)
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert _create(client).status_code == 403
    assert client.patch(f"/api/v1/webhooks/{webhook}/", {"active": False}).status_code == 403
    assert client.post(f"/api/v1/webhooks/{webhook}/ping/").status_code == 403
    assert client.get(f"/api/v1/webhooks/{webhook}/deliveries/").status_code == 403


def test_another_organisations_endpoint_is_not_found(api, other_buyer):
    client, _officer = api("officer")
    webhook = _create(client).json()["id"]
    other, _ = api("officer", org=other_buyer)
    assert other.get("/api/v1/webhooks/").json()["count"] == 0
    for response in (
        other.get(f"/api/v1/webhooks/{webhook}/"),
        other.patch(f"/api/v1/webhooks/{webhook}/", {"active": False}, format="json"),
        other.delete(f"/api/v1/webhooks/{webhook}/"),
        other.post(f"/api/v1/webhooks/{webhook}/ping/"),
        other.get(f"/api/v1/webhooks/{webhook}/deliveries/"),
    ):
        assert response.status_code == 404, response.content
    assert WebhookEndpoint.objects.get(pk=webhook).active is True


def test_the_secret_is_shown_once_and_not_stored(api):
    client, _officer = api("officer")
    body = _create(client).json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 32
    assert "secret" not in client.get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in client.get("/api/v1/webhooks/").json()["results"][0]
    stored = WebhookEndpoint.objects.filter(pk=body["id"]).values().get()
    assert secret not in repr(stored)
    assert secret.removeprefix("whsec_") not in repr(stored)
    assert not any(secret in repr(e.data) for e in AuditEvent.objects.all())
    second = _create(client).json()["secret"]
    assert second != secret


def test_unknown_events_and_bad_urls_are_400s_naming_the_field(api, settings):
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = False
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = False
    client, _officer = api("officer")
    assert ("/events/1", "invalid_choice") in _errors(
        _create(client, events=["tender.published", "tender.eaten"])
    )
    assert ("/events", "required") in _errors(_create(client, events=[]))
    assert ("/url", "invalid_url") in _errors(_create(client, url="not a url"))
    assert ("/url", "https_required") in _errors(_create(client, url="http://hooks.example.org/"))
    for private in (
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest",
        "https://localhost/hooks",
    ):
        assert ("/url", "private_address") in _errors(_create(client, url=private)), private
    assert ("/url", "credentials_in_url") in _errors(
        _create(client, url="https://user:pw@hooks.example.org/")
    )
    assert not WebhookEndpoint.objects.exists()
    problem = _create(client, events=["nope"]).json()
    assert problem["status"] == 400 and "nope" in problem["errors"][0]["message"]


def test_http_and_private_addresses_when_the_settings_allow_them(api, settings):
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = True
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = True
    client, _officer = api("officer")
    assert _create(client, url="http://127.0.0.1:9/hooks").status_code == 201


def test_a_change_is_checked_like_a_creation(api, settings):
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = False
    client, _officer = api("officer")
    webhook = _create(client).json()["id"]
    response = client.patch(
        f"/api/v1/webhooks/{webhook}/", {"url": "http://hooks.example.org/"}, format="json"
    )
    assert ("/url", "https_required") in _errors(response)
    assert WebhookEndpoint.objects.get(pk=webhook).url == BODY["url"]


def test_a_change_with_a_stale_etag_is_refused(api):
    client, _officer = api("officer")
    webhook = _create(client).json()["id"]
    etag = client.get(f"/api/v1/webhooks/{webhook}/")["ETag"]
    first = client.patch(
        f"/api/v1/webhooks/{webhook}/", {"active": False}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200, first.content
    stale = client.patch(
        f"/api/v1/webhooks/{webhook}/", {"active": True}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert WebhookEndpoint.objects.get(pk=webhook).active is False
