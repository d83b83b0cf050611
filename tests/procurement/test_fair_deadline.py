"""A bid that arrives before the deadline is accepted, however long it then waits.

The time of receipt is taken as the request enters the application; the deadline check and
the receipt use it. Submits on one tender share the tender's lock instead of queueing on it.
"""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audit.services import record
from procurement.errors import StateConflict
from procurement.models import Bid, Tender
from procurement.services.bids import submit_bid
from tests.factories import BidFactory, TenderFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="PostgreSQL only: row locks between connections are what is tested"
)


def _published(buyer, deadline):
    return TenderFactory(
        organization=buyer, status=Tender.Status.PUBLISHED, submission_deadline=deadline
    )


@pytest.fixture
def draft(buyer, supplier, api):
    """(deadline in an hour, a draft bid on the published tender, its bidder)."""
    deadline = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    tender = _published(buyer, deadline)
    _, bidder = api("bidder")
    return deadline, BidFactory(tender=tender, supplier=supplier), bidder


def test_a_bid_received_before_the_deadline_is_accepted_after_it(draft, clock):
    deadline, bid, bidder = draft
    clock.move_to(deadline + dt.timedelta(seconds=3))
    received = deadline - dt.timedelta(milliseconds=400)

    submitted = submit_bid(bid=bid, actor=bidder, received_at=received)

    assert submitted.status == Bid.Status.SUBMITTED
    assert submitted.submitted_at == received
    assert submitted.receipt["submitted_at"] == received.isoformat().replace("+00:00", "Z")


def test_a_bid_received_at_the_deadline_is_refused(draft, clock):
    deadline, bid, bidder = draft
    clock.move_to(deadline + dt.timedelta(seconds=3))
    with pytest.raises(StateConflict) as refused:
        submit_bid(bid=bid, actor=bidder, received_at=deadline)
    assert refused.value.code == "deadline_passed"


def test_a_claimed_time_of_receipt_in_the_future_is_not_believed(draft, clock):
    deadline, bid, bidder = draft
    clock.move_to(deadline - dt.timedelta(minutes=5))
    submitted = submit_bid(bid=bid, actor=bidder, received_at=deadline + dt.timedelta(days=1))
    assert submitted.submitted_at == timezone.now()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_request_that_waits_past_the_deadline_for_a_lock_still_gets_its_receipt(
    buyer, supplier, make_user
):
    """The request arrives 0.6 s before the deadline and is held on a database lock until
    after it (here: the tender's row, held by another transaction as an amendment does)."""
    bidder = make_user("bidder", supplier)
    deadline = timezone.now() + dt.timedelta(seconds=1.5)
    tender = _published(buyer, deadline)
    bid = BidFactory(tender=tender, supplier=supplier)
    # The supplier's chain head exists before the race.

    with transaction.atomic():
        record(action="test.warm", actor=bidder, object_type="x")

    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT 1 FROM procurement_tender WHERE id = %s FOR UPDATE", [tender.pk])
    result = {}

    def send():
        try:
            client = APIClient()
            client.force_authenticate(bidder)
            result["response"] = client.post(f"/api/v1/bids/{bid.pk}/submit/")
        finally:
            connection.close()

    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds() - 0.6))
    sent_at = timezone.now()
    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds() + 0.5))
    assert thread.is_alive(), "the submit should still be waiting for the lock"
    blocker.rollback()
    blocker.close()
    thread.join(timeout=30)

    response = result["response"]
    assert response.status_code == 200, response.content
    receipt = response.json()["receipt"]
    received = dt.datetime.fromisoformat(receipt["submitted_at"])
    assert sent_at <= received < deadline
    stored = Bid.objects.get(pk=bid.pk)
    assert stored.status == Bid.Status.SUBMITTED
    assert stored.submitted_at == received


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_submits_on_one_tender_do_not_queue_on_its_row(buyer, supplier, make_user):
    """Another submit holds its share of the tender; this one goes through beside it, while a
    state change (FOR UPDATE, as amend, cancel and open take) has to wait."""
    bidder = make_user("bidder", supplier)
    tender = _published(buyer, timezone.now() + dt.timedelta(days=1))
    bid = BidFactory(tender=tender, supplier=supplier)

    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT 1 FROM procurement_tender WHERE id = %s FOR SHARE", [tender.pk])
    try:
        done = {}

        def send():
            try:
                client = APIClient()
                client.force_authenticate(bidder)
                done["status"] = client.post(f"/api/v1/bids/{bid.pk}/submit/").status_code
            finally:
                connection.close()

        thread = threading.Thread(target=send)
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), "a submit queued behind another submit's lock"
        assert done["status"] == 200

        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
                Tender.objects.select_for_update().get(pk=tender.pk)
            cursor.execute("SET lock_timeout = 0")
    finally:
        holder.rollback()
        holder.close()
