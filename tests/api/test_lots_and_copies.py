"""A draft's lots are read, changed and removed one by one; any tender can be copied into a new
draft with its settings, lots and criteria, never its bids or documents."""

import datetime as dt

from django.utils import timezone

from audit.models import AuditEvent
from criteria.models import TenderCriterion
from procurement.models import Lot, Tender
from tests.api.helpers import bid, create_tender, iso, publish


def _lot(client, tender, title, value="1000000.00"):
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/lots/",
        {"title": title, "estimated_value": {"amount": value, "currency": "SEK"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _attach(client, tender, code, lot=None, weight="10"):
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/criteria/",
        {
            "definition": {
                "code": code,
                "title": f"Plan {code}",
                "category": "quality",
                "kind": "award",
                "rule": {"type": "manual", "scale_max": 5},
            },
            "weight": weight,
            **({"lot": lot["id"]} if lot else {}),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_drafts_lot_is_read_changed_and_removed_and_the_others_keep_their_numbers(api):
    client, officer = api("officer")
    tender = create_tender(client)
    second, third = _lot(client, tender, "Ägg"), _lot(client, tender, "Kyckling")
    base = f"/api/v1/tenders/{tender['id']}/lots/"

    assert client.get(f"{base}{second['id']}/").json()["title"] == "Ägg"
    changed = client.patch(
        f"{base}{second['id']}/",
        {
            "title": "Ägg från frigående höns",
            "estimated_value": {"amount": "800000.00", "currency": "SEK"},
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "Ägg från frigående höns"
    assert changed.json()["estimated_value"] == {"amount": "800000.00", "currency": "SEK"}
    assert changed.json()["number"] == 2
    wrong_currency = client.patch(
        f"{base}{second['id']}/",
        {"estimated_value": {"amount": "1.00", "currency": "EUR"}},
        format="json",
    )
    assert wrong_currency.status_code == 400
    assert wrong_currency.json()["errors"][0]["field"] == "/estimated_value/currency"

    read = client.get(f"/api/v1/tenders/{tender['id']}/")
    removed = client.delete(f"{base}{second['id']}/", HTTP_IF_MATCH=read["ETag"])
    assert removed.status_code == 204
    assert [lot["number"] for lot in client.get(base).json()["results"]] == [1, 3]
    assert client.get(f"{base}{second['id']}/").status_code == 404
    event = AuditEvent.objects.get(action="lot.deleted")
    assert event.actor == officer and event.data["number"] == 2
    assert event.data["title"] == "Ägg från frigående höns"

    stale = client.delete(f"{base}{third['id']}/", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert Lot.objects.filter(pk=third["id"]).exists()


def test_the_last_lot_and_a_lot_with_criteria_stay_until_asked_for(api):
    client, _ = api("officer")
    tender = create_tender(client)
    base = f"/api/v1/tenders/{tender['id']}/lots/"
    only = client.get(base).json()["results"][0]
    refused = client.delete(f"{base}{only['id']}/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "last_lot"

    second = _lot(client, tender, "Ägg")
    _attach(client, tender, "Q-EGGS", lot=second)
    refused = client.delete(f"{base}{second['id']}/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "lot_has_criteria"
    assert "Q-EGGS" in refused.json()["detail"]
    assert TenderCriterion.objects.filter(code="Q-EGGS").exists()


def test_a_published_tenders_lots_are_frozen(api):
    client, _ = api("officer")
    tender = create_tender(client)
    second = _lot(client, tender, "Ägg")
    publish(client, tender["id"])
    base = f"/api/v1/tenders/{tender['id']}/lots/{second['id']}/"
    assert client.patch(base, {"title": "Nytt"}, format="json").status_code == 409
    assert client.delete(base).status_code == 409
    assert Lot.objects.get(pk=second["id"]).title == "Ägg"


def test_lots_are_changed_by_officers_of_the_tenders_organisation_only(api, other_buyer):
    client, _ = api("officer")
    tender = create_tender(client)
    second = _lot(client, tender, "Ägg")
    url = f"/api/v1/tenders/{tender['id']}/lots/{second['id']}/"
    evaluator, _ = api("evaluator")
    assert evaluator.delete(url).status_code == 403
    outsider, _ = api("officer", other_buyer)
    assert outsider.get(url).status_code == 404
    assert outsider.delete(url).status_code == 404
    assert Lot.objects.filter(pk=second["id"]).exists()


def test_a_copy_is_a_new_draft_with_settings_lots_and_criteria_but_no_bids(api):
    client, officer = api("officer")
    tender = create_tender(
        client,
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
            "tie_break": ["criterion:Q-ALL", "lower_price"],
        },
    )
    first, eggs = tender["lots"][0], _lot(client, tender, "Ägg")
    _attach(client, tender, "Q-ALL", weight="20")
    _attach(client, tender, "Q-MEAT", lot=first, weight="10")
    _attach(client, tender, "Q-EGGS", lot=eggs, weight="10")
    publish(client, tender["id"])
    bidder, _ = api("bidder")
    bid(bidder, tender["id"], lot=eggs["id"])

    deadline = timezone.now() + dt.timedelta(days=60)
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/copy/",
        {"reference": "RK-2027-0042", "submission_deadline": iso(deadline)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    copy = response.json()
    assert response["Location"] == f"/api/v1/tenders/{copy['id']}/"
    assert copy["status"] == "draft" and copy["reference"] == "RK-2027-0042"
    assert copy["title"] == tender["title"]
    assert copy["evaluation"]["tie_break"] == ["criterion:Q-ALL", "lower_price"]
    assert copy["bids_received"] == 0
    assert [(lot["number"], lot["title"]) for lot in copy["lots"]] == [
        (1, tender["title"]),
        (2, "Ägg"),
    ]
    copied = {tc.code: tc for tc in TenderCriterion.objects.filter(tender_id=copy["id"])}
    assert set(copied) == {"Q-ALL", "Q-MEAT", "Q-EGGS"}
    assert copied["Q-EGGS"].lot.number == 2 and str(copied["Q-EGGS"].lot.tender_id) == copy["id"]
    assert copied["Q-ALL"].weight == 20
    made = Tender.objects.get(pk=copy["id"])
    assert not made.documents.exists() and not made.bids.exists()
    assert Tender.objects.get(pk=tender["id"]).bids.count() == 1
    event = AuditEvent.objects.get(action="tender.copied")
    assert event.actor == officer and event.data["from_reference"] == tender["reference"]
    # The copy is a draft like any other: it can be changed and published.
    assert publish(client, copy["id"])["status"] == "published"


def test_a_copy_needs_a_free_reference_and_an_officer_of_the_organisation(api, other_buyer):
    client, _ = api("officer")
    tender = create_tender(client)
    deadline = iso(timezone.now() + dt.timedelta(days=60))
    url = f"/api/v1/tenders/{tender['id']}/copy/"
    taken = client.post(
        url, {"reference": tender["reference"], "submission_deadline": deadline}, format="json"
    )
    assert taken.status_code == 400
    missing = client.post(url, {"reference": "RK-NEW"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "/submission_deadline"
    evaluator, _ = api("evaluator")
    body = {"reference": "RK-NEW", "submission_deadline": deadline}
    assert evaluator.post(url, body, format="json").status_code == 403
    outsider, _ = api("officer", other_buyer)
    assert outsider.post(url, body, format="json").status_code == 404
    assert Tender.objects.count() == 1
