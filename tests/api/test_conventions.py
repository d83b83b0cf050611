"""HTTP conventions an integrator relies on: what is not understood is a 400 that names it,
If-Match compares strongly, and JSON bodies are JSON."""

import pytest

from procurement.models import Tender
from tests.api.helpers import bid, create_tender, publish


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "/status"),
        ("ordering=bogus", "/ordering"),
        ("ordering=-title,nope", "/ordering"),
    ],
)
def test_an_unknown_filter_value_or_ordering_field_is_a_400_naming_it(api, query, field):
    officer, _user = api("officer")
    create_tender(officer)
    response = officer.get(f"/api/v1/tenders/?{query}")
    assert response.status_code == 400, response.json()
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_known_filters_and_orderings_still_work(api):
    officer, _user = api("officer")
    create_tender(officer, reference="B-1")
    create_tender(officer, reference="A-1")
    listed = officer.get("/api/v1/tenders/?status=draft&ordering=reference").json()["results"]
    assert [t["reference"] for t in listed] == ["A-1", "B-1"]


def test_an_unknown_body_field_is_a_400_and_changes_nothing(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    response = officer.patch(
        url, {"title": "Nytt", "deadline": "2030-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("/deadline", "unknown_field")
    ]
    assert Tender.objects.get(pk=tender["id"]).title == tender["title"]


def test_nested_unknown_fields_are_named_by_their_pointer(api):
    officer, _user = api("officer")
    response = officer.post(
        "/api/v1/tenders/",
        {
            "reference": "X-1",
            "title": "T",
            "procedure": "open",
            "currency": "SEK",
            "submission_deadline": "2030-01-01T00:00:00Z",
            "estimated_value": {"amount": "1.00", "currency": "SEK", "vat": "25"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "/estimated_value/vat" in [e["field"] for e in response.json()["errors"]]


def test_if_match_compares_strongly(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    tag = officer.get(url)["ETag"]
    weak = officer.patch(url, {"title": "A"}, format="json", HTTP_IF_MATCH=f"W/{tag}")
    assert weak.status_code == 412
    assert officer.patch(url, {"title": "A"}, format="json", HTTP_IF_MATCH=tag).status_code == 200


def test_json_endpoints_refuse_form_bodies(api):
    officer, _user = api("officer")
    response = officer.post("/api/v1/tenders/", {"reference": "F-1"}, format="multipart")
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/problem+json")


def _attach_plan(officer, tender):
    """An own manual award criterion Q-1 attached to the draft tender (201)."""
    return officer.post(
        f"/api/v1/tenders/{tender['id']}/criteria/",
        {
            "definition": {
                "code": "Q-1",
                "title": "Plan",
                "category": "quality",
                "kind": "award",
                "rule": {"type": "manual", "scale_max": 5},
            },
            "weight": "10",
        },
        format="json",
    )


def test_a_create_says_where_the_new_object_lives(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    response = _attach_plan(officer, tender)
    assert response.status_code == 201
    location = response["Location"]
    assert location == f"/api/v1/tenders/{tender['id']}/criteria/{response.json()['id']}/"
    assert officer.get(location).json()["code"] == "Q-1"


def test_tender_criteria_have_an_etag_and_honour_if_match(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    created = _attach_plan(officer, tender)
    url = created["Location"]
    tag = officer.get(url)["ETag"]
    changed = officer.patch(url, {"weight": "20"}, format="json", HTTP_IF_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag
    stale = officer.patch(url, {"weight": "30"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert officer.get(url).json()["weight"] == "20.0000"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bids/null,null/",
        "/api/v1/tenders/not-a-uuid/",
        "/api/v1/tenders/null,null/criteria/8a0c6f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6/",
        "/api/v1/bids/8a0c6f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6/documents/x/download/",
    ],
)
def test_a_malformed_id_is_not_found_like_any_other_unknown_id(api, path):
    """Found by schemathesis against a live server: a malformed id was a 400."""
    officer, _user = api("officer")
    response = officer.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_half_a_money_object_in_a_bid_patch_is_a_400(api):
    """Found by schemathesis against a live server: {"price": {"currency": "AAA"}} was a 500."""

    officer, _user = api("officer")
    bidder, _bidder_user = api("bidder")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    draft = bid(bidder, tender["id"])
    response = bidder.patch(
        f"/api/v1/bids/{draft['id']}/", {"price": {"currency": "SEK"}}, format="json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["/price/amount"]
