"""Celery tasks: thin wrappers around services."""

from celery import shared_task

from contracts import services


@shared_task
def follow_up_due_checks_task() -> dict[str, int]:
    """Request the coming checks and record the overdue ones, each once (idempotent)."""
    return services.follow_up_due_checks()
