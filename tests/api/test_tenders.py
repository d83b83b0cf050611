import datetime as dt

from django.utils import timezone

from audit.models import AuditEvent
from procurement.models import Tender
from tests.api.helpers import TENDER, create_tender, iso, publish


def test_officer_creates_a_draft_with_lot_one_and_it_is_audited(api):
    client, officer = api("officer")
    tender = create_tender(client)
    assert tender["status"] == "draft"
    assert tender["estimated_value"] == {"amount": "5000000.00", "currency": "SEK"}
    assert [lot["number"] for lot in tender["lots"]] == [1]
    assert tender["bids_received"] == 0
    event = AuditEvent.objects.get(action="tender.created")
    assert event.actor == officer and str(event.tender_id) == tender["id"]


def test_publishing_freezes_the_tender_and_twice_is_409(api):
    client, _ = api("officer")
    tender = create_tender(client)
    published = publish(client, tender["id"])
    assert published["status"] == "published"
    again = client.post(f"/api/v1/tenders/{tender['id']}/publish/")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["current_status"] == "published"
    change = client.patch(f"/api/v1/tenders/{tender['id']}/", {"title": "Nytt"}, format="json")
    assert change.status_code == 409
    assert Tender.objects.get(pk=tender["id"]).title == TENDER["title"]


def test_publishing_refuses_a_deadline_in_the_past(api, clock):
    client, _ = api("officer")
    tender = create_tender(client, days=2)
    clock.move_to(timezone.now() + dt.timedelta(days=3))
    response = client.post(f"/api/v1/tenders/{tender['id']}/publish/")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "deadline_in_past"
    assert Tender.objects.get(pk=tender["id"]).status == "draft"


def test_short_deadline_and_missing_lot_reason_are_warnings_not_refusals(api):
    client, _ = api("officer")
    tender = create_tender(client, days=10, no_lots_reason="")
    published = publish(client, tender["id"])
    codes = {w["code"] for w in published["warnings"]}
    assert codes == {"deadline_shorter_than_minimum", "single_lot_without_reason"}
    assert all(w["message"]["sv"] and w["message"]["en"] for w in published["warnings"])


def test_status_becomes_closed_by_the_clock_alone(api, clock):
    client, _ = api("officer")
    tender = create_tender(client, days=31)
    publish(client, tender["id"])
    clock.move_to(timezone.now() + dt.timedelta(days=32))
    assert client.get(f"/api/v1/tenders/{tender['id']}/").json()["status"] == "closed"
    listed = client.get("/api/v1/tenders/?status=closed").json()
    assert [t["id"] for t in listed["results"]] == [tender["id"]]


def test_stale_if_match_gets_412_and_nothing_changes(api):
    client, _ = api("officer")
    tender = create_tender(client)
    first = client.get(f"/api/v1/tenders/{tender['id']}/")
    etag = first["ETag"]
    ok = client.patch(
        f"/api/v1/tenders/{tender['id']}/", {"title": "A"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200
    assert ok["ETag"] != etag
    stale = client.patch(
        f"/api/v1/tenders/{tender['id']}/", {"title": "B"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Tender.objects.get(pk=tender["id"]).title == "A"


def test_validation_errors_name_the_field_by_json_pointer(api):
    client, _ = api("officer")
    body = {
        **TENDER,
        "submission_deadline": iso(timezone.now() + dt.timedelta(days=40)),
        "cpv_codes": ["15110000", "nope"],
        "evaluation": {"method": "weighted_points", "price_weight": 60.5, "colour": "red"},
    }
    response = client.post("/api/v1/tenders/", body, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"/cpv_codes/1"}
    body["cpv_codes"] = ["15110000"]
    response = client.post("/api/v1/tenders/", body, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"/evaluation/price_weight", "/evaluation/colour"}
    assert not Tender.objects.exists()


def test_duplicate_reference_is_400(api):
    client, _ = api("officer")
    create_tender(client)
    body = {**TENDER, "submission_deadline": iso(timezone.now() + dt.timedelta(days=40))}
    response = client.post("/api/v1/tenders/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/reference"


def test_lot_minimum_turnover_above_twice_its_value_is_refused(api):
    client, _ = api("officer")
    tender = create_tender(client)
    url = f"/api/v1/tenders/{tender['id']}/lots/"
    bad = client.post(
        url,
        {
            "title": "Ägg",
            "estimated_value": {"amount": "100000.00", "currency": "SEK"},
            "minimum_turnover": {"amount": "200000.01", "currency": "SEK"},
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "58(3)" in bad.json()["detail"]
    ok = client.post(
        url,
        {
            "title": "Ägg",
            "estimated_value": {"amount": "100000.00", "currency": "SEK"},
            "minimum_turnover": {"amount": "200000.00", "currency": "SEK"},
        },
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["number"] == 2
    listed = client.get(url).json()
    assert listed["count"] == 2 and listed["next"] is None and listed["previous"] is None
    assert [lot["number"] for lot in listed["results"]] == [1, 2]
    second_page = client.get(url + "?page_size=1&page=2").json()
    assert [lot["title"] for lot in second_page["results"]] == ["Ägg"]
    assert second_page["previous"] and second_page["next"] is None


def test_a_new_tender_lists_its_default_lot_1(api):
    client, _ = api("officer")
    tender = create_tender(client)
    listed = client.get(f"/api/v1/tenders/{tender['id']}/lots/").json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == 1


def test_cancel_needs_a_reason_and_is_audited(api):
    client, _ = api("officer")
    tender = create_tender(client)
    assert (
        client.post(f"/api/v1/tenders/{tender['id']}/cancel/", {}, format="json").status_code == 400
    )
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/cancel/", {"reason": "Budget withdrawn"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert AuditEvent.objects.filter(action="tender.cancelled").count() == 1


def test_roles_without_the_right_get_403(api):
    officer_client, _ = api("officer")
    tender = create_tender(officer_client)
    for role in ("auditor", "evaluator"):
        client, _ = api(role)
        assert client.post("/api/v1/tenders/", {}, format="json").status_code == 403
        assert client.post(f"/api/v1/tenders/{tender['id']}/publish/").status_code in (403, 404)
    bidder, _ = api("bidder")
    assert bidder.post("/api/v1/tenders/", {}, format="json").status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied").count() >= 3
