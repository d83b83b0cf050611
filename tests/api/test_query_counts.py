"""Key reads run a constant number of queries, whatever the number of rows they return, and
fetch each object once. The counts are the view's own (the read cache is off here; its one
query per kept answer is counted in test_read_cache.py) plus the token check."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.services import record
from tests.factories import BidFactory, CriterionFactory, TenderCriterionFactory, TenderFactory


@pytest.fixture(autouse=True)
def _views_not_memory(settings):
    settings.ANBUD_READ_CACHE_SECONDS = 0


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), [q["sql"] for q in captured]


def _constant(client, url, grow, expected):
    small, _ = _queries(client, url)
    grow()
    large, sqls = _queries(client, url)
    assert small == large == expected, "\n".join(sqls)


def test_the_tender_list(api, buyer):
    client, _ = api("officer")
    TenderFactory(organization=buyer)
    _constant(
        client,
        "/api/v1/tenders/",
        lambda: [TenderFactory(organization=buyer) for _ in range(5)],
        expected=4,  # token, count, page of tenders (organisation, bid count), their lots
    )


def test_a_tender_reads_its_row_once(api, buyer):
    client, _ = api("officer")
    tender = TenderFactory(organization=buyer)
    count, sqls = _queries(client, f"/api/v1/tenders/{tender.pk}/")
    assert sum('FROM "procurement_tender"' in sql for sql in sqls) == 1, sqls
    assert count == 3  # token, the tender (with its organisation and bid count), its lots


def test_the_bid_list_of_a_supplier(api, supplier, buyer):
    client, _ = api("bidder")
    tender = TenderFactory(organization=buyer, status="published")
    BidFactory(tender=tender, supplier=supplier)
    _constant(
        client,
        "/api/v1/bids/",
        lambda: [BidFactory(tender=tender, supplier=supplier) for _ in range(5)],
        expected=5,  # token, count, page of bids (with tender and supplier), responses, documents
    )


def test_the_criteria_library_page(api, buyer):
    client, _ = api("officer")
    CriterionFactory(organization=buyer)
    _constant(
        client,
        "/api/v1/criteria/",
        lambda: [CriterionFactory(organization=buyer) for _ in range(5)],
        expected=3,  # token, count, page
    )


def test_a_tenders_criteria(api, buyer):
    client, _ = api("officer")
    tender = TenderFactory(organization=buyer)
    TenderCriterionFactory(tender=tender)
    _constant(
        client,
        f"/api/v1/tenders/{tender.pk}/criteria/",
        lambda: [TenderCriterionFactory(tender=tender) for _ in range(5)],
        expected=4,  # token, count, page, each criterion's tender
    )


def test_the_audit_page(api, buyer):
    client, user = api("auditor")

    def events(n):
        for i in range(n):
            with transaction.atomic():
                record(action="test.read", actor=user, object_type="x", data={"i": i})

    events(1)
    _constant(client, "/api/v1/audit-events/", lambda: events(5), expected=3)  # token, count, page


@pytest.mark.parametrize("role", ["officer", "bidder"])
def test_reads_do_not_grow_with_the_page_size(api, buyer, role):
    client, _ = api(role)
    small, _ = _queries(client, "/api/v1/tenders/?page_size=1")
    large, _ = _queries(client, "/api/v1/tenders/?page_size=100")
    assert small == large
