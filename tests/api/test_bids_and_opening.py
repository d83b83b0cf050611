import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from procurement.models import Bid, Tender
from tests.api.helpers import bid, create_tender, publish, submit


@pytest.fixture
def published(api):
    client, _ = api("officer")
    tender = create_tender(client, days=31)
    publish(client, tender["id"])
    return tender


def test_submitting_records_server_time_and_returns_a_receipt(api, published):
    bidder, _ = api("bidder")
    draft = bid(bidder, published["id"])
    assert draft["status"] == "draft"
    submitted = submit(bidder, draft["id"])
    assert submitted["status"] == "submitted"
    assert submitted["submitted_at"]
    assert len(submitted["sha256"]) == 64
    assert submitted["receipt"]["sha256"] == submitted["sha256"]
    assert submitted["receipt"]["files"] == []


def test_resubmission_supersedes_and_keeps_the_earlier_version(api, published):
    bidder, _ = api("bidder")
    first = submit(bidder, bid(bidder, published["id"], "1000000.00")["id"])
    second = submit(bidder, bid(bidder, published["id"], "900000.00")["id"])
    assert second["supersedes"] == first["id"]
    assert Bid.objects.get(pk=first["id"]).status == "superseded"
    statuses = sorted(b["status"] for b in bidder.get("/api/v1/bids/").json()["results"])
    assert statuses == ["submitted", "superseded"]


def test_withdrawing_before_the_deadline(api, published):
    bidder, _ = api("bidder")
    submitted = submit(bidder, bid(bidder, published["id"])["id"])
    response = bidder.post(f"/api/v1/bids/{submitted['id']}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_submission_one_second_before_the_deadline_is_accepted_one_after_refused(
    api, published, clock
):
    bidder, _ = api("bidder")
    early = bid(bidder, published["id"])
    late = bid(bidder, published["id"], "5.00")
    deadline = Tender.objects.get(pk=published["id"]).submission_deadline
    clock.move_to(deadline - dt.timedelta(seconds=1))
    submit(bidder, early["id"])
    clock.move_to(deadline + dt.timedelta(seconds=1))
    response = bidder.post(f"/api/v1/bids/{late['id']}/submit/")
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert Bid.objects.get(pk=late["id"]).status == "draft"
    assert (
        bidder.post(
            "/api/v1/bids/",
            {"tender": published["id"], "price": {"amount": "1.00", "currency": "SEK"}},
            format="json",
        ).status_code
        == 409
    )


def test_float_price_is_refused_with_a_clear_message(api, published):
    bidder, _ = api("bidder")
    response = bidder.post(
        "/api/v1/bids/",
        {"tender": published["id"], "price": {"amount": 1000.5, "currency": "SEK"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/price/amount"


@pytest.mark.parametrize("role", ["officer", "admin", "auditor", "evaluator"])
def test_bid_is_invisible_to_buyer_roles_until_opening(api, published, role):
    bidder, _ = api("bidder")
    submitted = submit(bidder, bid(bidder, published["id"])["id"])
    client, _ = api(role)
    assert client.get("/api/v1/bids/").json()["count"] == 0
    assert client.get(f"/api/v1/bids/?tender={published['id']}").json()["count"] == 0
    assert client.get(f"/api/v1/bids/{submitted['id']}/").status_code == 404
    assert client.get(f"/api/v1/bids/{submitted['id']}/documents/").status_code == 404
    tender = client.get(f"/api/v1/tenders/{published['id']}/")
    if role != "evaluator":
        assert tender.json()["bids_received"] == 1
    attempts = AuditEvent.objects.filter(action="bid.sealed_read_denied")
    assert attempts.count() >= 2


def test_superuser_cannot_read_sealed_bids_either(api, published, superuser, client_for):
    bidder, _ = api("bidder")
    submitted = submit(bidder, bid(bidder, published["id"])["id"])
    root = client_for(superuser)
    assert root.get("/api/v1/bids/").json()["count"] == 0
    assert root.get(f"/api/v1/bids/{submitted['id']}/").status_code == 404
    assert root.get(f"/api/v1/tenders/{published['id']}/").json()["bids_received"] == 1


def test_suppliers_never_see_each_others_bids(api, published, other_supplier):
    bidder, _ = api("bidder")
    mine = submit(bidder, bid(bidder, published["id"])["id"])
    rival, _ = api("bidder", org=other_supplier)
    assert rival.get("/api/v1/bids/").json()["count"] == 0
    assert rival.get(f"/api/v1/bids/{mine['id']}/").status_code == 404
    assert rival.post(f"/api/v1/bids/{mine['id']}/withdraw/").status_code == 404
    assert rival.get(f"/api/v1/tenders/{published['id']}/").json()["bids_received"] is None


def _pass_deadline(clock, tender_id):
    clock.move_to(Tender.objects.get(pk=tender_id).submission_deadline + dt.timedelta(minutes=1))


def test_opening_by_two_officers_with_a_protocol(api, published, clock, other_supplier):
    bidder, _ = api("bidder")
    rival, _ = api("bidder", org=other_supplier)
    a = submit(bidder, bid(bidder, published["id"], "1000000.00")["id"])
    submit(rival, bid(rival, published["id"], "950000.00")["id"])
    first, first_user = api("officer")
    second, second_user = api("admin")

    early = first.post(f"/api/v1/tenders/{published['id']}/open/")
    assert early.status_code == 409
    assert early.json()["code"] == "deadline_not_passed"

    _pass_deadline(clock, published["id"])
    started = first.post(f"/api/v1/tenders/{published['id']}/open/")
    assert started.status_code == 200
    assert started.json()["status"] == "opening"
    assert started.json()["opening_requested_by"]["id"] == str(first_user.pk)
    assert first.get("/api/v1/bids/").json()["count"] == 0  # still sealed while opening

    again = first.post(f"/api/v1/tenders/{published['id']}/open/")
    assert again.status_code == 409
    assert again.json()["code"] == "same_officer"

    opened = second.post(f"/api/v1/tenders/{published['id']}/open/")
    assert opened.status_code == 200
    body = opened.json()
    assert body["status"] == "opened"
    protocol = body["opening_protocol"]
    assert {u["id"] for u in protocol["opened_by"]} == {str(first_user.pk), str(second_user.pk)}
    assert body["opened_by"] == protocol["opened_by"] and body["opened_at"]
    assert protocol["opened_at"]
    assert {b["supplier"]["name"] for b in protocol["bids"]} == {"Charlie Gård AB", "Dana Livs AB"}
    assert {b["sha256"] for b in protocol["bids"]} >= {a["sha256"]}
    assert all(b["price"]["currency"] == "SEK" and b["submitted_at"] for b in protocol["bids"])

    assert first.get("/api/v1/bids/").json()["count"] == 2
    assert first.get(f"/api/v1/bids/{a['id']}/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(tender_id=published["id"]).values_list("action", flat=True)
    )
    assert {"tender.deadline_passed", "tender.opening_started", "tender.opened"} <= set(actions)


def test_opening_by_another_organisations_officer_is_404(api, published, clock, other_buyer):
    outsider, _ = api("officer", org=other_buyer)
    _pass_deadline(clock, published["id"])
    assert outsider.post(f"/api/v1/tenders/{published['id']}/open/").status_code == 404


def test_quorum_of_one_opens_at_once(api, published, clock, buyer):
    admin, _ = api("admin")
    response = admin.patch(
        f"/api/v1/organizations/{buyer.pk}/", {"opening_quorum": 1}, format="json"
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="organization.opening_quorum_changed").exists()
    _pass_deadline(clock, published["id"])
    officer, _ = api("officer")
    assert officer.post(f"/api/v1/tenders/{published['id']}/open/").json()["status"] == "opened"


def test_bidders_do_not_see_the_opening_protocol(api, published, clock):
    bidder, _ = api("bidder")
    submit(bidder, bid(bidder, published["id"])["id"])
    _pass_deadline(clock, published["id"])
    api("officer")[0].post(f"/api/v1/tenders/{published['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{published['id']}/open/")
    seen = bidder.get(f"/api/v1/tenders/{published['id']}/").json()
    assert seen["status"] == "opened"
    assert seen["opening_protocol"] is None and seen["opened_by"] is None


def test_draft_tenders_are_invisible_to_bidders(api):
    officer, _ = api("officer")
    draft = create_tender(officer)
    bidder, _ = api("bidder")
    assert bidder.get(f"/api/v1/tenders/{draft['id']}/").status_code == 404
    assert (
        bidder.post(
            "/api/v1/bids/",
            {"tender": draft["id"], "price": {"amount": "1.00", "currency": "SEK"}},
            format="json",
        ).status_code
        == 404
    )


def test_bid_after_deadline_is_409_and_deadline_state_is_named(api, published, clock):
    _pass_deadline(clock, published["id"])
    bidder, _ = api("bidder")
    response = bidder.post(
        "/api/v1/bids/",
        {"tender": published["id"], "price": {"amount": "1.00", "currency": "SEK"}},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == "closed"
    assert timezone.now() > Tender.objects.get(pk=published["id"]).submission_deadline
