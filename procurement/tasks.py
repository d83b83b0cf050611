"""Celery tasks of procurement: thin wrappers around services."""

from celery import shared_task

from procurement.services.documents import purge_orphan_files


@shared_task
def purge_orphan_files_task() -> int:
    """Hourly (see CELERY_BEAT_SCHEDULE): files left by rolled-back uploads."""
    return len(purge_orphan_files())
