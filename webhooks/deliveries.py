"""The outbox's reader and the sender (ARCHITECTURE.md "Second wave"; ADR 0005).

``read_chain`` reads an organisation's audit chain from where it last stopped (a cursor per
chain, locked while it is read) and adds one delivery per subscribed, active endpoint and
event; the unique constraint makes reading twice harmless. ``send_due`` sends what is due,
each attempt claimed in a short transaction of its own and sent outside any transaction.

Retries: attempt 1 at once, then after 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 14 h (each
delay ±10 % at random, so that many endpoints do not all retry at the same second): 8
attempts over about 32 hours. A 2xx answer is delivered; anything else (a 3xx too: no
redirect is followed, a timeout, a refused address) is a failed attempt. A message that has
used its 8 attempts is ``failed``; an endpoint whose deliveries failed for good
``DISABLE_AFTER_FAILED`` times in a row, or that has failed every attempt for more than
``DISABLE_AFTER_FAILING`` with at least one delivery given up, is disabled, and that is an
audit event (``webhook.disabled``). A delivered message ends the run of failures.
"""

import datetime as dt
import logging
import secrets
import time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent, ChainHead
from audit.services import record
from procurement.models import Tender
from webhooks import payloads, signing, transport
from webhooks.models import ChainCursor, Delivery, Event, WebhookEndpoint

logger = logging.getLogger(__name__)

# Seconds to wait before attempt n+1 after attempt n failed (the first is sent at once).
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.10
DISABLE_AFTER_FAILED = 5
DISABLE_AFTER_FAILING = dt.timedelta(days=3)
# A claimed attempt is not taken by another worker for this long (it may be sending).
CLAIM_SECONDS = 120
READ_BATCH = 500
SEND_BATCH = 50
# At most this many batches per sweep; the next sweep goes on.
SWEEP_ROUNDS = 10

_random = secrets.SystemRandom()


def retry_delay(attempts: int) -> dt.timedelta | None:
    """The wait after the ``attempts``-th attempt failed; None when there is no next one."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    seconds = RETRY_DELAYS[attempts - 1]
    return dt.timedelta(seconds=seconds * _random.uniform(1 - JITTER, 1 + JITTER))


def chains_with_endpoints() -> list[str]:
    ids = (
        WebhookEndpoint.objects.filter(active=True)
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )
    return [str(organization_id) for organization_id in ids]


def read_chain(chain: str) -> int:
    """Add the deliveries of the chain's new events; return how many were added."""
    added = 0
    while True:
        count, more = _read_batch(chain)
        added += count
        if not more:
            return added


@transaction.atomic
def _read_batch(chain: str) -> tuple[int, bool]:
    ChainCursor.objects.bulk_create([ChainCursor(chain=chain)], ignore_conflicts=True)
    cursor = ChainCursor.objects.select_for_update().get(chain=chain)
    head = ChainHead.objects.filter(chain=chain).values_list("sequence", flat=True).first() or 0
    endpoints = list(
        WebhookEndpoint.objects.filter(organization_id=chain, active=True).select_related(
            "organization"
        )
        if chain != "platform"
        else []
    )
    if not endpoints:
        # Nobody listens: nothing to read (an endpoint hears only of later events).
        if cursor.sequence < head:
            cursor.sequence = head
            cursor.save()
        return 0, False
    events = list(
        AuditEvent.objects.filter(
            chain=chain, sequence__gt=cursor.sequence, action__in=Event.values
        ).order_by("sequence")[:READ_BATCH]
    )
    more = len(events) == READ_BATCH
    tenders = Tender.objects.select_related("organization").in_bulk(
        {event.tender_id for event in events if event.tender_id}
    )
    new = []
    for event in events:
        tender = tenders.get(event.tender_id) if event.tender_id else None
        if tender is None:
            continue
        listeners = [
            e for e in endpoints if event.action in e.events and event.sequence > e.from_sequence
        ]
        if not listeners:
            continue
        payload = payloads.for_event(event, tender)
        now = timezone.now()
        new += [
            Delivery(
                endpoint=endpoint,
                event=event.action,
                message_id=signing.new_message_id(),
                audit_event_id=event.pk,
                payload=payload,
                next_attempt_at=now,
            )
            for endpoint in listeners
        ]
    # Already there (the cursor was behind: a crash, a retried task): left as they are.
    known = set(
        Delivery.objects.filter(
            manual=False, audit_event_id__in=[d.audit_event_id for d in new]
        ).values_list("endpoint_id", "audit_event_id")
    )
    new = [d for d in new if (d.endpoint.pk, d.audit_event_id) not in known]
    Delivery.objects.bulk_create(new, ignore_conflicts=True)
    cursor.sequence = events[-1].sequence if more else max(head, cursor.sequence)
    cursor.save()
    return len(new), more


def due(*, organization_id: Any = None) -> list[Any]:
    found = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    )
    if organization_id is not None:
        found = found.filter(endpoint__organization_id=organization_id)
    return list(found.order_by("next_attempt_at").values_list("pk", flat=True)[:SEND_BATCH])


def send_due(*, organization_id: Any = None) -> int:
    """Send the deliveries that are due (of one organisation, or all); how many were tried."""
    tried = 0
    for delivery_id in due(organization_id=organization_id):
        if attempt(delivery_id):
            tried += 1
    return tried


def _claim(delivery_id: Any) -> Delivery | None:
    """Take the delivery for one attempt if it is still due; nobody else takes it meanwhile."""
    with transaction.atomic():
        now = timezone.now()
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.endpoint.active and not delivery.manual:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.error = _("The endpoint is not active.")
            delivery.save(update_fields=["status", "next_attempt_at", "error"])
            return None
        delivery.next_attempt_at = now + dt.timedelta(seconds=CLAIM_SECONDS)
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def attempt(delivery_id: Any) -> bool:
    """One attempt of one delivery: claimed, sent outside any transaction, then recorded."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return False
    endpoint = delivery.endpoint
    body = payloads.body_bytes(delivery.payload)
    timestamp = int(time.time())
    try:
        secret = signing.secret_of(endpoint.secret_salt, endpoint.secret_check)
    except signing.SecretUnavailable:
        outcome = transport.Outcome(
            None, _("The secret cannot be derived: the server's SECRET_KEY was replaced.")
        )
    else:
        outcome = transport.post(
            endpoint.url,
            body,
            {
                "webhook-id": delivery.message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signing.signature(
                    secret, delivery.message_id, timestamp, body
                ),
            },
        )
    _settle(delivery.pk, outcome)
    return True


@transaction.atomic
def _settle(delivery_id: Any, outcome: transport.Outcome) -> None:
    now = timezone.now()
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        return  # the endpoint was removed while the attempt was under way
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = outcome.status
    delivery.error = outcome.error[:300]
    if outcome.ok:
        delivery.status = Delivery.Status.DELIVERED
        delivery.next_attempt_at = None
    else:
        wait = None if delivery.manual else retry_delay(delivery.attempts)
        if wait is None:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + wait
    delivery.save()
    if delivery.manual:
        return  # pings and redeliveries are tries by hand: they do not count against it
    if outcome.ok:
        if endpoint.failing_since or endpoint.failed_deliveries:
            endpoint.failing_since = None
            endpoint.failed_deliveries = 0
            endpoint.save(update_fields=["failing_since", "failed_deliveries", "updated_at"])
        return
    endpoint.failing_since = endpoint.failing_since or now
    if delivery.status == Delivery.Status.FAILED:
        endpoint.failed_deliveries += 1
    endpoint.save(update_fields=["failing_since", "failed_deliveries", "updated_at"])
    if endpoint.active and delivery.status == Delivery.Status.FAILED:
        failing_for = now - endpoint.failing_since
        if (
            endpoint.failed_deliveries >= DISABLE_AFTER_FAILED
            or failing_for > DISABLE_AFTER_FAILING
        ):
            _disable(endpoint, now, failing_for)


def _disable(endpoint: WebhookEndpoint, now: dt.datetime, failing_for: dt.timedelta) -> None:
    """Stop sending to an endpoint that keeps failing; the organisation turns it on again."""
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = _(
        "%(count)s deliveries failed for good in a row; every attempt failed for %(hours)s hours."
    ) % {"count": endpoint.failed_deliveries, "hours": int(failing_for.total_seconds() // 3600)}
    endpoint.version += 1
    endpoint.save()
    # Automatic deliveries still waiting will not be sent.
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING, manual=False).update(
        status=Delivery.Status.FAILED,
        next_attempt_at=None,
        error=_("The endpoint is not active."),
    )
    record(
        action="webhook.disabled",
        actor=None,
        system="webhooks",
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=endpoint.organization_id,
        data={
            "url": endpoint.url,
            "failed_deliveries": endpoint.failed_deliveries,
            "failing_since": endpoint.failing_since,
        },
    )
    logger.warning("webhook endpoint %s disabled after repeated failures", endpoint.pk)


def process_chain(chain: str) -> int:
    """After a commit in ``chain``: its new deliveries, then what is due of its endpoints."""
    read_chain(chain)
    if chain == "platform":
        return 0
    return send_due(organization_id=chain)


def sweep() -> int:
    """The periodic catch-up: every listened chain read to its end, every due attempt sent."""
    for chain in chains_with_endpoints():
        try:
            read_chain(chain)
        except Exception:
            logger.exception("webhooks: reading chain %s failed", chain)
    tried = 0
    for _round in range(SWEEP_ROUNDS):
        count = send_due()
        tried += count
        if count < SEND_BATCH:
            break
    return tried
