"""A bid records the supplier's facts at submission; evaluations read those, never the profile
as it stands when the evaluation runs. A supplier cannot win a criterion after the deadline by
changing its organisation."""

from decimal import Decimal

import pytest

from criteria.services import attach_criterion
from procurement.models import Bid
from procurement.services.bids import canonical_bid
from procurement.services.tenders import publish_tender
from tests.scenarios import new_tender, open_bids, submitted_bid

pytestmark = pytest.mark.django_db

RESERVED = {
    "code": "SME-RESERVED",
    "title": "Reserverat för idéburna organisationer",
    "category": "small_supplier",
    "level": "basic",
    "kind": "requirement",
    "source": "supplier_profile",
    "profile_field": "non_profit",
    "rule": {"type": "boolean"},
}


def _run(client, tender_id, capture) -> dict:
    with capture(execute=True):
        started = client.post(f"/api/v1/tenders/{tender_id}/evaluations/")
    assert started.status_code == 202, started.content
    evaluation = client.get(started["Location"]).json()
    assert evaluation["status"] == "done", evaluation
    return {r["bid"]: r for r in client.get(f"{started['Location']}results/").json()["results"]}


def test_a_profile_changed_after_the_deadline_does_not_move_the_result(
    api, clock, supplier, other_supplier, django_capture_on_commit_callbacks
):
    officer_client, officer = api("officer")
    supplier.non_profit, supplier.employees = True, 12
    supplier.save()
    tender = new_tender(officer)
    attach_criterion(tender=tender, actor=officer, definition=RESERVED)
    tender = publish_tender(tender=tender, actor=officer)
    non_profit_client, non_profit_bidder = api("bidder")
    _, company_bidder = api("bidder", org=other_supplier)
    kept = submitted_bid(non_profit_bidder, tender, "100000.00")
    excluded = submitted_bid(company_bidder, tender, "90000.00")
    assert Bid.objects.get(pk=kept.pk).supplier_facts["non_profit"] is True
    open_bids(clock, tender, officer, api("admin")[1])

    before = _run(officer_client, tender.pk, django_capture_on_commit_callbacks)
    assert before[str(kept.pk)]["qualified"] is True
    assert before[str(excluded.pk)]["qualified"] is False

    # After the deadline both suppliers change their profiles, each in its own favour or not.
    changed = non_profit_client.patch(
        f"/api/v1/organizations/{supplier.pk}/",
        {"non_profit": False, "employees": 900},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    other_supplier.non_profit = True
    other_supplier.save()

    after = _run(officer_client, tender.pk, django_capture_on_commit_callbacks)
    for bid_id in (str(kept.pk), str(excluded.pk)):
        assert after[bid_id]["qualified"] == before[bid_id]["qualified"]
        assert after[bid_id]["rank"] == before[bid_id]["rank"]
    assert after[str(kept.pk)]["rank"] == 1


def test_the_recorded_facts_are_part_of_what_the_receipt_hashes(api):
    _, officer = api("officer")
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    bidder_client, bidder = api("bidder")
    bid = submitted_bid(bidder, tender, "100000.00")
    facts = Bid.objects.get(pk=bid.pk).supplier_facts
    assert set(facts) == {
        "name",
        "org_number",
        "country",
        "employees",
        "annual_turnover",
        "balance_sheet_total",
        "non_profit",
        "sme_class",
    }
    assert canonical_bid(Bid.objects.get(pk=bid.pk))["supplier_facts"] == facts
    assert Decimal(bidder_client.get(f"/api/v1/bids/{bid.pk}/").json()["price"]["amount"]) == 100000
