"""The start page is a desk per role: officers see their tenders by state with the next step,
evaluators the tenders that wait for them, auditors the chain and the latest exports; the
operator keeps the model lists."""

import datetime as dt

import pytest

from audit.services import record_export
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from tests.admin.test_admin import logged_in
from tests.admin.test_printable_records import (  # noqa: F401 - the fixtures
    awarded,
    evaluated,
    opened,
    people,
    published,
)
from tests.admin.test_workbench import text_of
from tests.factories import TenderFactory
from tests.scenarios import new_tender, submitted_bid

pytestmark = pytest.mark.django_db


def test_an_officer_sees_the_tenders_by_state_and_what_to_do_next(
    officer, second_officer, bidder, clock
):
    draft = new_tender(officer, reference="DESK-DRAFT")
    closed = publish_tender(tender=new_tender(officer, reference="DESK-CLOSED"), actor=officer)
    submitted_bid(bidder, closed)
    clock.move_to(closed.submission_deadline + dt.timedelta(hours=1))
    open_for_bids = publish_tender(
        tender=new_tender(officer, reference="DESK-OPEN-FOR-BIDS"), actor=officer
    )
    page = text_of(logged_in(officer).get("/admin/"))
    todo = page[page.index("To do next") : page.index("Deadline passed: to be opened")]
    assert "DESK-CLOSED" in todo and "Start the opening" in todo
    assert "DESK-DRAFT" in todo and "Publish" in todo
    assert "DESK-OPEN-FOR-BIDS" not in todo  # nothing to do before its deadline
    for heading in ("Deadline passed: to be opened", "Drafts", "Published, open for bids"):
        assert heading in page
    assert open_for_bids.reference in page and draft.reference in page
    # The first officer started the opening: the next step waits on another officer.
    open_tender(tender=closed, actor=officer)
    page = text_of(logged_in(officer).get("/admin/"))
    assert "Another officer confirms the opening" in page
    assert "Confirm the opening" in text_of(logged_in(second_officer).get("/admin/"))
    # Lists that a page of ours does better are not offered: no chain heads, no scores.
    assert "Chain heads" not in page and "Evaluator scores" not in page


def test_an_evaluator_sees_what_waits_for_them(
    officer, second_officer, bidder, clock, make_user, buyer
):
    evaluator = make_user("evaluator", buyer)
    tender = publish_tender(tender=new_tender(officer, reference="DESK-EVAL"), actor=officer)
    submitted_bid(bidder, tender)
    clock.move_to(tender.submission_deadline + dt.timedelta(hours=1))
    open_tender(tender=tender, actor=officer)
    open_tender(tender=tender, actor=second_officer)
    page = text_of(logged_in(evaluator).get("/admin/"))
    assert "DESK-EVAL" in page and "Declare your interests" in page


def test_an_auditor_sees_the_chain_and_the_latest_exports(make_user, buyer):
    auditor = make_user("auditor", buyer)
    record_export(actor=auditor, file_format="csv", filters={})
    page = text_of(logged_in(auditor).get("/admin/"))
    assert "The organisation's chain holds" in page
    assert f"{auditor.username} (CSV)" in page


def test_the_operator_keeps_the_model_lists(superuser):
    page = text_of(logged_in(superuser).get("/admin/"))
    assert "Chain heads" in page and "To do next" not in page


def test_finished_tenders_are_read_not_done_and_the_desk_lists_the_latest(
    people,  # noqa: F811
    awarded,  # noqa: F811
):
    """An awarded tender's result is a link to read, never a task in "To do next"; after
    years of purchasing the desk shows the newest awarded tenders and links to them all."""
    tender, _bids, _evaluation, _award = awarded
    officer = people["officer"]
    for number in range(11):  # last year's tenders, awarded long ago
        TenderFactory(
            organization=tender.organization,
            reference=f"DESK-OLD-{number:02d}",
            status="awarded",
            submission_deadline=tender.submission_deadline - dt.timedelta(days=400 + number),
        )
    page = text_of(logged_in(officer).get("/admin/"))
    todo = page[page.index("To do next") : page.index("Awarded (12)")]
    assert tender.reference not in todo and "Read the result and the award" not in todo
    awarded_part = page[page.index("Awarded (12)") :]
    assert tender.reference in awarded_part and "Read the result and the award" in awarded_part
    assert awarded_part.count("DESK-OLD-") == 9  # the newest ten: this one and nine old
    assert "DESK-OLD-10" not in awarded_part
    assert "The latest 10 of 12: all of them in the tender list" in awarded_part
    listing = logged_in(officer).get("/admin/procurement/tender/?status__exact=awarded")
    assert listing.status_code == 200 and "DESK-OLD-10" in text_of(listing)
