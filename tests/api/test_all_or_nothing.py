"""All or nothing: a write request that ends in an error has changed nothing.

Each case mixes a change the caller may make with one it may not (a forbidden field, a value
that fails a later check). The answer is 4xx, the resource reads as before, and the only trace
is the audit event of the refusal itself.
"""

import pytest

from audit.models import AuditEvent
from procurement.models import Organization, Tender
from tests.api.helpers import bid, create_tender, publish
from tests.factories import TenderCriterionFactory

REFUSAL_ACTIONS = {"permission.denied", "bid.sealed_read_denied"}


def _changes_since(count_before):
    return (
        set(
            AuditEvent.objects.order_by("created_at", "sequence")[count_before:].values_list(
                "action", flat=True
            )
        )
        - REFUSAL_ACTIONS
    )


def _assert_unchanged(client, url, before, response):
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"
    after = client.get(url).json()
    assert after == before


def test_a_bidder_changing_its_profile_and_the_opening_quorum_changes_nothing(api, supplier):
    client, _ = api("bidder")
    url = f"/api/v1/organizations/{supplier.pk}/"
    before = client.get(url).json()
    events = AuditEvent.objects.count()
    response = client.patch(
        url, {"employees": 3, "non_profit": True, "opening_quorum": 1}, format="json"
    )
    assert response.status_code == 403
    _assert_unchanged(client, url, before, response)
    supplier.refresh_from_db()
    assert supplier.employees == before["employees"]
    assert _changes_since(events) == set()
    denial = AuditEvent.objects.get(action="permission.denied")
    assert denial.data["method"] == "PATCH"


def test_an_admin_with_a_valid_name_and_an_invalid_quorum_changes_nothing(api, buyer):
    client, _ = api("admin")
    url = f"/api/v1/organizations/{buyer.pk}/"
    before = client.get(url).json()
    events = AuditEvent.objects.count()
    response = client.patch(url, {"name": "Region Alice Nord", "opening_quorum": 3}, format="json")
    _assert_unchanged(client, url, before, response)
    assert Organization.objects.get(pk=buyer.pk).name == "Region Alice"
    assert _changes_since(events) == set()


def test_a_tender_draft_with_a_new_title_and_a_taken_reference_keeps_both(api):
    client, _ = api("officer")
    create_tender(client, reference="TAKEN-1")
    tender = create_tender(client, reference="MINE-1")
    url = f"/api/v1/tenders/{tender['id']}/"
    before = client.get(url).json()
    events = AuditEvent.objects.count()
    response = client.patch(url, {"title": "Nytt namn", "reference": "TAKEN-1"}, format="json")
    _assert_unchanged(client, url, before, response)
    assert _changes_since(events) == set()


def test_a_published_tender_patched_with_a_title_and_a_method_changes_nothing(api):
    client, _ = api("officer")
    tender = create_tender(client)
    publish(client, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/"
    before = client.get(url).json()
    events = AuditEvent.objects.count()
    response = client.patch(
        url, {"title": "Nytt namn", "evaluation": {"method": "weighted_points"}}, format="json"
    )
    assert response.status_code == 409
    _assert_unchanged(client, url, before, response)
    assert _changes_since(events) == set()


def test_a_bid_draft_with_a_new_price_and_an_unknown_criterion_keeps_its_price(api):
    officer, _ = api("officer")
    tender = create_tender(client=officer)
    publish(officer, tender["id"])
    bidder, _ = api("bidder")
    draft = bid(bidder, tender["id"], amount="900000.00")
    url = f"/api/v1/bids/{draft['id']}/"
    before = bidder.get(url).json()
    events = AuditEvent.objects.count()
    response = bidder.patch(
        url,
        {
            "price": {"amount": "1.00", "currency": "SEK"},
            "responses": [
                {"tender_criterion": "00000000-0000-0000-0000-000000000000", "value": True}
            ],
        },
        format="json",
    )
    _assert_unchanged(bidder, url, before, response)
    assert before["price"]["amount"] == "900000.00"
    assert _changes_since(events) == set()


def test_a_tender_criterion_with_a_new_weight_and_a_foreign_lot_keeps_its_weight(api, buyer):
    client, _ = api("officer")
    tender = create_tender(client, evaluation={"method": "weighted_points", "price_weight": "60"})

    tc = TenderCriterionFactory(tender=Tender.objects.get(pk=tender["id"]), weight="40")
    url = f"/api/v1/tenders/{tender['id']}/criteria/{tc.pk}/"
    before = client.get(url).json()
    events = AuditEvent.objects.count()
    response = client.patch(
        url, {"weight": "30", "lot": "00000000-0000-0000-0000-000000000000"}, format="json"
    )
    _assert_unchanged(client, url, before, response)
    assert _changes_since(events) == set()


@pytest.mark.parametrize("role", ["evaluator", "auditor"])
def test_read_only_roles_change_nothing_and_their_attempt_is_recorded(api, role):
    officer, _ = api("officer")
    tender = create_tender(officer)
    client, user = api(role)
    url = f"/api/v1/tenders/{tender['id']}/"
    before = officer.get(url).json()
    response = client.patch(url, {"title": "Nytt namn"}, format="json")
    assert response.status_code == 403
    assert officer.get(url).json() == before
    denial = AuditEvent.objects.get(action="permission.denied")
    assert denial.actor_id == user.pk


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("trace", "/api/v1/tenders/"),
        ("put", "/api/v1/tenders/{tender}/"),
        ("delete", "/api/v1/tenders/{tender}/"),
        ("put", "/api/v1/organizations/{org}/"),
    ],
)
def test_a_method_the_resource_lacks_is_405_and_no_denial(api, buyer, method, path):
    officer, _ = api("officer")
    tender = create_tender(officer)
    client, _ = api("evaluator")
    url = path.format(tender=tender["id"], org=buyer.pk)
    events = AuditEvent.objects.count()
    response = getattr(client, method)(url)
    assert response.status_code == 405, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "Allow" in response
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("depth", [65, 50_000])
def test_a_deeply_nested_body_is_a_400(api, depth):
    client, _ = api("officer")
    body = "[" * depth + "]" * depth
    response = client.generic("POST", "/api/v1/tenders/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "nested deeper" in response.json()["detail"]


def test_a_body_nested_within_the_bound_is_parsed(api):
    client, _ = api("officer")
    response = client.post("/api/v1/tenders/", {"title": [[[["x"]]]]}, format="json")
    assert response.status_code == 400
    assert "nested" not in response.json()["detail"]


def test_a_body_over_the_limit_is_a_413_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client, _ = api("officer")
    body = '{"title": "' + "x" * 2000 + '"}'
    response = client.generic("POST", "/api/v1/tenders/", body, content_type="application/json")
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "too_large"


@pytest.mark.parametrize(
    ("money", "missing"),
    [
        ({"amount": "100.00"}, "/estimated_value/currency"),
        ({"currency": "SEK"}, "/estimated_value/amount"),
    ],
)
def test_a_patch_with_half_a_money_object_is_a_400_naming_the_missing_part(api, money, missing):
    client, _ = api("officer")
    tender = create_tender(client)
    url = f"/api/v1/tenders/{tender['id']}/"
    before = client.get(url).json()
    response = client.patch(url, {"estimated_value": money}, format="json")
    assert response.status_code == 400, response.content
    assert missing in {e["field"] for e in response.json()["errors"]}
    assert client.get(url).json() == before
