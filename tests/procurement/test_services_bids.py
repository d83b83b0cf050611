"""procurement/services/bids.py called directly: a supplier drafts, changes, submits,
resubmits and withdraws a bid. What changes, what is audited, and what is refused (and then
left as it was)."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from audit.chain import canonical
from audit.models import AuditEvent
from procurement.errors import InvalidInput, NotAllowed, PreconditionFailed, StateConflict
from procurement.models import Bid, BidResponse
from procurement.services.bids import (
    canonical_bid,
    create_bid,
    record_sealed_read_attempt,
    submit_bid,
    update_bid,
    withdraw_bid,
)
from procurement.services.tenders import add_lot, publish_tender
from tests.factories import TenderCriterionFactory
from tests.scenarios import new_tender, open_bids, submitted_bid


@pytest.fixture
def published(officer):
    return publish_tender(tender=new_tender(officer), actor=officer)


@pytest.fixture
def with_requirement(officer):
    """(tender, criterion): a published tender with one yes/no requirement to answer."""
    tender = new_tender(officer)
    tc = TenderCriterionFactory(
        tender=tender, kind="requirement", code="REQ-1", rule={"type": "boolean"}, weight=0
    )
    return publish_tender(tender=tender, actor=officer), tc


def draft(bidder, tender, price="1000000.00", **fields):
    return create_bid(actor=bidder, tender=tender, lot=None, price_amount=Decimal(price), **fields)


def test_a_draft_bid_is_the_suppliers_on_the_only_lot_and_audited(
    bidder, supplier, published, event
):
    bid = draft(bidder, published, "950000.00")

    bid.refresh_from_db()
    assert (bid.status, bid.supplier_id, bid.created_by_id) == (
        Bid.Status.DRAFT,
        supplier.pk,
        bidder.pk,
    )
    assert (bid.lot_id, bid.price_amount) == (published.lots.get().pk, Decimal("950000.00"))
    recorded = event("bid.created", bid)
    assert (recorded.actor_id, recorded.tender_id) == (bidder.pk, published.pk)


def test_only_bidders_create_bids(officer, published, refused):
    with refused(NotAllowed):
        draft(officer, published)


def test_no_bid_on_a_draft_or_after_the_deadline(officer, bidder, published, clock, refused):
    still_draft = new_tender(officer)
    with refused(StateConflict, "not_accepting_bids"):
        draft(bidder, still_draft)
    clock.move_to(published.submission_deadline)
    with refused(StateConflict, "deadline_passed"):
        draft(bidder, published)


def test_a_tender_with_several_lots_needs_the_lot_named(officer, bidder, refused):
    tender = new_tender(officer)
    add_lot(tender=tender, actor=officer, title="Eggs")
    tender = publish_tender(tender=tender, actor=officer)
    with refused(InvalidInput) as caught:
        draft(bidder, tender)
    assert caught.value.errors[0]["field"] == "/lot"

    eggs = tender.lots.get(number=2)
    bid = create_bid(actor=bidder, tender=tender, lot=eggs, price_amount=Decimal("1"))
    assert bid.lot_id == eggs.pk


def test_a_lot_of_another_tender_is_refused(officer, bidder, published, refused):
    other = publish_tender(tender=new_tender(officer), actor=officer)
    with refused(InvalidInput):
        create_bid(actor=bidder, tender=published, lot=other.lots.get(), price_amount=Decimal("1"))


def test_a_price_in_another_currency_is_refused(bidder, published, refused):
    with refused(InvalidInput) as caught:
        draft(bidder, published, currency="EUR")
    assert caught.value.errors[0]["code"] == "currency_mismatch"


def test_responses_are_kept_with_the_bid(bidder, with_requirement):
    tender, tc = with_requirement
    bid = draft(bidder, tender, responses=[{"tender_criterion": tc.pk, "value": True}])
    assert list(BidResponse.objects.filter(bid=bid).values_list("value", flat=True)) == [True]


def test_a_response_to_an_unknown_criterion_or_twice_is_refused(
    officer, bidder, with_requirement, refused
):
    tender, tc = with_requirement
    foreign = TenderCriterionFactory(tender=new_tender(officer))
    with refused(InvalidInput, "invalid_responses") as caught:
        draft(
            bidder,
            tender,
            responses=[
                {"tender_criterion": foreign.pk, "value": True},
                {"tender_criterion": tc.pk, "value": True},
                {"tender_criterion": tc.pk, "value": True},
            ],
        )
    assert [e["code"] for e in caught.value.errors] == ["unknown_criterion", "duplicate"]


def test_a_draft_is_changed_and_audited(bidder, published, event):
    bid = draft(bidder, published)
    version = bid.version

    update_bid(bid=bid, actor=bidder, changes={"price_amount": Decimal("12.50")})

    bid.refresh_from_db()
    assert (bid.price_amount, bid.version) == (Decimal("12.50"), version + 1)
    recorded = event("bid.updated", bid)
    assert (recorded.actor_id, recorded.data["fields"]) == (bidder.pk, ["price_amount"])


def test_another_supplier_cannot_change_the_bid(
    bidder, make_user, other_supplier, published, refused
):
    bid = draft(bidder, published)
    dana = make_user("bidder", other_supplier)
    with refused(NotAllowed):
        update_bid(bid=bid, actor=dana, changes={"price_amount": Decimal("1")})


def test_a_stale_bid_version_is_refused(bidder, published, refused):
    bid = draft(bidder, published)
    update_bid(bid=bid, actor=bidder, changes={"price_amount": Decimal("2")})
    with refused(PreconditionFailed):
        update_bid(
            bid=bid, actor=bidder, changes={"price_amount": Decimal("3")}, expected_version=1
        )


def test_a_submitted_bid_is_not_changed(bidder, published, refused):
    bid = submitted_bid(bidder, published)
    with refused(StateConflict, "wrong_state"):
        update_bid(bid=bid, actor=bidder, changes={"price_amount": Decimal("1")})


def test_submitting_seals_the_bid_with_a_receipt_of_what_was_sent(bidder, published, event):
    bid = submitted_bid(bidder, published, "800000.00")

    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    assert bid.submitted_at is not None
    expected = hashlib.sha256(canonical(canonical_bid(bid)).encode("utf-8")).hexdigest()
    assert bid.sha256 == bid.receipt["sha256"] == expected
    assert canonical_bid(bid)["price"] == {"amount": "800000.00", "currency": "SEK"}
    assert bid.receipt["supersedes"] is None
    recorded = event("bid.submitted", bid)
    assert (recorded.actor_id, recorded.data["sha256"]) == (bidder.pk, expected)


def test_a_new_submission_supersedes_the_earlier_one(bidder, published):
    first = submitted_bid(bidder, published, "900000.00")
    second = submitted_bid(bidder, published, "850000.00")

    first.refresh_from_db()
    assert first.status == Bid.Status.SUPERSEDED
    assert second.supersedes_id == first.pk
    assert second.receipt["supersedes"] == str(first.pk)


def test_a_bid_is_submitted_once(bidder, published, refused):
    bid = submitted_bid(bidder, published)
    with refused(StateConflict):
        submit_bid(bid=bid, actor=bidder)


def test_a_bid_missing_a_required_answer_is_not_submitted(bidder, with_requirement, refused):
    tender, _tc = with_requirement
    bid = draft(bidder, tender)
    with refused(InvalidInput, "responses_missing") as caught:
        submit_bid(bid=bid, actor=bidder)
    assert [m["code"] for m in caught.value.extra["missing"]] == ["REQ-1"]


def test_a_life_cycle_cost_bid_needs_every_cost_input(officer, bidder, refused):
    tender = new_tender(
        officer,
        evaluation={
            "method": "lowest_cost",
            "lifetime_years": 5,
            "discount_rate": "0.04",
            "co2_price_per_tonne": "1200",
        },
    )
    tender = publish_tender(tender=tender, actor=officer)
    bid = draft(bidder, tender, cost={"acquisition_cost": "100"})
    with refused(InvalidInput, "cost_missing") as caught:
        submit_bid(bid=bid, actor=bidder)
    assert {e["field"] for e in caught.value.errors} == {
        "/cost/annual_operating_cost",
        "/cost/annual_co2e_tonnes",
        "/cost/end_of_life_cost",
    }


def test_a_bid_that_arrived_before_the_deadline_is_accepted_after_it(bidder, published, clock):
    bid = draft(bidder, published)
    arrived = published.submission_deadline - dt.timedelta(seconds=1)
    clock.move_to(published.submission_deadline + dt.timedelta(seconds=2))

    submitted = submit_bid(bid=bid, actor=bidder, received_at=arrived)

    assert (submitted.status, submitted.submitted_at) == (Bid.Status.SUBMITTED, arrived)


def test_a_bid_that_arrived_after_the_deadline_is_refused(bidder, published, clock, refused):
    bid = draft(bidder, published)
    clock.move_to(published.submission_deadline)
    with refused(StateConflict, "deadline_passed"):
        submit_bid(bid=bid, actor=bidder)


def test_withdrawing_keeps_the_bid_marked_withdrawn(bidder, published, event):
    bid = submitted_bid(bidder, published)

    withdraw_bid(bid=bid, actor=bidder)

    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    assert bid.withdrawn_at is not None
    assert event("bid.withdrawn", bid).actor_id == bidder.pk


def test_only_a_submitted_bid_is_withdrawn_and_only_before_the_deadline(
    bidder, published, clock, refused
):
    bid = draft(bidder, published)
    with refused(StateConflict, "wrong_state"):
        withdraw_bid(bid=bid, actor=bidder)
    bid = submitted_bid(bidder, published)
    clock.move_to(published.submission_deadline)
    with refused(StateConflict, "deadline_passed"):
        withdraw_bid(bid=bid, actor=bidder)


def test_another_supplier_cannot_withdraw_or_submit(
    bidder, make_user, other_supplier, published, refused
):
    dana = make_user("bidder", other_supplier)
    bid = draft(bidder, published)
    with refused(NotAllowed):
        submit_bid(bid=bid, actor=dana)
    bid = submit_bid(bid=bid, actor=bidder)
    with refused(NotAllowed):
        withdraw_bid(bid=bid, actor=dana)


def _sealed_read_events():
    return list(AuditEvent.objects.filter(action="bid.sealed_read_denied"))


def test_a_buyers_attempt_to_read_a_sealed_bid_is_recorded(submitted, officer, event):
    tender, bid = submitted

    record_sealed_read_attempt(actor=officer, what="bid", path="/x/", bid_id=str(bid.pk))

    recorded = event("bid.sealed_read_denied", bid)
    assert (recorded.actor_id, recorded.tender_id) == (officer.pk, tender.pk)
    assert recorded.data == {"what": "bid", "path": "/x/"}


def test_an_attempt_on_a_sealed_tenders_bids_is_recorded(submitted, officer, event):
    tender, _bid = submitted
    record_sealed_read_attempt(actor=officer, what="bids", path="/y/", tender=tender)
    assert event("bid.sealed_read_denied", tender).data["what"] == "bids"


def test_nothing_is_recorded_for_what_is_no_sealed_bid_of_the_actors_organisation(
    submitted, officer, second_officer, other_officer, bidder, clock
):
    tender, bid = submitted
    for actor, bid_id in (
        (officer, "not-a-uuid"),
        (officer, "00000000-0000-0000-0000-000000000000"),
        (other_officer, str(bid.pk)),  # another organisation's bid: a plain 404
        (bidder, str(bid.pk)),
    ):
        record_sealed_read_attempt(actor=actor, what="bid", path="/z/", bid_id=bid_id)
    record_sealed_read_attempt(actor=bidder, what="bids", path="/z/", tender=tender)
    assert _sealed_read_events() == []

    opened = open_bids(clock, tender, officer, second_officer)
    record_sealed_read_attempt(actor=officer, what="bid", path="/z/", bid_id=str(bid.pk))
    record_sealed_read_attempt(actor=officer, what="bids", path="/z/", tender=opened)
    assert _sealed_read_events() == []
