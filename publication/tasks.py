"""Celery tasks: thin wrappers around the services. Ids in, idempotent, acks late."""

from celery import shared_task
from django.db import OperationalError

from publication import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def publish_chain_task(chain: str) -> int:
    return services.publish_chain(chain)


@shared_task
def sweep_releases_task() -> int:
    return services.sweep()
