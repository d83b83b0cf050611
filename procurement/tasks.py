"""Celery tasks of procurement: thin wrappers around services."""

from celery import shared_task

from procurement import counters
from procurement.services.documents import purge_orphan_files
from procurement.services.tokens import purge_expired_tokens


@shared_task
def purge_orphan_files_task() -> int:
    """Hourly (see CELERY_BEAT_SCHEDULE): files left by rolled-back uploads."""
    return len(purge_orphan_files())


@shared_task
def purge_expired_tokens_task() -> int:
    """Hourly (see CELERY_BEAT_SCHEDULE): expired API tokens, already refused, are deleted,
    and so are the expired login and denial counters kept in the database."""
    return purge_expired_tokens() + counters.purge_expired()
