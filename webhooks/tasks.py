"""Celery tasks: thin wrappers around webhooks.deliveries. Ids in, idempotent, acks late."""

from celery import shared_task
from django.db import OperationalError

from webhooks import deliveries


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def process_chain_task(chain: str) -> int:
    """After a commit in ``chain``: read its new events, send what is due."""
    return deliveries.process_chain(chain)


@shared_task
def sweep_webhooks_task() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): catch up after a crash, send the retries due."""
    return deliveries.sweep()
