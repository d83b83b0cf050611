"""One visibility policy: an evaluator sees prices in every representation exactly when the
tender lets evaluators see prices, and in none when it does not."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from procurement import projection
from procurement.models import Bid, BidDocument, Tender
from procurement.services.documents import upload_bid_document
from tests.api.helpers import bid, create_tender, publish, submit


def _shows_price(page: str) -> bool:
    """777 777 SEK as any page's language may write it."""
    return any(form in page for form in ("777777", "777,777", "777 777", "777\u00a0777"))


def _opened(api, clock, *, see_prices: bool):
    officer, _ = api("officer")
    evaluation = {"method": "lowest_price", "evaluators_see_prices": see_prices}
    tender = create_tender(officer, days=31, evaluation=evaluation)
    publish(officer, tender["id"])
    bidder, bidder_user = api("bidder")
    draft = bid(bidder, tender["id"], "777777.00")
    for name, kind in (("prices.csv", "price_sheet"), ("iso14001.txt", "certificate")):
        upload_bid_document(
            bid=Bid.objects.get(pk=draft["id"]),
            actor=bidder_user,
            uploaded=SimpleUploadedFile(name, b"item,value\nmeat,777777\n"),
            kind=kind,
        )
    submit(bidder, draft["id"])
    clock.move_to(Tender.objects.get(pk=tender["id"]).submission_deadline + dt.timedelta(minutes=1))
    officer.post(f"/api/v1/tenders/{tender['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{tender['id']}/open/")
    evaluator, evaluator_user = api("evaluator")
    declared = evaluator.post(
        f"/api/v1/tenders/{tender['id']}/conflict-declarations/",
        {"has_conflict": False, "statement": "None"},
        format="json",
    )
    assert declared.status_code == 201, declared.content
    return tender, draft, evaluator, evaluator_user


@pytest.mark.parametrize("see_prices", [False, True], ids=["prices-hidden", "prices-shown"])
def test_every_representation_of_a_bid_follows_the_tender(api, clock, see_prices):
    tender, draft, evaluator, evaluator_user = _opened(api, clock, see_prices=see_prices)
    url = f"/api/v1/bids/{draft['id']}/"

    # API: detail, list, embedded documents, the documents endpoint, the opening protocol
    detail = evaluator.get(url).json()
    assert (detail["price"] is not None) is see_prices
    embedded = {d["filename"] for d in detail["documents"]}
    assert ("prices.csv" in embedded) is see_prices
    assert "iso14001.txt" in embedded
    listed = evaluator.get(f"/api/v1/bids/?tender={tender['id']}").json()["results"]
    assert (listed[0]["price"] is not None) is see_prices
    documents = evaluator.get(f"{url}documents/").json()["results"]
    assert ("prices.csv" in {d["filename"] for d in documents}) is see_prices
    protocol = evaluator.get(f"/api/v1/tenders/{tender['id']}/").json()["opening_protocol"]
    assert ("777777" in str(protocol)) is see_prices

    # The admin: bid list, bid page, bid documents list
    evaluator_user.is_staff = True
    evaluator_user.save()
    admin = Client()
    admin.force_login(evaluator_user)
    bid_list = admin.get("/admin/procurement/bid/").content.decode()
    assert _shows_price(bid_list) is see_prices
    assert ("hidden from evaluators" in bid_list) is not see_prices
    bid_page = admin.get(
        f"/admin/procurement/bid/{draft['id']}/change/", follow=True
    ).content.decode()
    assert _shows_price(bid_page) is see_prices
    doc_list = admin.get("/admin/procurement/biddocument/").content.decode()
    assert ("prices.csv" in doc_list) is see_prices
    assert "iso14001.txt" in doc_list


def test_ordering_by_price_is_for_evaluators_only_where_prices_are_shown(api, clock):
    hidden_tender, _, _, evaluator_user = _opened(api, clock, see_prices=False)
    hidden = Tender.objects.get(pk=hidden_tender["id"])
    assert not projection.may_order_by_price(evaluator_user, hidden)
    assert not projection.may_order_by_price(evaluator_user, None)
    hidden.evaluation = {**hidden.evaluation, "evaluators_see_prices": True}
    assert projection.may_order_by_price(evaluator_user, hidden)
    officer = api("officer")[1]
    assert projection.may_order_by_price(officer, None)
    assert BidDocument.objects.filter(kind="price_sheet").count() == 1
