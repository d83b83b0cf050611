"""The criteria library, rules, criteria on tenders, checks, freezing and amendments."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from criteria.models import Criterion, TenderCriterion
from procurement.models import Tender
from tests.api.helpers import bid, create_tender, publish

pytestmark = pytest.mark.django_db

LINEAR = {
    "code": "ENV-TRANSPORT-1",
    "title": "Förnybart bränsle i leveranser",
    "category": "environmental",
    "level": "advanced",
    "kind": "award",
    "rule": {"type": "linear", "worst": "0", "best": "100"},
    "unit": "%",
}


def attach(client, tender_id, **body):
    response = client.post(f"/api/v1/tenders/{tender_id}/criteria/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_shared_library_is_browsable_and_filterable(api, shared_library):
    client, _ = api("officer")
    everything = client.get("/api/v1/criteria/?page_size=500").json()
    assert everything["count"] >= 40
    animal = client.get("/api/v1/criteria/?category=animal_welfare&shared=true").json()
    assert animal["count"] >= 8
    assert all(c["category"] == "animal_welfare" and c["shared"] for c in animal["results"])
    manual = client.get("/api/v1/criteria/?rule_type=manual").json()
    assert manual["count"] >= 2 and all(c["rule"]["type"] == "manual" for c in manual["results"])
    found = client.get("/api/v1/criteria/?search=kollektivavtal").json()
    assert found["count"] >= 1


def test_shared_criteria_are_read_only_but_can_be_copied(api, shared_library):
    client, officer = api("officer")
    shared = Criterion.objects.filter(organization__isnull=True).first()
    response = client.patch(f"/api/v1/criteria/{shared.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    copy = client.post(f"/api/v1/criteria/{shared.pk}/copy/", {}, format="json")
    assert copy.status_code == 201
    body = copy.json()
    assert body["copied_from"] == str(shared.pk) and body["copied_from_version"] == shared.version
    assert body["shared"] is False and body["organization"] == str(officer.organization_id)
    changed = client.patch(f"/api/v1/criteria/{body['id']}/", {"title": "Anpassad"}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2


def test_own_criteria_are_invisible_to_other_organisations(api, other_buyer):
    client, _ = api("officer")
    mine = client.post("/api/v1/criteria/", LINEAR, format="json").json()
    outsider, _ = api("officer", org=other_buyer)
    assert outsider.get(f"/api/v1/criteria/{mine['id']}/").status_code == 404
    assert (
        outsider.patch(f"/api/v1/criteria/{mine['id']}/", {"title": "x"}, format="json").status_code
        == 404
    )
    assert outsider.delete(f"/api/v1/criteria/{mine['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("rule", "pointer"),
    [
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "80", "fulfilment": "1"},
                    {"at_least": "50", "fulfilment": "0.5"},
                ],
            },
            "/rule/steps/1",
            id="steps out of order",
        ),
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "50", "fulfilment": "0.5"},
                    {"at_least": "80", "fulfilment": "1.5"},
                ],
            },
            "/rule/steps/1/fulfilment",
            id="fulfilment above 1",
        ),
        pytest.param(
            {"type": "linear", "worst": "10", "best": "10"}, "/rule/best", id="best equals worst"
        ),
        pytest.param(
            {"type": "choice", "options": {"a": "0", "b": "1/2"}},
            "/rule/options",
            id="no option worth 1",
        ),
        pytest.param(
            {"type": "manual", "scale_max": 0}, "/rule/scale_max", id="manual scale below 1"
        ),
        pytest.param({"type": "boolean", "colour": "red"}, "/rule/colour", id="unknown key"),
        pytest.param(
            {"type": "linear", "worst": 0.5, "best": "1"}, "/rule/worst", id="float refused"
        ),
    ],
)
def test_invalid_rules_name_the_field_by_pointer(api, rule, pointer):
    client, _ = api("officer")
    response = client.post("/api/v1/criteria/", {**LINEAR, "rule": rule}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith(pointer) for f in fields), fields
    assert all(e["message"] for e in response.json()["errors"])
    assert not Criterion.objects.filter(organization__isnull=False).exists()


def test_exact_ratio_fraction_is_accepted(api):
    client, _ = api("officer")
    body = {
        **LINEAR,
        "code": "SOC-DD",
        "rule": {"type": "choice", "options": {"l0": "0", "l1": "1/3", "l2": "2/3", "l3": "1"}},
    }
    response = client.post("/api/v1/criteria/", body, format="json")
    assert response.status_code == 201
    assert response.json()["rule"]["options"]["l2"] == "2/3"


def _weighted_tender(client, price_weight="60", **extra):
    return create_tender(
        client,
        evaluation={
            "method": "weighted_points",
            "price_weight": price_weight,
            "price_scoring": "absolute",
            "price_ceiling": "2000000",
        },
        **extra,
    )


def test_publish_lists_every_error_at_once(api):
    client, _ = api("officer")
    tender = create_tender(
        client,
        evaluation={"method": "weighted_points", "price_weight": "50", "price_scoring": "absolute"},
    )
    attach(client, tender["id"], definition=LINEAR, weight="30")
    attach(
        client,
        tender["id"],
        definition={
            **LINEAR,
            "code": "SME-SIZE",
            "category": "small_supplier",
            "source": "supplier_profile",
            "profile_field": "sme_class",
            "rule": {"type": "choice", "options": {"micro": "1", "large": "0"}},
        },
        weight="10",
    )
    checks = client.get(f"/api/v1/tenders/{tender['id']}/checks/").json()
    errors = {c["code"] for c in checks if c["severity"] == "error"}
    assert errors == {
        "weights_do_not_sum_to_100",
        "price_ceiling_missing",
        "award_scores_supplier_identity",
    }
    assert all(c["message"]["sv"] and c["message"]["en"] for c in checks)
    response = client.post(f"/api/v1/tenders/{tender['id']}/publish/")
    assert response.status_code == 400
    assert {e["code"] for e in response.json()["errors"]} == errors
    assert Tender.objects.get(pk=tender["id"]).status == "draft"


def test_warnings_are_returned_with_the_published_tender(api):
    client, _ = api("officer")
    tender = create_tender(
        client,
        evaluation={
            "method": "weighted_points",
            "price_weight": "40",
            "price_scoring": "proportional",
        },
    )
    attach(client, tender["id"], definition=LINEAR, weight="60")
    published = publish(client, tender["id"])
    assert "relative_price_scoring" in {w["code"] for w in published["warnings"]}


def test_award_criterion_under_lowest_price_is_an_error(api):
    client, _ = api("officer")
    tender = create_tender(client)
    attach(client, tender["id"], definition=LINEAR)
    codes = {c["code"] for c in client.get(f"/api/v1/tenders/{tender['id']}/checks/").json()}
    assert "award_criterion_under_lowest_price" in codes


def test_small_supplier_subcontracting_criterion_is_lawful(api):
    client, _ = api("officer")
    tender = _weighted_tender(client, price_weight="80")
    attach(
        client,
        tender["id"],
        definition={**LINEAR, "code": "SME-SUBCONTRACT", "category": "small_supplier"},
        weight="20",
    )
    checks = client.get(f"/api/v1/tenders/{tender['id']}/checks/").json()
    assert [c for c in checks if c["severity"] == "error"] == []


def test_criteria_freeze_on_publish_and_library_changes_do_not_leak(api):
    client, _ = api("officer")
    own = client.post("/api/v1/criteria/", LINEAR, format="json").json()
    tender = _weighted_tender(client)
    tc = attach(client, tender["id"], criterion=own["id"], weight="40")
    assert tc["criterion_version"] == 1
    publish(client, tender["id"])
    client.patch(
        f"/api/v1/criteria/{own['id']}/",
        {"rule": {"type": "linear", "worst": "0", "best": "50"}},
        format="json",
    )
    frozen = client.get(f"/api/v1/tenders/{tender['id']}/criteria/{tc['id']}/").json()
    assert frozen["rule"]["best"] == "100"
    assert (
        client.patch(
            f"/api/v1/tenders/{tender['id']}/criteria/{tc['id']}/", {"weight": "30"}, format="json"
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/api/v1/tenders/{tender['id']}/criteria/",
            {"definition": {**LINEAR, "code": "X"}, "weight": "1"},
            format="json",
        ).status_code
        == 409
    )
    bidder, _ = api("bidder")
    listed = bidder.get(f"/api/v1/tenders/{tender['id']}/criteria/").json()
    assert listed["count"] == 1 and listed["next"] is None
    assert [(c["id"], c["rule"]["best"]) for c in listed["results"]] == [(tc["id"], "100")]


def test_amendment_before_deadline_is_kept_and_visible_to_suppliers(api, clock):
    client, _ = api("officer")
    tender = _weighted_tender(client)
    tc = attach(client, tender["id"], definition=LINEAR, weight="40")
    publish(client, tender["id"])
    no_reason = client.post(
        f"/api/v1/tenders/{tender['id']}/amend/", {"reason": "", "changes": {}}, format="json"
    )
    assert no_reason.status_code == 400
    bad_sum = client.post(
        f"/api/v1/tenders/{tender['id']}/amend/",
        {
            "reason": "Clarify",
            "changes": {"criteria": [{"tender_criterion": tc["id"], "weight": "30"}]},
        },
        format="json",
    )
    assert bad_sum.status_code == 400
    assert TenderCriterion.objects.get(pk=tc["id"]).weight == 40
    ok = client.post(
        f"/api/v1/tenders/{tender['id']}/amend/",
        {
            "reason": "Suppliers asked for more weight on fuel",
            "changes": {
                "evaluation": {
                    "method": "weighted_points",
                    "price_weight": "50",
                    "price_scoring": "absolute",
                    "price_ceiling": "2000000",
                },
                "criteria": [{"tender_criterion": tc["id"], "weight": "50"}],
            },
        },
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    bidder, _ = api("bidder")
    amendments = bidder.get(f"/api/v1/tenders/{tender['id']}/amendments/").json()["results"]
    assert [a["number"] for a in amendments] == [1]
    assert amendments[0]["configuration_before"]["criteria"][0]["weight"] == "40"
    assert amendments[0]["configuration_after"]["criteria"][0]["weight"] == "50"
    assert AuditEvent.objects.filter(action="tender.amended").count() == 1
    clock.move_to(Tender.objects.get(pk=tender["id"]).submission_deadline + dt.timedelta(seconds=1))
    late = client.post(
        f"/api/v1/tenders/{tender['id']}/amend/",
        {"reason": "Too late", "changes": {"title": "Nytt"}},
        format="json",
    )
    assert late.status_code == 409


def test_bid_responses_are_validated_against_the_frozen_rules(api):
    client, _ = api("officer")
    tender = _weighted_tender(client, price_weight="50")
    linear = attach(client, tender["id"], definition=LINEAR, weight="30")
    choice = attach(
        client,
        tender["id"],
        definition={
            **LINEAR,
            "code": "SOC-DD",
            "category": "social",
            "rule": {"type": "choice", "options": {"none": "0", "full": "1"}},
        },
        weight="20",
    )
    req = attach(
        client,
        tender["id"],
        definition={
            **LINEAR,
            "code": "AW-8H",
            "category": "animal_welfare",
            "kind": "requirement",
            "rule": {"type": "boolean"},
        },
    )
    publish(client, tender["id"])
    bidder, _ = api("bidder")
    response = bidder.post(
        "/api/v1/bids/",
        {
            "tender": tender["id"],
            "price": {"amount": "1000.00", "currency": "SEK"},
            "responses": [
                {"tender_criterion": linear["id"], "value": "many"},
                {"tender_criterion": choice["id"], "value": "partial"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "/responses/0/value",
        "/responses/1/value",
    }
    draft = bid(bidder, tender["id"], responses=[{"tender_criterion": linear["id"], "value": "80"}])
    missing = bidder.post(f"/api/v1/bids/{draft['id']}/submit/")
    assert missing.status_code == 400
    assert {m["code"] for m in missing.json()["missing"]} == {"SOC-DD", "AW-8H"}
    complete = bidder.patch(
        f"/api/v1/bids/{draft['id']}/",
        {
            "responses": [
                {"tender_criterion": linear["id"], "value": "80"},
                {"tender_criterion": choice["id"], "value": "full"},
                {"tender_criterion": req["id"], "value": True},
            ]
        },
        format="json",
    )
    assert complete.status_code == 200
    assert bidder.post(f"/api/v1/bids/{draft['id']}/submit/").status_code == 200


def test_supplier_burden_flags_turnover_above_the_lot_value(api):
    client, _ = api("officer")
    tender = create_tender(client)
    lot = client.post(
        f"/api/v1/tenders/{tender['id']}/lots/",
        {
            "title": "Ägg",
            "estimated_value": {"amount": "100000.00", "currency": "SEK"},
            "minimum_turnover": {"amount": "150000.00", "currency": "SEK"},
        },
        format="json",
    ).json()
    burden = client.get(f"/api/v1/tenders/{tender['id']}/supplier-burden/").json()
    by_lot = {b["lot"]["id"]: b for b in burden}
    assert by_lot[lot["id"]]["turnover_to_value_ratio"] == "1.50"
    assert [f["code"] for f in by_lot[lot["id"]]["flags"]] == ["minimum_turnover_above_lot_value"]


@pytest.mark.parametrize(
    ("amount", "code"),
    [("45709847306509", "max_digits"), ("12.123456", "max_decimal_places")],
)
def test_an_amount_the_database_cannot_hold_is_a_400_naming_the_field(api, amount, code):
    """Found by schemathesis: a weight of 14 digits was a 500 (numeric overflow)."""
    officer, _user = api("officer")
    tender = _weighted_tender(officer)
    tc = attach(officer, tender["id"], definition=LINEAR, weight="40")
    url = f"/api/v1/tenders/{tender['id']}/criteria/{tc['id']}/"
    response = officer.patch(url, {"weight": amount}, format="json")
    assert response.status_code == 400, response.json()
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("/weight", code)]
    created = officer.post(
        f"/api/v1/tenders/{tender['id']}/criteria/",
        {"definition": {**LINEAR, "code": "X-2"}, "weight": amount},
        format="json",
    )
    assert created.status_code == 400
    assert TenderCriterion.objects.get(pk=tc["id"]).weight == 40
