"""A stored evaluation of engine 1.0.0 verifies through the API with 1.0.0's rules, after the
engine moved to 1.1.0 (contract conditions no longer scored); a manual contract condition is
not on any evaluator's sheet and does not hold a run up."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from criteria.services import attach_criterion
from procurement.services.tenders import publish_tender
from scoring.engine import EvaluationInput, canonical_json, evaluate
from scoring.models import Evaluation
from tests.scenarios import new_tender, open_bids, submitted_bid

pytestmark = pytest.mark.django_db

STORED = json.loads(
    (Path(__file__).parent / "engine" / "stored" / "evaluation-1.0.0.json").read_text()
)


def test_a_stored_1_0_0_evaluation_verifies_as_reproducible(api):
    client, officer = api("officer")
    tender = new_tender(officer)
    data = EvaluationInput.model_validate(STORED["input"])
    evaluation = Evaluation.objects.create(
        tender=tender,
        status=Evaluation.Status.DONE,
        progress=100,
        method="weighted_points",
        engine_version="1.0.0",
        input_json=canonical_json(data).decode(),
        input_sha256=STORED["input_sha256"],
        result_json=canonical_json(evaluate(data, version="1.0.0")).decode(),
        result_sha256=STORED["result_sha256"],
        created_by=officer,
    )
    verified = client.post(f"/api/v1/evaluations/{evaluation.pk}/verify/").json()
    assert verified["reproducible"] is True, verified
    assert verified["engine_version"] == verified["stored_engine_version"] == "1.0.0"
    assert verified["result_sha256"] == STORED["result_sha256"]


CONDITION = {
    "code": "SOC-REPORT",
    "title": "Kvartalsrapport om arbetsvillkor",
    "category": "social",
    "level": "advanced",
    "kind": "contract_condition",
    "rule": {"type": "manual", "scale_max": 5},
}


def test_a_manual_contract_condition_is_recorded_not_scored(
    api, clock, django_capture_on_commit_callbacks
):
    client, officer = api("officer")
    tender = new_tender(officer)
    condition = attach_criterion(tender=tender, actor=officer, definition=CONDITION)
    tender = publish_tender(tender=tender, actor=officer)
    _, bidder = api("bidder")
    bid = submitted_bid(
        bidder,
        tender,
        "100000.00",
        responses=[{"tender_criterion": condition.pk, "value": "Rapport varje kvartal"}],
    )
    open_bids(clock, tender, officer, api("admin")[1])
    evaluator, _ = api("evaluator")
    evaluator.post(
        f"/api/v1/tenders/{tender.pk}/conflict-declarations/",
        {"has_conflict": False, "statement": "Inga band"},
        format="json",
    )
    refused = evaluator.put(
        f"/api/v1/tenders/{tender.pk}/scores/",
        {"scores": [{"bid": str(bid.pk), "tender_criterion": str(condition.pk), "score": 4}]},
        format="json",
    )
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/tenders/{tender.pk}/evaluations/")
    assert started.status_code == 202, started.content  # no scores asked for, none missing
    results = client.get(f"{started['Location']}results/").json()["results"]
    recorded = next(c for c in results[0]["criteria"] if c["code"] == "SOC-REPORT")
    assert recorded["fulfilment"] is None and recorded["points"] is None
    assert recorded["value"] == "Rapport varje kvartal"
    assert Decimal(results[0]["price"]["amount"]) == Decimal("100000.00")
    assert client.get(started["Location"]).json()["engine_version"] == "1.1.0"
