"""Webhooks in the admin: the organisation's admins and officers list and change endpoints
through the services (audited), never see a secret after adding, and redeliver from the
read-only delivery log."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from webhooks import services
from webhooks.models import Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_officer_lists_and_changes_endpoints_without_seeing_the_secret(
    officer, other_officer, endpoint_for
):
    endpoint, secret = endpoint_for(officer)
    theirs, _ = endpoint_for(other_officer)
    client = logged_in(officer)
    listing = client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [endpoint]
    page = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert secret.removeprefix("whsec_") not in page.content.decode()
    other = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[theirs.pk]))
    assert other.status_code == 404
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {"url": endpoint.url, "events": ["tender.published", "tender.awarded"]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    endpoint.refresh_from_db()
    assert endpoint.events == ["tender.published", "tender.awarded"] and endpoint.active is False
    event = AuditEvent.objects.get(action="webhook.updated", object_id=str(endpoint.pk))
    assert set(event.data["changes"]) == {"events", "active"}


def test_adding_in_the_admin_shows_the_secret_once(officer, loopback_allowed):
    client = logged_in(officer)
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "https://hooks.region.example/anbud", "events": ["tender.opened"], "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any("whsec_" in m for m in shown), shown
    assert AuditEvent.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).exists()


def test_a_bad_url_in_the_admin_is_a_message_on_the_form(officer, settings):
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = False
    client = logged_in(officer)
    response = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "http://hooks.region.example/", "events": ["tender.opened"]},
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    assert "https" in response.content.decode()


def test_the_delivery_log_is_read_only_with_a_redelivery(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_endpoint(endpoint=endpoint, actor=officer)
    delivery = Delivery.objects.get()
    client = logged_in(officer)
    listing = client.get(reverse("admin:webhooks_delivery_changelist"))
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [delivery]
    page = client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:webhooks_delivery_add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:webhooks_delivery_changelist"),
            {"action": "redeliver", "_selected_action": [str(delivery.pk)]},
        )
    assert response.status_code == 302
    assert Delivery.objects.filter(redelivery_of=delivery, status="delivered").exists()
    assert len(receiver.requests) == 2


@pytest.mark.parametrize("role", ["evaluator", "auditor"])
def test_other_buyer_roles_do_not_reach_webhooks(make_user, buyer, officer, endpoint_for, role):
    endpoint, _secret = endpoint_for(officer)
    client = logged_in(make_user(role, buyer))
    assert client.get(reverse("admin:webhooks_webhookendpoint_changelist")).status_code == 403
    page = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code in (403, 404)
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 403


def test_a_test_message_from_the_admin(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_for(officer)
    client = logged_in(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:webhooks_webhookendpoint_changelist"),
            {"action": "ping", "_selected_action": [str(endpoint.pk)]},
        )
    assert response.status_code == 302
    assert Delivery.objects.get().event == "webhook.ping"
    assert len(receiver.requests) == 1
