"""The start page is a desk per role: officers see their tenders by state with the next step,
evaluators the tenders that wait for them, auditors the chain and the latest exports; the
operator keeps the model lists."""

import datetime as dt

import pytest

from audit.services import record_export
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from tests.admin.test_admin import logged_in
from tests.admin.test_workbench import text_of
from tests.scenarios import new_tender, submitted_bid

pytestmark = pytest.mark.django_db


def test_an_officer_sees_the_tenders_by_state_and_what_to_do_next(
    officer, second_officer, bidder, clock
):
    draft = new_tender(officer, reference="DESK-DRAFT")
    closed = publish_tender(tender=new_tender(officer, reference="DESK-CLOSED"), actor=officer)
    submitted_bid(bidder, closed)
    clock.move_to(closed.submission_deadline + dt.timedelta(hours=1))
    published = publish_tender(
        tender=new_tender(officer, reference="DESK-OPEN-FOR-BIDS"), actor=officer
    )
    page = text_of(logged_in(officer).get("/admin/"))
    todo = page[page.index("To do next") : page.index("Deadline passed: to be opened")]
    assert "DESK-CLOSED" in todo and "Start the opening" in todo
    assert "DESK-DRAFT" in todo and "Publish" in todo
    assert "DESK-OPEN-FOR-BIDS" not in todo  # nothing to do before its deadline
    for heading in ("Deadline passed: to be opened", "Drafts", "Published, open for bids"):
        assert heading in page
    assert published.reference in page and draft.reference in page
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
