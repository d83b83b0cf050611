"""Deliveries: derived from the audit trail after commit, signed, retried with back-off,
never redirected, never to a private address unless allowed, and an endpoint that keeps
failing is disabled (audited). A real receiver on loopback (conftest.py)."""

import datetime as dt
import io
import json
import socket

import pytest
import standardwebhooks
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from procurement.services.tenders import publish_tender
from tests.scenarios import new_tender, open_bids, submitted_bid
from tests.webhooks.verify import verify
from webhooks import deliveries, services
from webhooks.models import ChainCursor, Delivery, WebhookEndpoint
from webhooks.payloads import body_bytes
from webhooks.tasks import sweep_webhooks_task

pytestmark = pytest.mark.django_db


def _publish(officer, capture, **fields):
    tender = new_tender(officer, **fields)
    with capture(execute=True):
        return publish_tender(tender=tender, actor=officer)


def _sweep_after(clock, **delta):
    clock.move_to(timezone.now() + dt.timedelta(**delta))
    return sweep_webhooks_task()


def _retry_until_settled(clock):
    """Move the clock to each next attempt that is due, and sweep, until nothing is pending."""
    while True:
        pending = Delivery.objects.filter(status="pending").order_by("next_attempt_at").first()
        if pending is None:
            return
        clock.move_to(pending.next_attempt_at + dt.timedelta(seconds=1))
        sweep_webhooks_task()


def _walk(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def test_a_published_tender_arrives_signed(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks, settings
):
    settings.ANBUD_PUBLIC_URL = "https://anbud.region.example"
    _endpoint, secret = endpoint_for(officer)
    tender = _publish(officer, django_capture_on_commit_callbacks, title="Ägg till köken")
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks"
    assert request["headers"]["content-type"] == "application/json"
    body = verify(secret, request["headers"], request["body"])
    # The reference library of Standard Webhooks agrees.
    assert standardwebhooks.Webhook(secret).verify(request["body"], request["headers"]) == body
    assert body["type"] == "tender.published"
    assert body["timestamp"].endswith("Z")
    data = body["data"]
    assert data["tender"] == {
        "id": str(tender.pk),
        "reference": tender.reference,
        "title": "Ägg till köken",
        "status": "published",
        "submission_deadline": tender.submission_deadline.astimezone(dt.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
    }
    assert data["organization"] == {"id": str(officer.organization_id), "name": "Region Alice"}
    assert data["links"]["tender"] == f"https://anbud.region.example/api/v1/tenders/{tender.pk}/"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)
    assert request["headers"]["webhook-id"] == delivery.message_id
    # A tampered body does not verify.
    with pytest.raises(ValueError):
        verify(secret, request["headers"], request["body"].replace(b"published", b"cancelled"))


def test_an_opening_says_how_many_bids_and_nothing_sealed(
    officer,
    second_officer,
    bidder,
    receiver,
    endpoint_for,
    clock,
    django_capture_on_commit_callbacks,
):
    _endpoint, secret = endpoint_for(officer, events=["tender.opened"])
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    submitted_bid(bidder, tender, price="987654.00")
    with django_capture_on_commit_callbacks(execute=True):
        open_bids(clock, tender, officer, second_officer)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = verify(secret, request["headers"], request["body"], now=request["received_at"])
    assert body["type"] == "tender.opened"
    assert body["data"]["bids_opened"] == 1
    words = {str(item) for item in _walk(body)}
    assert not {"price", "amount", "sha256", "supplier", "bids"} & words
    assert "987654" not in receiver.requests[0]["body"].decode()
    assert bidder.organization.name not in receiver.requests[0]["body"].decode()


def test_a_failing_receiver_gets_three_attempts_with_back_off(
    officer, receiver, endpoint_for, clock, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint_for(officer)
    receiver.answer(500, 503)
    clock.move_to(timezone.now())
    _publish(officer, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert dt.timedelta(seconds=54) <= wait <= dt.timedelta(seconds=66)
    assert sweep_webhooks_task() == 0  # not due yet
    _sweep_after(clock, minutes=2)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 2, 503)
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert dt.timedelta(minutes=4.5) <= wait <= dt.timedelta(minutes=5.5)
    _sweep_after(clock, minutes=6)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 204)
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 3
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.message_id}
    for request in receiver.requests:
        verify(secret, request["headers"], request["body"], now=request["received_at"])
    assert _sweep_after(clock, days=2) == 0  # nothing more


def test_a_rolled_back_change_sends_nothing(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint_for(officer)
    tender = new_tender(officer)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish_tender(tender=tender, actor=officer)
        raise RuntimeError("the request fails after the tender was published")
    sweep_webhooks_task()
    assert receiver.requests == []
    assert not Delivery.objects.exists()


def test_reading_the_trail_twice_adds_nothing_and_older_events_are_not_sent(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    publish_tender(tender=new_tender(officer), actor=officer)  # before the endpoint
    endpoint, _secret = endpoint_for(officer)
    _publish(officer, django_capture_on_commit_callbacks)
    chain = str(officer.organization_id)
    assert deliveries.read_chain(chain) == 0
    ChainCursor.objects.filter(chain=chain).update(sequence=0)  # as if the cursor were lost
    assert deliveries.read_chain(chain) == 0  # the unique constraint: nothing new
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    assert len(receiver.requests) == 1


def test_the_sweep_catches_up_when_the_signal_was_lost(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint_for(officer)
    publish_tender(tender=new_tender(officer), actor=officer)  # no commit hooks: a crash
    assert receiver.requests == []
    sweep_webhooks_task()
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint_for(officer)
    receiver.answer((302, {"Location": receiver.url("/elsewhere")}))
    _publish(officer, django_capture_on_commit_callbacks)
    assert [r["path"] for r in receiver.requests] == ["/hooks"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.response_status) == ("pending", 302)
    assert "redirect" in delivery.error.lower()


def test_a_private_address_is_refused_when_not_allowed(
    officer, receiver, endpoint_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint_for(officer)
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = False
    _publish(officer, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "public" in delivery.error


def test_a_name_resolving_to_a_private_address_is_refused_at_send_time(
    officer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = False
    created = services.create_endpoint(
        actor=officer,
        organization=officer.organization,
        url="https://hooks.region.example/anbud",
        events=["tender.published"],
    )

    def resolves_inside(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    def no_connection(*args, **kwargs):
        raise AssertionError("connected to a refused address")

    monkeypatch.setattr(socket, "getaddrinfo", resolves_inside)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.ping_endpoint(endpoint=created.endpoint, actor=officer)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "10.0.0.7" in delivery.error


def test_the_connection_goes_to_the_address_that_was_checked(
    officer, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """The name is resolved once, checked, and that address is connected to (a second
    look-up could answer differently: DNS rebinding); the Host header keeps the name."""
    created = services.create_endpoint(
        actor=officer,
        organization=officer.organization,
        url=f"http://hooks.region.example:{receiver.port}/hooks",
        events=["tender.published"],
    )
    lookups = []
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "hooks.region.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_endpoint(endpoint=created.endpoint, actor=officer)
    assert lookups.count("hooks.region.example") == 1
    assert receiver.requests[0]["headers"]["host"] == f"hooks.region.example:{receiver.port}"
    assert Delivery.objects.get().status == "delivered"


def test_http_is_refused_at_send_time_when_not_allowed(
    officer, receiver, endpoint_for, settings, django_capture_on_commit_callbacks
):
    endpoint_for(officer)
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = False
    _publish(officer, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert "https" in Delivery.objects.get().error


def test_ping_through_the_api(api, receiver, django_capture_on_commit_callbacks):
    client, _officer = api("officer")
    created = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url(), "events": ["tender.awarded"], "active": False},
        format="json",
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhooks/{created['id']}/ping/")
    assert response.status_code == 202, response.content
    assert response.json()["event"] == "webhook.ping"
    body = verify(created["secret"], receiver.requests[0]["headers"], receiver.requests[0]["body"])
    assert body["type"] == "webhook.ping"
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()
    assert log["count"] == 1
    entry = log["results"][0]
    assert (entry["event"], entry["status"], entry["attempts"], entry["response_status"]) == (
        "webhook.ping",
        "delivered",
        1,
        204,
    )
    assert entry["last_attempt_at"].endswith("Z") and entry["next_attempt_at"] is None
    assert AuditEvent.objects.filter(action="webhook.pinged", object_id=created["id"]).exists()


def test_redeliver_sends_the_same_message_again(api, receiver, django_capture_on_commit_callbacks):
    client, officer = api("officer")
    created = client.post(
        "/api/v1/webhooks/", {"url": receiver.url(), "events": ["tender.published"]}, format="json"
    ).json()
    receiver.answer(500)
    _publish(officer, django_capture_on_commit_callbacks)
    first = Delivery.objects.get()
    url = f"/api/v1/webhooks/{created['id']}/deliveries/{first.pk}/redeliver/"
    assert client.post(url).status_code == 409  # still pending: its retries will come
    Delivery.objects.filter(pk=first.pk).update(status="failed", next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 202, response.content
    again = response.json()
    assert again["redelivery_of"] == str(first.pk) and again["message_id"] == first.message_id
    assert len(receiver.requests) == 2
    assert receiver.requests[1]["body"] == receiver.requests[0]["body"]
    assert receiver.requests[1]["headers"]["webhook-id"] == first.message_id
    verify(created["secret"], receiver.requests[1]["headers"], receiver.requests[1]["body"])
    assert Delivery.objects.get(pk=again["id"]).status == "delivered"
    other = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/?status=delivered").json()
    assert other["count"] == 1
    assert AuditEvent.objects.filter(action="webhook.redelivered").count() == 1


def test_an_endpoint_that_keeps_failing_is_disabled_and_that_is_audited(
    officer, receiver, endpoint_for, clock, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(deliveries, "DISABLE_AFTER_FAILED", 2)
    endpoint, _secret = endpoint_for(officer)
    receiver.answer(*[500] * 16)
    clock.move_to(timezone.now())
    _publish(officer, django_capture_on_commit_callbacks)
    _publish(officer, django_capture_on_commit_callbacks)
    _retry_until_settled(clock)
    assert len(receiver.requests) == 16  # 8 attempts of each
    assert set(Delivery.objects.values_list("status", "attempts")) == {("failed", 8)}
    endpoint.refresh_from_db()
    assert endpoint.active is False and endpoint.disabled_at is not None
    assert endpoint.disabled_reason
    event = AuditEvent.objects.get(action="webhook.disabled")
    assert event.object_id == str(endpoint.pk) and event.actor_username == "system:webhooks"
    assert event.data["failed_deliveries"] == 2
    # Nothing more is sent to it, until the organisation turns it on again.
    _publish(officer, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 16
    services.update_endpoint(endpoint=endpoint, actor=officer, changes={"active": True})
    endpoint.refresh_from_db()
    assert (endpoint.failed_deliveries, endpoint.failing_since, endpoint.disabled_at) == (
        0,
        None,
        None,
    )


def test_one_failed_delivery_does_not_disable_an_endpoint(
    officer, receiver, endpoint_for, clock, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_for(officer)
    receiver.answer(*[500] * 8)
    clock.move_to(timezone.now())
    _publish(officer, django_capture_on_commit_callbacks)
    _retry_until_settled(clock)
    assert Delivery.objects.get().status == "failed"
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failed_deliveries == 1
    # A delivered message ends the run of failures.
    _publish(officer, django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert (endpoint.failed_deliveries, endpoint.failing_since) == (0, None)


def test_an_unsubscribed_or_inactive_endpoint_hears_nothing(
    officer, receiver, endpoint_for, django_capture_on_commit_callbacks
):
    endpoint_for(officer, events=["tender.awarded"])
    quiet, _secret = endpoint_for(officer)
    services.update_endpoint(endpoint=quiet, actor=officer, changes={"active": False})
    _publish(officer, django_capture_on_commit_callbacks)
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_the_sweep_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "webhooks.tasks.sweep_webhooks_task" in tasks


def test_payload_bytes_are_the_same_on_every_attempt():
    payload = {"type": "x", "data": {"b": 1, "a": "å"}, "timestamp": "t"}
    assert body_bytes(payload) == body_bytes(json.loads(body_bytes(payload)))
    assert WebhookEndpoint._meta.get_field("secret_salt")


def test_a_replaced_secret_key_is_found_among_the_fallbacks(
    officer, receiver, endpoint_for, settings, django_capture_on_commit_callbacks
):
    endpoint, secret = endpoint_for(officer)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    with django_capture_on_commit_callbacks(execute=True):
        lost = services.ping_endpoint(endpoint=endpoint, actor=officer)
    lost.refresh_from_db()
    assert lost.status == "failed" and "SECRET_KEY" in lost.error
    assert receiver.requests == []
    settings.SECRET_KEY_FALLBACKS = [old]
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_endpoint(endpoint=endpoint, actor=officer)
    request = receiver.requests[0]
    assert verify(secret, request["headers"], request["body"])["type"] == "webhook.ping"


def test_the_sweep_by_hand(officer, receiver, endpoint_for):
    endpoint_for(officer)
    publish_tender(tender=new_tender(officer), actor=officer)  # the hand-over was lost
    out = io.StringIO()
    call_command("send_webhooks", stdout=out)
    assert "1 webhook delivery attempted" in out.getvalue()
    assert len(receiver.requests) == 1
