"""Runs that nobody works on any more: queued again (same task id, same hashes), and failed
only after MAX_ATTEMPTS claims. A read of the run never writes."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from scoring import services
from scoring.models import Evaluation
from tests.audit.test_every_service_records import World, _opened


@pytest.fixture
def world(buyer, supplier, make_user, superuser):
    return World(buyer, supplier, make_user, superuser)


def _stuck(tender, officer, **fields):
    return Evaluation.objects.create(
        tender=tender, method="lowest_price", created_by=officer, **fields
    )


def test_a_run_whose_worker_vanished_is_queued_again_and_finishes_with_the_same_hashes(
    world, django_capture_on_commit_callbacks
):
    tender, _, _ = _opened(world, bids=2)
    reference = _stuck(tender, world.officer)
    services.run_evaluation(reference.pk, task_id="reference")
    reference.refresh_from_db()

    long_ago = timezone.now() - services.STUCK_AFTER - dt.timedelta(seconds=1)
    lost = _stuck(tender, world.officer, status="running", task_id="t-1", attempts=1)
    Evaluation.objects.filter(pk=lost.pk).update(started_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):  # eager: the task runs at once
        assert services.sweep_stuck_evaluations() == 1

    lost.refresh_from_db()
    assert lost.status == Evaluation.Status.DONE
    assert lost.attempts == 2 and lost.task_id == "t-1"
    assert lost.result_sha256 == reference.result_sha256
    actions = list(
        AuditEvent.objects.filter(object_id=str(lost.pk)).values_list("action", flat=True)
    )
    assert "evaluation.requeued" in actions and "evaluation.failed" not in actions


def test_a_queued_run_whose_message_was_lost_is_queued_again(
    world, django_capture_on_commit_callbacks
):
    tender, _, _ = _opened(world)
    lost = _stuck(tender, world.officer)
    Evaluation.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - services.STUCK_AFTER - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stuck_evaluations() == 1
    lost.refresh_from_db()
    assert lost.status == Evaluation.Status.DONE


def test_a_run_is_failed_after_its_last_attempt(world):
    tender, _, _ = _opened(world)
    lost = _stuck(
        tender,
        world.officer,
        status="running",
        task_id="t-3",
        attempts=services.MAX_ATTEMPTS,
    )
    Evaluation.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - services.STUCK_AFTER - dt.timedelta(seconds=1)
    )
    services.sweep_stuck_evaluations()
    lost.refresh_from_db()
    assert lost.status == Evaluation.Status.FAILED
    assert lost.error["code"] == "stuck"


def test_a_recent_run_is_left_alone_and_reading_it_writes_nothing(world, client_for):
    tender, _, _ = _opened(world)
    running = _stuck(
        tender, world.officer, status="running", task_id="t-4", started_at=timezone.now()
    )
    assert services.sweep_stuck_evaluations() == 0
    events = AuditEvent.objects.count()
    response = client_for(world.officer).get(f"/api/v1/evaluations/{running.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "running"
    assert AuditEvent.objects.count() == events
