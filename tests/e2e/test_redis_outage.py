"""Redis down (the cache and the broker): logins are answered as usual, their failures counted
in the database; a run started in the meantime is answered 202 and stays queued for beat to
queue again; nothing answers 500."""

import pytest
from django.utils import timezone

from config.celery import app
from procurement.models import SharedCounter
from procurement.services.tenders import publish_tender
from scoring.models import Evaluation
from scoring.services import runs
from tests.scenarios import new_tender, open_bids, submitted_bid

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = NOWHERE
    app.conf.broker_connection_retry_on_startup = False
    yield
    app.conf.task_always_eager, app.conf.broker_url = eager, broker


def test_logins_are_answered_and_counted_in_the_database(make_user, buyer, redis_down, client):
    user = make_user("officer", buyer, username="greta")
    user.set_password("Ett-långt-lösen-2026")
    user.save()
    wrong = client.post(
        "/api/v1/auth/token/",
        {"username": "greta", "password": "x"},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert SharedCounter.objects.filter(key__startswith="login:user:").get().value == 1
    right = client.post(
        "/api/v1/auth/token/",
        {"username": "greta", "password": "Ett-långt-lösen-2026"},
        content_type="application/json",
    )
    assert right.status_code == 200, right.content


def test_a_run_started_without_a_broker_is_answered_and_stays_queued(
    api, clock, redis_down, django_capture_on_commit_callbacks
):
    client, officer = api("officer")
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    submitted_bid(api("bidder")[1], tender, "100000.00")
    open_bids(clock, tender, officer, api("admin")[1])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/tenders/{tender.pk}/evaluations/")
    assert started.status_code == 202, started.content
    evaluation = Evaluation.objects.get()
    assert evaluation.status == Evaluation.Status.QUEUED
    # beat queues it again once it has waited (the broker is still down: it stays queued)
    clock.move_to(timezone.now() + runs.STUCK_AFTER + runs.STUCK_AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.sweep_stuck_evaluations() == 1
    assert Evaluation.objects.get().status == Evaluation.Status.QUEUED
