"""Secrecy beyond the seal: unpublished tenders, blind evaluators, the platform operator."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import Bid, Tender
from procurement.services.documents import upload_bid_document
from tests.api.helpers import bid, create_tender, publish, submit


def test_a_draft_cancelled_before_publishing_stays_invisible_to_suppliers(api):
    officer, _ = api("officer")
    draft = create_tender(officer)
    officer.post(
        f"/api/v1/tenders/{draft['id']}/documents/",
        {"file": SimpleUploadedFile("plan.txt", b"Internal plan\n"), "kind": "other"},
        format="multipart",
    )
    officer.post(f"/api/v1/tenders/{draft['id']}/cancel/", {"reason": "Not needed"}, format="json")
    bidder, _ = api("bidder")
    assert bidder.get(f"/api/v1/tenders/{draft['id']}/").status_code == 404
    assert bidder.get(f"/api/v1/tenders/{draft['id']}/documents/").status_code == 404
    assert bidder.get("/api/v1/tenders/").json()["count"] == 0


def _opened_with_price_sheet(api, clock):
    officer, _ = api("officer")
    tender = create_tender(officer, days=31)
    publish(officer, tender["id"])
    bidder, bidder_user = api("bidder")
    draft = bid(bidder, tender["id"], "777777.00")
    upload_bid_document(
        bid=Bid.objects.get(pk=draft["id"]),
        actor=bidder_user,
        uploaded=SimpleUploadedFile("prices.csv", b"item,price\nmeat,777777\n"),
        kind="price_sheet",
    )
    submit(bidder, draft["id"])
    clock.move_to(Tender.objects.get(pk=tender["id"]).submission_deadline + dt.timedelta(minutes=1))
    officer.post(f"/api/v1/tenders/{tender['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{tender['id']}/open/")
    return tender, draft


def test_blind_evaluators_get_no_price_sheets_and_cannot_sort_by_price(api, clock):
    tender, draft = _opened_with_price_sheet(api, clock)
    evaluator, _ = api("evaluator")
    evaluator.post(
        f"/api/v1/tenders/{tender['id']}/conflict-declarations/",
        {"has_conflict": False, "statement": "None"},
        format="json",
    )
    assert evaluator.get(f"/api/v1/bids/{draft['id']}/documents/").json()["results"] == []
    officer, _ = api("officer")
    docs = officer.get(f"/api/v1/bids/{draft['id']}/documents/").json()["results"]
    assert [d["kind"] for d in docs] == ["price_sheet"]
    assert (
        evaluator.get(f"/api/v1/bids/{draft['id']}/documents/{docs[0]['id']}/download/").status_code
        == 404
    )
    # Sorting by a price they cannot see is refused outright (an order would leak it).
    refused = evaluator.get("/api/v1/bids/?ordering=price_amount")
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["/ordering"]
    listed = evaluator.get("/api/v1/bids/").json()["results"]
    assert [b["price"] for b in listed] == [None]


def test_the_platform_operator_reads_no_opening_protocol(api, clock, superuser, client_for):
    """Only the count: API.md lets every buyer-side user, the superuser too, see
    `bids_received`, and no one outside the buyer the protocol."""
    tender, _ = _opened_with_price_sheet(api, clock)
    seen = client_for(superuser).get(f"/api/v1/tenders/{tender['id']}/").json()
    assert seen["opening_protocol"] is None and seen["opened_by"] is None
    assert seen["bids_received"] == 1


def test_lot_amounts_must_be_in_the_tender_currency(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/lots/",
        {"title": "L", "estimated_value": {"amount": "1.00", "currency": "EUR"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/estimated_value/currency"
