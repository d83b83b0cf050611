"""The snapshot and the results load in a constant number of queries whatever the bid count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from criteria.models import TenderCriterion
from procurement.models import Bid, BidResponse, Tender
from scoring import services, snapshot
from tests.factories import SupplierFactory, TenderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _opened_tender(bids: int) -> Tender:
    tender = TenderFactory(
        status=Tender.Status.OPENED,
        evaluation={
            "method": "weighted_points",
            "price_weight": "60",
            "price_scoring": "proportional",
        },
    )
    lot = tender.lots.get()
    criteria = [
        TenderCriterion.objects.create(
            tender=tender,
            code=f"C{i}",
            category="environmental",
            kind="award",
            title=f"C{i}",
            rule={"type": "linear", "worst": "0", "best": "100"},
            weight=Decimal("10"),
            position=i,
        )
        for i in range(4)
    ]
    suppliers = [SupplierFactory() for _ in range(bids)]
    now = timezone.now() - dt.timedelta(days=1)
    created = Bid.objects.bulk_create(
        [
            Bid(
                tender=tender,
                lot=lot,
                supplier=s,
                status=Bid.Status.SUBMITTED,
                price_amount=Decimal(1000 + i),
                submitted_at=now + dt.timedelta(seconds=i),
            )
            for i, s in enumerate(suppliers)
        ]
    )
    BidResponse.objects.bulk_create(
        [
            BidResponse(bid=b, tender_criterion=c, value=str(i % 100))
            for i, b in enumerate(created)
            for c in criteria
        ]
    )
    return tender


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_snapshot_loads_in_the_same_number_of_queries_for_10_and_200_bids():
    small, large = _opened_tender(10), _opened_tender(200)
    small_count = _queries(lambda: snapshot.build_input(small))
    large_count = _queries(lambda: snapshot.build_input(large))
    assert small_count == large_count
    assert len(snapshot.build_input(large).bids) == 200


def test_results_use_the_same_number_of_queries_for_10_and_200_bids(
    client_for, django_capture_on_commit_callbacks, settings
):
    settings.ANBUD_READ_CACHE_SECONDS = 0  # the view's own queries (api/readcache.py is apart)
    counts = []
    for n in (10, 200):
        tender = _opened_tender(n)
        officer = UserFactory(role="officer", organization=tender.organization)
        with django_capture_on_commit_callbacks(execute=True):
            evaluation = services.start_evaluation(tender=tender, actor=officer)
        evaluation.refresh_from_db()
        assert evaluation.status == "done", evaluation.error
        client = client_for(officer)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/evaluations/{evaluation.pk}/results/")
        assert response.status_code == 200 and response.json()["count"] == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
