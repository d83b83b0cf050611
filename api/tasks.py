"""Celery tasks of the API layer: thin wrappers."""

from celery import shared_task

from api.idempotency import purge_expired_keys


@shared_task
def purge_expired_idempotency_keys_task() -> int:
    """Hourly (see CELERY_BEAT_SCHEDULE): Idempotency-Keys past their 24 hours."""
    return purge_expired_keys()
