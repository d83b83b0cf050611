"""Every change of an organisation's webhook endpoints, each audited: create (the secret is
shown once), change, delete, ping and redeliver. Sending is webhooks.deliveries', after
commit."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error
from procurement.models import Organization, User
from procurement.policy import Action
from procurement.services.common import check_version
from webhooks import payloads, signing, transport
from webhooks.models import PING, Delivery, Event, WebhookEndpoint

ENDPOINT_FIELDS = ("url", "events", "active")
MAX_URL_LENGTH = 2000


def _check(data: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's fields checked together; a problem detail per field."""
    errors = []
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        errors.append(field_error("/url", "required", _("The endpoint's https URL.")))
    elif len(url) > MAX_URL_LENGTH:
        errors.append(
            field_error(
                "/url",
                "max_length",
                _("At most %(limit)s characters.") % {"limit": MAX_URL_LENGTH},
            )
        )
    else:
        url = url.strip()
        errors += [field_error("/url", code, message) for code, message in transport.check_url(url)]
    events = data.get("events")
    if not isinstance(events, list) or not events:
        errors.append(
            field_error(
                "/events",
                "required",
                _("At least one event of: %(choices)s.") % {"choices": ", ".join(Event.values)},
            )
        )
        events = []
    for index, event in enumerate(events):
        if event not in Event.values:
            errors.append(
                field_error(
                    f"/events/{index}",
                    "invalid_choice",
                    _("Unknown event %(event)s; use one of: %(choices)s.")
                    % {"event": event, "choices": ", ".join(Event.values)},
                )
            )
    active = data.get("active", True)
    if not isinstance(active, bool):
        errors.append(field_error("/active", "invalid", _("true or false.")))
    if errors:
        raise InvalidInput(_("The webhook endpoint is not valid."), errors=errors)
    # One entry per event, in the vocabulary's order.
    chosen = [event for event in Event.values if event in events]
    return {"url": url, "events": chosen, "active": active}


@dataclass(frozen=True)
class Created:
    endpoint: WebhookEndpoint
    secret: str  # shown once, never stored


@transaction.atomic
def create_endpoint(*, actor: User, organization: Organization, **fields: Any) -> Created:
    """An endpoint hears of the events after its creation only, never of older ones."""
    policy.require(actor, Action.WEBHOOKS_MANAGE, organization_id=organization.pk)
    data = _check({name: fields[name] for name in ENDPOINT_FIELDS if name in fields})
    salt = signing.new_salt()
    secret, check = signing.secret_for_salt(salt)
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        created_by=actor,
        secret_salt=salt,
        secret_check=check,
        **data,
    )
    event = record(
        action="webhook.created",
        actor=actor,
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=organization.pk,
        data=data,
    )
    endpoint.from_sequence = event.sequence
    endpoint.save(update_fields=["from_sequence"])
    return Created(endpoint=endpoint, secret=secret)


@transaction.atomic
def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> WebhookEndpoint:
    """Turning an endpoint on again (``active``) starts its count of failures afresh."""
    policy.require(actor, Action.WEBHOOKS_MANAGE, endpoint)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    check_version(endpoint, expected_version)
    current = {name: getattr(endpoint, name) for name in ENDPOINT_FIELDS}
    merged = _check({**current, **{k: v for k, v in changes.items() if k in ENDPOINT_FIELDS}})
    diff = {
        name: {"from": current[name], "to": merged[name]}
        for name in ENDPOINT_FIELDS
        if name in changes and merged[name] != current[name]
    }
    if not diff:
        return endpoint
    for name in diff:
        setattr(endpoint, name, merged[name])
    if diff.get("active", {}).get("to") is True:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
        endpoint.failed_deliveries = 0
    endpoint.version += 1
    endpoint.save()
    record(
        action="webhook.updated",
        actor=actor,
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=endpoint.organization_id,
        data={"changes": diff},
    )
    return endpoint


@transaction.atomic
def delete_endpoint(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """The endpoint and its delivery log go; the trail keeps that it existed."""
    policy.require(actor, Action.WEBHOOKS_MANAGE, endpoint)
    record(
        action="webhook.deleted",
        actor=actor,
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=endpoint.organization_id,
        data={name: getattr(endpoint, name) for name in ENDPOINT_FIELDS},
    )
    endpoint.delete()


@transaction.atomic
def ping_endpoint(*, endpoint: WebhookEndpoint, actor: User) -> Delivery:
    """A ``webhook.ping`` message, sent once after commit (whether or not the endpoint is
    active: it is how one tries an endpoint before turning it on again)."""
    policy.require(actor, Action.WEBHOOKS_MANAGE, endpoint)
    now = timezone.now()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=PING,
        message_id=signing.new_message_id(),
        payload=payloads.ping(endpoint.organization, now),
        manual=True,
        next_attempt_at=now,
    )
    record(
        action="webhook.pinged",
        actor=actor,
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=endpoint.organization_id,
        data={"delivery": delivery.pk},
    )
    return delivery


@transaction.atomic
def redeliver(*, delivery: Delivery, actor: User) -> Delivery:
    """The same message (same ``webhook-id`` and body, a new signature) once more, as a new
    entry of the log; 409 while the message is still being delivered."""
    endpoint = delivery.endpoint
    policy.require(actor, Action.WEBHOOKS_MANAGE, endpoint)
    if delivery.status == Delivery.Status.PENDING:
        raise StateConflict(
            _("This message is still being delivered; wait for its outcome."),
            code="delivery_pending",
        )
    copy = Delivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        message_id=delivery.message_id,
        audit_event_id=delivery.audit_event_id,
        payload=delivery.payload,
        manual=True,
        redelivery_of=delivery,
        next_attempt_at=timezone.now(),
    )
    record(
        action="webhook.redelivered",
        actor=actor,
        obj=endpoint,
        object_type="webhook_endpoint",
        organization_id=endpoint.organization_id,
        data={"delivery": delivery.pk, "redelivery": copy.pk, "event": delivery.event},
    )
    return copy
