"""The outbox's listener (audit.outbox): after each commit, queue the chain's reading."""

from typing import Any

from webhooks.models import Event, WebhookEndpoint
from webhooks.tasks import process_chain_task

# The events whose commit may mean a delivery: the webhook events, and the requests for a
# ping or a redelivery. Any other event is read later with the rest of its chain.
WAKING_ACTIONS = frozenset({*Event.values, "webhook.pinged", "webhook.redelivered"})


def on_events_committed(sender: Any, event: Any, **kwargs: Any) -> None:
    """Quick, and never sends anything itself: the task does, outside any transaction."""
    if event.action not in WAKING_ACTIONS or not event.organization_id:
        return
    if not WebhookEndpoint.objects.filter(organization_id=event.organization_id).exists():
        return
    process_chain_task.delay(event.chain)
