"""procurement/services/opening.py called directly: two officers open the bids after the
deadline (or one, where the organisation decided so), and the opening quorum itself."""

import datetime as dt

import pytest

from procurement.errors import InvalidInput, NotAllowed, StateConflict
from procurement.models import Tender
from procurement.services.opening import open_tender, set_opening_quorum
from procurement.services.tenders import cancel_tender
from tests.scenarios import new_tender, submitted_bid


def after_deadline(clock, tender):
    clock.move_to(tender.submission_deadline + dt.timedelta(seconds=1))


def test_bids_stay_sealed_before_the_deadline(submitted, officer, refused):
    tender, _bid = submitted
    with refused(StateConflict, "deadline_not_passed"):
        open_tender(tender=tender, actor=officer)


def test_the_first_officer_starts_and_a_second_one_completes_the_opening(
    submitted, officer, second_officer, clock, event
):
    tender, bid = submitted
    after_deadline(clock, tender)

    started = open_tender(tender=tender, actor=officer)

    assert started.status == Tender.Status.OPENING
    assert started.is_sealed
    assert event("tender.deadline_passed", tender).data["observed_at"]
    assert event("tender.opening_started", tender).actor_id == officer.pk

    opened = open_tender(tender=started, actor=second_officer)

    opened.refresh_from_db()
    assert opened.status == Tender.Status.OPENED
    assert not opened.is_sealed
    protocol = opened.opening_protocol
    assert [o["username"] for o in protocol["opened_by"]] == [
        officer.username,
        second_officer.username,
    ]
    assert [(b["bid"], b["sha256"]) for b in protocol["bids"]] == [(str(bid.pk), bid.sha256)]
    assert protocol["bid_count"] == 1
    recorded = event("tender.opened", tender)
    assert recorded.actor_id == second_officer.pk
    assert recorded.data["opened_by"] == [str(officer.pk), str(second_officer.pk)]


def test_the_officer_who_started_cannot_confirm(submitted, officer, clock, refused):
    tender, _bid = submitted
    after_deadline(clock, tender)
    tender = open_tender(tender=tender, actor=officer)
    with refused(StateConflict, "same_officer"):
        open_tender(tender=tender, actor=officer)


def test_with_a_quorum_of_one_a_single_officer_opens(
    submitted, officer, make_user, buyer, clock, event
):
    tender, _bid = submitted
    set_opening_quorum(organization=buyer, actor=make_user("admin", buyer), quorum=1)
    after_deadline(clock, tender)

    opened = open_tender(tender=tender, actor=officer)

    assert opened.status == Tender.Status.OPENED
    assert [o["id"] for o in opened.opening_protocol["opened_by"]] == [str(officer.pk)]
    assert event("tender.opened", tender).actor_id == officer.pk


def test_only_withdrawn_and_superseded_bids_are_left_out_of_the_protocol(
    submitted, officer, second_officer, bidder, make_user, other_supplier, clock
):
    tender, first = submitted
    second = submitted_bid(bidder, tender, "850000.00")  # supersedes the first
    dana = submitted_bid(make_user("bidder", other_supplier), tender, "990000.00")
    after_deadline(clock, tender)
    open_tender(tender=tender, actor=officer)
    opened = open_tender(tender=tender, actor=second_officer)

    listed = {b["bid"] for b in opened.opening_protocol["bids"]}
    assert listed == {str(second.pk), str(dana.pk)}
    assert str(first.pk) not in listed


def test_another_organisation_and_an_evaluator_cannot_open(
    submitted, other_officer, make_user, buyer, clock, refused
):
    tender, _bid = submitted
    evaluator = make_user("evaluator", buyer)
    after_deadline(clock, tender)
    with refused(NotAllowed):
        open_tender(tender=tender, actor=other_officer)
    with refused(NotAllowed):
        open_tender(tender=tender, actor=evaluator)


@pytest.mark.parametrize("state", ["draft", "cancelled", "opened"])
def test_only_a_closed_tender_is_opened(officer, second_officer, submitted, clock, refused, state):
    tender, _bid = submitted
    if state == "draft":
        tender = new_tender(officer)
    elif state == "cancelled":
        tender = cancel_tender(tender=tender, actor=officer, reason="Not needed")
    after_deadline(clock, tender)
    if state == "opened":
        open_tender(tender=tender, actor=officer)
        tender = open_tender(tender=tender, actor=second_officer)
    with refused(StateConflict, "wrong_state"):
        open_tender(tender=tender, actor=second_officer)


def test_the_organisations_admin_sets_the_quorum_and_it_is_audited(make_user, buyer, event):
    admin = make_user("admin", buyer)
    set_opening_quorum(organization=buyer, actor=admin, quorum=1)

    buyer.refresh_from_db()
    assert buyer.opening_quorum == 1
    recorded = event("organization.opening_quorum_changed", buyer)
    assert (recorded.actor_id, recorded.data) == (admin.pk, {"from": 2, "to": 1})


def test_an_officer_or_another_admin_cannot_set_the_quorum(
    officer, make_user, buyer, other_buyer, refused
):
    other_admin = make_user("admin", other_buyer)
    with refused(NotAllowed):
        set_opening_quorum(organization=buyer, actor=officer, quorum=1)
    with refused(NotAllowed):
        set_opening_quorum(organization=buyer, actor=other_admin, quorum=1)


def test_a_quorum_other_than_one_or_two_is_refused_as_invalid(make_user, buyer, refused):
    admin = make_user("admin", buyer)
    with refused(InvalidInput, "invalid") as caught:
        set_opening_quorum(organization=buyer, actor=admin, quorum=3)
    assert [e["field"] for e in caught.value.errors] == ["/opening_quorum"]
