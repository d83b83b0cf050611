"""Celery tasks: thin wrappers around services. Ids in, idempotent, acks late."""

from celery import shared_task
from django.db import OperationalError

from scoring import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_evaluation_task(self, evaluation_id: str) -> str | None:
    evaluation = services.run_evaluation(evaluation_id, task_id=self.request.id or "eager")
    return evaluation.status if evaluation is not None else None


@shared_task
def sweep_stuck_evaluations_task() -> int:
    return services.sweep_stuck_evaluations()
