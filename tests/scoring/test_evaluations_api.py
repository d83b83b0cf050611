"""The evaluation workflow through the API: declarations, blind scores, consensus, runs,
verification, lottery, award, a supplier's view and simulations."""

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from criteria.services import attach_criterion
from procurement.models import Bid, Tender
from procurement.services.tenders import publish_tender
from scoring.models import Evaluation, EvaluatorScore
from tests.api.helpers import create_tender
from tests.scenarios import new_tender, open_bids, submitted_bid

pytestmark = pytest.mark.django_db

LINEAR = {
    "code": "ENV-FUEL",
    "title": "Förnybart bränsle",
    "category": "environmental",
    "level": "advanced",
    "kind": "award",
    "rule": {"type": "linear", "worst": "0", "best": "100"},
    "unit": "%",
}
PLAN = {
    "code": "QUAL-PLAN",
    "title": "Leveransplan",
    "category": "quality",
    "level": "basic",
    "kind": "award",
    "rule": {"type": "manual", "scale_max": 5},
}


def attach(client, tender_id, **body):
    response = client.post(f"/api/v1/tenders/{tender_id}/criteria/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def opened(api, clock, other_supplier):
    """A weighted-points tender (price 50, fuel 30, plan 20) with two opened bids, built
    through the services (the API that builds it is tested in tests/api); the ids as the API
    gives them.

    A: 100 000 SEK, fuel 80 %; B: 125 000 SEK, fuel 100 %.
    """
    officer = api("officer")[1]
    tender = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "50",
            "price_scoring": "absolute",
            "price_ceiling": "200000",
        },
    )
    fuel = attach_criterion(tender=tender, actor=officer, definition=LINEAR, weight=Decimal(30))
    plan = attach_criterion(tender=tender, actor=officer, definition=PLAN, weight=Decimal(20))
    tender = publish_tender(tender=tender, actor=officer)
    a_client, a_bidder = api("bidder")
    b_client, b_bidder = api("bidder", org=other_supplier)

    def answers(fuel_percent, plan_text):
        return [
            {"tender_criterion": fuel.pk, "value": fuel_percent},
            {"tender_criterion": plan.pk, "value": plan_text},
        ]

    a = submitted_bid(a_bidder, tender, "100000.00", responses=answers("80", "Weekly deliveries"))
    b = submitted_bid(b_bidder, tender, "125000.00", responses=answers("100", "Daily deliveries"))
    open_bids(clock, tender, officer, api("admin")[1])
    built = {"tender": tender, "fuel": fuel, "plan": plan, "a": a, "b": b}
    return {
        **{name: {"id": str(row.pk)} for name, row in built.items()},
        "a_client": a_client,
        "b_client": b_client,
    }


def _run(client, tender_id, capture):
    with capture(execute=True):
        response = client.post(f"/api/v1/tenders/{tender_id}/evaluations/")
    return response


def _score_and_settle(api, o, a_score="4", b_score="5"):
    evaluator, _ = api("evaluator")
    tid = o["tender"]["id"]
    assert (
        evaluator.post(
            f"/api/v1/tenders/{tid}/conflict-declarations/",
            {"has_conflict": False, "statement": "No ties"},
            format="json",
        ).status_code
        == 201
    )
    put = evaluator.put(
        f"/api/v1/tenders/{tid}/scores/",
        {
            "scores": [
                {"bid": o["a"]["id"], "tender_criterion": o["plan"]["id"], "score": a_score},
                {"bid": o["b"]["id"], "tender_criterion": o["plan"]["id"], "score": b_score},
            ]
        },
        format="json",
    )
    assert put.status_code == 200, put.json()
    officer, _ = api("officer")
    consensus = officer.put(
        f"/api/v1/tenders/{tid}/consensus/",
        {
            "scores": [
                {
                    "bid": o["a"]["id"],
                    "tender_criterion": o["plan"]["id"],
                    "score": a_score,
                    "justification": "Agreed in meeting 1",
                },
                {
                    "bid": o["b"]["id"],
                    "tender_criterion": o["plan"]["id"],
                    "score": b_score,
                    "justification": "Agreed in meeting 1",
                },
            ]
        },
        format="json",
    )
    assert consensus.status_code == 200, consensus.json()


def test_a_consensus_score_as_a_float_is_refused(api, opened):
    officer, _ = api("officer")
    item = {
        "bid": opened["a"]["id"],
        "tender_criterion": opened["plan"]["id"],
        "score": 3.5,
        "justification": "Agreed",
    }
    response = officer.put(
        f"/api/v1/tenders/{opened['tender']['id']}/consensus/", {"scores": [item]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/scores/0/score"
    accepted = officer.put(
        f"/api/v1/tenders/{opened['tender']['id']}/consensus/",
        {"scores": [{**item, "score": "3.5"}]},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()


def test_evaluation_refuses_with_every_missing_item(
    api, opened, django_capture_on_commit_callbacks
):
    officer, _ = api("officer")
    response = _run(officer, opened["tender"]["id"], django_capture_on_commit_callbacks)
    assert response.status_code == 409
    missing = response.json()["missing"]
    assert {m["kind"] for m in missing} == {"declaration", "consensus"}
    assert {m["bid"] for m in missing if m["kind"] == "consensus"} == {
        opened["a"]["id"],
        opened["b"]["id"],
    }
    assert not Evaluation.objects.exists()


def test_whole_run_with_results_and_verification(api, opened, django_capture_on_commit_callbacks):
    """Absolute price 50 * (1 - P/200 000); fuel 30 * v/100; plan 20 * s/5.
    A: 25 + 24 + 16 = 65; B: 18.75 + 30 + 20 = 68.75 -> B first."""
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    response = _run(officer, opened["tender"]["id"], django_capture_on_commit_callbacks)
    assert response.status_code == 202
    location = response["Location"]
    status = officer.get(location).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert len(status["input_sha256"]) == 64 and status["engine_version"]
    results = officer.get(location + "results/").json()
    by_bid = {r["bid"]: r for r in results["results"]}
    assert (
        by_bid[opened["b"]["id"]]["total_score"] == "68.7500"
        and by_bid[opened["b"]["id"]]["rank"] == 1
    )
    assert (
        by_bid[opened["a"]["id"]]["total_score"] == "65.0000"
        and by_bid[opened["a"]["id"]]["rank"] == 2
    )
    assert by_bid[opened["a"]["id"]]["categories"]["environmental"] == "24.0000"
    explanations = [c["explanation"] for c in by_bid[opened["a"]["id"]]["criteria"]]
    assert all(explanations)
    sv = officer.get(location + "results/?lang=sv").json()
    assert (
        sv["results"][0]["criteria"][0]["explanation"]
        != results["results"][0]["criteria"][0]["explanation"]
    )
    verified = officer.post(location + "verify/").json()
    assert verified["reproducible"] is True
    assert Tender.objects.get(pk=opened["tender"]["id"]).status == "evaluated"
    assert AuditEvent.objects.filter(action="evaluation.completed").count() == 1


def test_runs_and_declarations_are_listed_in_pages(
    api, opened, make_user, client_for, buyer, clock, django_capture_on_commit_callbacks
):
    """Two runs, newest first, one per page with ?page_size=1; declarations: the officer sees
    every evaluator's, an evaluator only their own."""
    _score_and_settle(api, opened)
    second = client_for(make_user("evaluator", buyer))
    declared = second.post(
        f"/api/v1/tenders/{opened['tender']['id']}/conflict-declarations/",
        {"has_conflict": False, "statement": "None"},
        format="json",
    )
    assert declared.status_code == 201, declared.json()
    officer, _ = api("officer")
    tid = opened["tender"]["id"]
    first_run = _run(officer, tid, django_capture_on_commit_callbacks).json()["id"]
    clock.shift(60)
    second_run = _run(officer, tid, django_capture_on_commit_callbacks).json()["id"]

    page = officer.get(f"/api/v1/tenders/{tid}/evaluations/?page_size=1").json()
    assert page["count"] == 2 and page["previous"] is None and page["next"]
    assert [e["id"] for e in page["results"]] == [second_run]
    following = officer.get(page["next"]).json()
    assert [e["id"] for e in following["results"]] == [first_run] and following["next"] is None

    listed = officer.get(f"/api/v1/tenders/{tid}/conflict-declarations/").json()
    assert listed["count"] == 2 and len(listed["results"]) == 2
    evaluator, user = api("evaluator")
    own = evaluator.get(f"/api/v1/tenders/{tid}/conflict-declarations/").json()
    assert own["count"] == 1 and own["results"][0]["evaluator"]["id"] == str(user.pk)
    beyond = officer.get(f"/api/v1/tenders/{tid}/evaluations/?page=9")
    assert beyond.status_code == 404
    assert beyond["Content-Type"].startswith("application/problem+json")


def test_completed_evaluation_is_immutable_and_tampering_is_detected(
    api, opened, django_capture_on_commit_callbacks
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    location = _run(officer, opened["tender"]["id"], django_capture_on_commit_callbacks)["Location"]
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "done", evaluation.error
    with pytest.raises(DatabaseError), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(result_json="{}")
    # Tamper through SQL, as someone with database access could: drop the guard first.
    stored = json.loads(evaluation.input_json)
    stored["bids"][0]["price"] = "1"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers do not fire in a "replica" session (a superuser bypass), this transaction only.
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER scoring_evaluation_no_update")
        cursor.execute(
            "UPDATE scoring_evaluation SET input_json = %s WHERE id = %s",
            [
                json.dumps(stored),
                evaluation.pk.hex if connection.vendor == "sqlite" else evaluation.pk,
            ],
        )
    verified = officer.post(location + "verify/").json()
    assert verified["reproducible"] is False
    assert verified["stored_input_sha256"] != verified["input_sha256"]


def test_evaluators_declare_before_access_and_score_blind(
    api, opened, make_user, client_for, buyer
):
    tid = opened["tender"]["id"]
    evaluator, _ = api("evaluator")
    assert evaluator.get("/api/v1/bids/").json()["count"] == 0
    early = evaluator.put(f"/api/v1/tenders/{tid}/scores/", {"scores": []}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "declaration_missing"
    evaluator.post(
        f"/api/v1/tenders/{tid}/conflict-declarations/",
        {"has_conflict": False, "statement": "No ties"},
        format="json",
    )
    bids = evaluator.get("/api/v1/bids/").json()["results"]
    assert len(bids) == 2
    assert all(b["price"] is None and b["cost"] is None for b in bids)
    protocol = evaluator.get(f"/api/v1/tenders/{tid}/").json()["opening_protocol"]
    assert [b["price"] for b in protocol["bids"]] == [None, None]
    assert evaluator.get(f"/api/v1/bids/{opened['a']['id']}/evaluation/").status_code == 404
    evaluator.put(
        f"/api/v1/tenders/{tid}/scores/",
        {
            "scores": [
                {"bid": opened["a"]["id"], "tender_criterion": opened["plan"]["id"], "score": 2}
            ]
        },
        format="json",
    )
    evaluator.put(
        f"/api/v1/tenders/{tid}/scores/",
        {
            "scores": [
                {"bid": opened["a"]["id"], "tender_criterion": opened["plan"]["id"], "score": 3}
            ]
        },
        format="json",
    )
    assert (
        EvaluatorScore.objects.filter(bid_id=opened["a"]["id"]).count() == 2
    )  # the old version is kept
    second = client_for(make_user("evaluator", buyer))
    second.post(
        f"/api/v1/tenders/{tid}/conflict-declarations/",
        {"has_conflict": False, "statement": "None"},
        format="json",
    )
    assert second.get(f"/api/v1/tenders/{tid}/scores/").json() == []
    out_of_scale = second.put(
        f"/api/v1/tenders/{tid}/scores/",
        {
            "scores": [
                {"bid": opened["a"]["id"], "tender_criterion": opened["plan"]["id"], "score": 6}
            ]
        },
        format="json",
    )
    assert out_of_scale.status_code == 400
    assert out_of_scale.json()["errors"][0]["field"] == "/scores/0/score"
    assert second.get(f"/api/v1/tenders/{tid}/consensus/").status_code == 403
    conflicted = client_for(make_user("evaluator", buyer))
    conflicted.post(
        f"/api/v1/tenders/{tid}/conflict-declarations/",
        {"has_conflict": True, "statement": "My cousin owns B"},
        format="json",
    )
    assert conflicted.get("/api/v1/bids/").json()["count"] == 0


def test_spread_is_flagged_for_moderation(api, opened, make_user, client_for, buyer):
    tid = opened["tender"]["id"]
    for score in (1, 5):
        evaluator = client_for(make_user("evaluator", buyer))
        evaluator.post(
            f"/api/v1/tenders/{tid}/conflict-declarations/",
            {"has_conflict": False, "statement": "None"},
            format="json",
        )
        evaluator.put(
            f"/api/v1/tenders/{tid}/scores/",
            {
                "scores": [
                    {
                        "bid": opened["a"]["id"],
                        "tender_criterion": opened["plan"]["id"],
                        "score": score,
                    }
                ]
            },
            format="json",
        )
    officer, _ = api("officer")
    moderation = officer.get(f"/api/v1/tenders/{tid}/consensus/").json()["moderation"]
    assert [(m["bid"], m["spread"]) for m in moderation] == [(opened["a"]["id"], "0.8000")]


def test_award_and_the_suppliers_view(api, opened, django_capture_on_commit_callbacks):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    evaluation_id = _run(
        officer, opened["tender"]["id"], django_capture_on_commit_callbacks
    ).json()["id"]
    lot = Bid.objects.get(pk=opened["a"]["id"]).lot_id
    tid = opened["tender"]["id"]
    assert (
        opened["a_client"].get(f"/api/v1/bids/{opened['a']['id']}/evaluation/").status_code == 409
    )
    deviating = officer.post(
        f"/api/v1/tenders/{tid}/award/",
        {
            "evaluation": evaluation_id,
            "lots": [{"lot": str(lot), "bids": [opened["a"]["id"]]}],
            "justification": "Cheaper",
        },
        format="json",
    )
    assert (
        deviating.status_code == 400 and deviating.json()["code"] == "deviation_needs_justification"
    )
    award = officer.post(
        f"/api/v1/tenders/{tid}/award/",
        {
            "evaluation": evaluation_id,
            "lots": [{"lot": str(lot), "bids": [opened["b"]["id"]]}],
            "justification": "Best price-quality ratio",
        },
        format="json",
    )
    assert award.status_code == 200, award.json()
    assert award.json()["deviates_from_ranking"] is False
    assert officer.get(f"/api/v1/tenders/{tid}/").json()["status"] == "awarded"
    loser_view = opened["a_client"].get(f"/api/v1/bids/{opened['a']['id']}/evaluation/").json()
    assert loser_view["awarded"] is False and loser_view["own"]["rank"] == 2
    assert loser_view["winners"] == [
        {
            "total_score": "68.7500",
            "comparison_price": None,
            "rank": 1,
            "categories": loser_view["winners"][0]["categories"],
            "categories_unit": "points",
        }
    ]
    assert "criteria" not in loser_view["winners"][0]
    assert (
        opened["a_client"].get(f"/api/v1/bids/{opened['b']['id']}/evaluation/").status_code == 404
    )


@pytest.mark.parametrize("form", ["lot_bid", "one_lot_bid"])
def test_award_takes_the_winning_bid_as_api_md_names_it(
    api, opened, form, django_capture_on_commit_callbacks
):
    """API.md: `evaluation`, per lot the winning `bid`, `justification` (`bids` is the list
    form for frameworks; a one-lot tender may give `bid` alone)."""
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    tid = opened["tender"]["id"]
    evaluation_id = _run(officer, tid, django_capture_on_commit_callbacks).json()["id"]
    lot = str(Bid.objects.get(pk=opened["b"]["id"]).lot_id)
    both = officer.post(
        f"/api/v1/tenders/{tid}/award/",
        {
            "evaluation": evaluation_id,
            "lots": [{"lot": lot, "bid": opened["b"]["id"], "bids": [opened["b"]["id"]]}],
            "justification": "Best",
        },
        format="json",
    )
    assert both.status_code == 400 and both.json()["errors"][0]["field"] == "/lots/0/bid"
    body = {"evaluation": evaluation_id, "justification": "Best price-quality ratio"}
    if form == "lot_bid":
        body["lots"] = [{"lot": lot, "bid": opened["b"]["id"]}]
    else:
        body["bid"] = opened["b"]["id"]
    award = officer.post(f"/api/v1/tenders/{tid}/award/", body, format="json")
    assert award.status_code == 200, award.json()
    assert award.json()["lots"] and award.json()["deviates_from_ranking"] is False
    assert officer.get(f"/api/v1/tenders/{tid}/").json()["status"] == "awarded"


def test_tie_is_drawn_by_lot_with_a_witness(api, opened, django_capture_on_commit_callbacks):
    """Make the two bids tie: A 100 000 (25) + fuel 80 (24) + plan 4 (16) = 65;
    B 125 000 (18.75) + fuel 100 (30) + plan s: 48.75 + 20 * s / 5 = 65 -> s = 4.0625."""
    _score_and_settle(api, opened, a_score="4", b_score="4.0625")
    officer, _ = api("officer")
    tid = opened["tender"]["id"]
    Tender.objects.filter(pk=tid).update(
        evaluation={**Tender.objects.get(pk=tid).evaluation, "tie_break": ["lottery"]}
    )
    first = _run(officer, tid, django_capture_on_commit_callbacks).json()
    results = officer.get(f"/api/v1/evaluations/{first['id']}/results/").json()
    assert results["unresolved_ties"] and {r["rank"] for r in results["results"]} == {1}
    _, second_user = api("admin")
    _, officer_user = api("officer")
    refused = officer.post(
        f"/api/v1/evaluations/{first['id']}/lottery/",
        {"witness": str(officer_user.pk)},
        format="json",
    )
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        drawn = officer.post(
            f"/api/v1/evaluations/{first['id']}/lottery/",
            {"witness": str(second_user.pk)},
            format="json",
        )
    assert drawn.status_code == 202
    body = drawn.json()
    assert body["derived_from"] == first["id"] and len(body["draws"][0]["seed"]) == 32
    after = officer.get(f"/api/v1/evaluations/{body['id']}/results/").json()
    assert sorted(r["rank"] for r in after["results"]) == [1, 2]
    assert AuditEvent.objects.filter(action="lottery.drawn").count() == 1


def test_simulation_never_touches_real_bids(api):
    officer, _ = api("officer")
    tender = create_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
        },
    )
    attach(officer, tender["id"], definition=LINEAR, weight="30")
    before = (Bid.objects.count(), Evaluation.objects.count())
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/simulations/",
        {
            "bids": [
                {"name": "Cheap", "price": "80000", "responses": {"ENV-FUEL": "0"}},
                {"name": "Green", "price": "100000", "responses": {"ENV-FUEL": "100"}},
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    bids = response.json()["result"]["lots"][0]["bids"]
    assert [(b["supplier"]["name"], b["total_score"]) for b in bids] == [
        ("Green", "86.0000"),
        ("Cheap", "70.0000"),
    ]
    assert (Bid.objects.count(), Evaluation.objects.count()) == before
    bad = officer.post(
        f"/api/v1/tenders/{tender['id']}/simulations/", {"bids": [{"price": 1.5}]}, format="json"
    )
    assert bad.status_code == 400


def test_other_organisations_get_404_on_evaluation_endpoints(
    api, opened, other_buyer, django_capture_on_commit_callbacks
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    evaluation_id = _run(
        officer, opened["tender"]["id"], django_capture_on_commit_callbacks
    ).json()["id"]
    outsider, _ = api("officer", org=other_buyer)
    tid = opened["tender"]["id"]
    assert outsider.get(f"/api/v1/evaluations/{evaluation_id}/").status_code == 404
    assert outsider.get(f"/api/v1/evaluations/{evaluation_id}/results/").status_code == 404
    assert outsider.post(f"/api/v1/evaluations/{evaluation_id}/verify/").status_code == 404
    assert outsider.post(f"/api/v1/tenders/{tid}/evaluations/").status_code == 404
    assert outsider.get(f"/api/v1/tenders/{tid}/consensus/").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/tenders/{tid}/simulations/", {"bids": [{"price": "1"}]}, format="json"
        ).status_code
        == 404
    )
    assert opened["a_client"].get(f"/api/v1/evaluations/{evaluation_id}/").status_code == 404


def test_evidence_package_is_complete_and_verifiable(
    api, opened, django_capture_on_commit_callbacks, tmp_path
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    started = _run(officer, opened["tender"]["id"], django_capture_on_commit_callbacks).json()
    evaluation = officer.get(f"/api/v1/evaluations/{started['id']}/").json()
    response = officer.get(f"/api/v1/evaluations/{evaluation['id']}/evidence/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    assert set(files) == {
        "README.txt",
        "SHA256SUMS",
        "evaluation.json",
        "input.json",
        "result.json",
        "opening_protocol.json",
        "conflict_declarations.json",
        "evaluator_scores.json",
        "consensus.json",
        "lottery_draws.json",
        "award.json",
        "audit_events.jsonl",
    }
    assert hashlib.sha256(files["input.json"]).hexdigest() == evaluation["input_sha256"]
    assert hashlib.sha256(files["result.json"]).hexdigest() == evaluation["result_sha256"]
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert "Svenska" in files["README.txt"].decode() and "English" in files["README.txt"].decode()
    assert json.loads(files["consensus.json"])[0]["justification"] == "Agreed in meeting 1"
    export = tmp_path / "events.jsonl"
    export.write_bytes(files["audit_events.jsonl"])
    checked = subprocess.run(
        [sys.executable, "-m", "audit.verify", str(export), "--segment"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert AuditEvent.objects.filter(action="evaluation.evidence_exported").count() == 1
    outsider, _ = api("bidder")
    assert outsider.get(f"/api/v1/evaluations/{evaluation['id']}/evidence/").status_code == 404


def test_ocds_release_package_after_award(
    api, opened, django_capture_on_commit_callbacks, other_buyer
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    evaluation_id = _run(
        officer, opened["tender"]["id"], django_capture_on_commit_callbacks
    ).json()["id"]
    tid = opened["tender"]["id"]
    lot = str(Bid.objects.get(pk=opened["b"]["id"]).lot_id)
    officer.post(
        f"/api/v1/tenders/{tid}/award/",
        {
            "evaluation": evaluation_id,
            "lots": [{"lot": lot, "bids": [opened["b"]["id"]]}],
            "justification": "Ranked first",
        },
        format="json",
    )
    response = opened["a_client"].get(f"/api/v1/tenders/{tid}/ocds/")
    assert response.status_code == 200
    assert b'"amount":125000.00' in response.content  # an exact JSON number, not a string
    package = json.loads(response.content)
    assert package["version"] == "1.1"
    release = package["releases"][0]
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["tenderPeriod"]["endDate"]
    (criteria,) = [lot["awardCriteria"]["criteria"] for lot in release["tender"]["lots"]]
    assert [(c["type"], c["numbers"][0]["number"]) for c in criteria] == [
        ("price", 50),
        ("quality", 30),
        ("quality", 20),
    ]
    assert [a["suppliers"][0]["name"] for a in release["awards"]] == ["Dana Livs AB"]
    assert release["bids"]["statistics"][0]["value"] == 2
    outsider, _ = api("officer", org=other_buyer)
    assert outsider.get(f"/api/v1/tenders/{tid}/ocds/").status_code == 404


def test_a_started_evaluation_says_where_to_poll_and_the_award_can_be_read(
    api, opened, django_capture_on_commit_callbacks
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    tid = opened["tender"]["id"]
    with django_capture_on_commit_callbacks(execute=False):
        started = officer.post(f"/api/v1/tenders/{tid}/evaluations/")
    assert started.status_code == 202
    assert started["Location"] == f"/api/v1/evaluations/{started.json()['id']}/"
    assert started.json()["status"] == "queued"
    assert int(started["Retry-After"]) > 0
    evaluation_id = _run(officer, tid, django_capture_on_commit_callbacks).json()["id"]
    assert officer.get(f"/api/v1/tenders/{tid}/award/").status_code == 404
    lot = Bid.objects.get(pk=opened["b"]["id"]).lot_id
    award = officer.post(
        f"/api/v1/tenders/{tid}/award/",
        {
            "evaluation": evaluation_id,
            "lots": [{"lot": str(lot), "bids": [opened["b"]["id"]]}],
            "justification": "Best price-quality ratio",
        },
        format="json",
    )
    assert award.status_code == 200, award.json()
    assert award["Content-Location"] == f"/api/v1/tenders/{tid}/award/"
    read = officer.get(award["Content-Location"])
    assert read.status_code == 200
    assert read.json() == award.json()
    assert api("auditor")[0].get(award["Content-Location"]).status_code == 200
    assert opened["a_client"].get(award["Content-Location"]).status_code == 404


def test_evaluation_runs_changed_since_a_time(
    api, opened, clock, django_capture_on_commit_callbacks
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    tid = opened["tender"]["id"]
    url = f"/api/v1/tenders/{tid}/evaluations/"
    before = (timezone.now() - dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    started = _run(officer, tid, django_capture_on_commit_callbacks)
    run = officer.get(started["Location"]).json()
    assert run["status"] == "done" and run["updated_at"] >= run["created_at"]
    assert [e["id"] for e in officer.get(f"{url}?updated_since={before}").json()["results"]] == [
        run["id"]
    ]
    clock.move_to(timezone.now() + dt.timedelta(hours=1))
    now = timezone.now().isoformat().replace("+00:00", "Z")
    assert officer.get(f"{url}?updated_since={now}").json()["count"] == 0
    bad = officer.get(f"{url}?updated_since=soon")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["/updated_since"]
    # A run completed before the column existed (null) counts from when it finished.
    legacy = Evaluation.objects.get(pk=run["id"])
    legacy.updated_at = None
    assert legacy.last_changed_at == legacy.finished_at


def test_a_retried_start_with_its_idempotency_key_starts_one_run(
    api, opened, django_capture_on_commit_callbacks
):
    _score_and_settle(api, opened)
    officer, _ = api("officer")
    url = f"/api/v1/tenders/{opened['tender']['id']}/evaluations/"
    with django_capture_on_commit_callbacks(execute=True):
        first = officer.post(url, HTTP_IDEMPOTENCY_KEY="run-1")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = officer.post(url, HTTP_IDEMPOTENCY_KEY="run-1")
    assert first.status_code == again.status_code == 202
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert queued == []  # nothing queued again
    assert Evaluation.objects.filter(tender_id=opened["tender"]["id"]).count() == 1
