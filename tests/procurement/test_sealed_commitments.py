"""A bid's hash commits to its price without revealing it.

A price-blind evaluator reads everything it may (the API's bid, list, documents, the tender
with its opening protocol, its own audit events, the admin's bid pages) and tries the attack
that worked before salts: rebuild the canonical bid JSON for every plausible price and compare
its SHA-256 with every hash in sight. It must find nothing. Those who see the price also see
the salt, and with it the bid's hash can be recomputed: the receipt still proves the bid
unchanged.
"""

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.chain import canonical
from procurement.models import Bid, Tender
from procurement.services.bids import canonical_bid
from procurement.services.documents import upload_bid_document
from tests.api.helpers import bid, create_tender, publish, submit

PRICE = "2150000.00"
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def _opened_with_blind_evaluator(api, clock):
    officer, _ = api("officer")
    tender = create_tender(officer, days=31, evaluation={"method": "lowest_price"})
    publish(officer, tender["id"])
    bidder, bidder_user = api("bidder")
    draft = bid(bidder, tender["id"], PRICE)
    upload_bid_document(
        bid=Bid.objects.get(pk=draft["id"]),
        actor=bidder_user,
        uploaded=SimpleUploadedFile(f"prisbilaga-{PRICE}.csv", f"total;{PRICE}\n".encode()),
        kind="price_sheet",
    )
    upload_bid_document(
        bid=Bid.objects.get(pk=draft["id"]),
        actor=bidder_user,
        uploaded=SimpleUploadedFile("iso14001.txt", b"certificate\n"),
        kind="certificate",
    )
    receipt = submit(bidder, draft["id"])["receipt"]
    clock.move_to(Tender.objects.get(pk=tender["id"]).submission_deadline + dt.timedelta(minutes=1))
    officer.post(f"/api/v1/tenders/{tender['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{tender['id']}/open/")
    evaluator, evaluator_user = api("evaluator")
    evaluator.post(
        f"/api/v1/tenders/{tender['id']}/conflict-declarations/",
        {"has_conflict": False, "statement": "None"},
        format="json",
    )
    return tender, draft["id"], receipt, evaluator, evaluator_user


def _everything_the_evaluator_reads(tender, bid_id, evaluator, evaluator_user) -> str:
    pages = [
        evaluator.get(f"/api/v1/bids/{bid_id}/"),
        evaluator.get(f"/api/v1/bids/?tender={tender['id']}"),
        evaluator.get(f"/api/v1/bids/{bid_id}/documents/"),
        evaluator.get(f"/api/v1/tenders/{tender['id']}/"),
        evaluator.get("/api/v1/audit-events/"),
    ]
    assert all(page.status_code == 200 for page in pages), [p.status_code for p in pages]
    text = [json.dumps(page.json()) for page in pages]
    admin = Client()
    admin.force_login(evaluator_user)
    for url in (f"/admin/procurement/bid/{bid_id}/change/", "/admin/procurement/bid/"):
        page = admin.get(url, follow=True)
        assert page.status_code == 200
        text.append(page.content.decode())
    return "\n".join(text)


def _guessed_hash(body: dict, price: Decimal) -> str:
    guess = {**body, "price": {**body["price"], "amount": format(price, "f")}}
    return hashlib.sha256(canonical(guess).encode("utf-8")).hexdigest()


def test_a_price_blind_evaluator_cannot_recover_the_price(api, clock):
    tender, bid_id, _, evaluator, evaluator_user = _opened_with_blind_evaluator(api, clock)
    seen = _everything_the_evaluator_reads(tender, bid_id, evaluator, evaluator_user)

    assert "2150000" not in seen and "2 150 000" not in seen
    hashes_in_sight = set(HEX64.findall(seen))
    # The attacker is granted every field of the canonical bid but the sealed ones (the price,
    # and the salt, which it cannot know): it tries every price from 0 to 5 MSEK in steps of
    # 1,000 SEK, and the true one.
    body = canonical_bid(Bid.objects.get(pk=bid_id))
    unsalted = {k: v for k, v in body.items() if k != "salt"}
    candidates = [Decimal(step * 1000) for step in range(5001)] + [Decimal(PRICE)]
    found = [
        price
        for price in candidates
        for attempt in (body, unsalted)
        if _guessed_hash(attempt, price) in hashes_in_sight
    ]
    assert found == []
    assert Bid.objects.get(pk=bid_id).sha256 not in hashes_in_sight


def test_whoever_sees_the_price_can_prove_the_bid_unchanged(api, clock):
    tender, bid_id, receipt, _, _ = _opened_with_blind_evaluator(api, clock)
    officer, _ = api("officer")
    shown = officer.get(f"/api/v1/bids/{bid_id}/").json()
    assert shown["sha256"] == receipt["sha256"] and shown["salt"] == receipt["salt"]
    assert len(shown["salt"]) == 32
    body = canonical_bid(Bid.objects.get(pk=bid_id))
    assert body["salt"] == shown["salt"]
    assert _guessed_hash(body, Decimal(PRICE)) == shown["sha256"]
    # Without the salt, the true price does not give the hash: the hash alone tests nothing.
    unsalted = {k: v for k, v in body.items() if k != "salt"}
    assert _guessed_hash(unsalted, Decimal(PRICE)) != shown["sha256"]
    protocol = officer.get(f"/api/v1/tenders/{tender['id']}/").json()["opening_protocol"]
    assert protocol["bids"][0]["sha256"] == shown["sha256"]
    assert protocol["bids"][0]["price"]["amount"] == PRICE


def test_each_submission_draws_its_own_salt(api, clock):
    officer, _ = api("officer")
    tender = create_tender(officer, days=31)
    publish(officer, tender["id"])
    bidder, _ = api("bidder")
    first = submit(bidder, bid(bidder, tender["id"], PRICE)["id"])
    again = submit(bidder, bid(bidder, tender["id"], PRICE)["id"])
    assert first["receipt"]["salt"] != again["receipt"]["salt"]
    assert first["sha256"] != again["sha256"]
