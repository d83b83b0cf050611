"""The engine against a plain reference evaluation (``reference.py``) on generated tenders.

Hypothesis builds valid tenders of every method and mode, price scoring kind, rule type,
criterion kind and source, with lots, manual scores under each aggregation, tie-break
chains and lottery draws; prices and answers are drawn from small sets so that ties at any
rank are common. Both sides are reduced to what a user reads (qualification and reasons,
per criterion the fulfilment, points or money, per bid the category profile, total or
comparison price, rank and tie-break, the ties left for a lottery; or the input error) and
compared as canonical JSON, byte for byte.

Contract conditions of every rule type are generated, manual ones too (with scores left over
now and then, which must not count): they are recorded, never scored (engine 1.1.0).

Not generated (each has its own tests): answers a rule cannot read, missing manual scores,
explanations, warnings and sensitivity.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scoring.engine import EngineInputError, EvaluationInput, canonical_json, evaluate
from tests.scoring.engine.reference import project

# 40 tenders for each of the 14 method configurations below: 560 in all, a few seconds
ORACLE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

RULES: dict[str, dict[str, Any]] = {
    "boolean": {"type": "boolean"},
    "linear": {"type": "linear", "worst": "0", "best": "60"},
    "falling": {"type": "linear", "worst": "120", "best": "30"},
    "odd_span": {"type": "linear", "worst": "1", "best": "8"},  # sevenths: non-terminating
    "thresholds": {
        "type": "thresholds",
        "steps": [{"at_least": "10", "fulfilment": "1/3"}, {"at_least": "50", "fulfilment": "1"}],
    },
    "at_most": {
        "type": "thresholds",
        "steps": [
            {"at_most": "120", "fulfilment": "0.25"},
            {"at_most": "60", "fulfilment": "2/3"},
            {"at_most": "30", "fulfilment": "1"},
        ],
    },
    "choice": {
        "type": "choice",
        "options": {"none": "0", "some": "2/3", "half": "0.5", "all": "1"},
    },
    "manual": {"type": "manual", "scale_max": 5},
    "manual_3": {"type": "manual", "scale_max": 3},
}
ANSWERS: dict[str, list[Any]] = {
    "boolean": [False, True],
    "linear": ["0", "7.5", "30", "42", "59.99", "60", "75", "-3"],
    "falling": ["150", "120", "100", "64.5", "30", "5"],
    "odd_span": ["0", "1", "2", "3.5", "5", "8", "9"],
    "thresholds": ["0", "9.99", "10", "49", "50", "80"],
    "at_most": ["200", "120", "90", "60", "45", "30", "0"],
    "choice": ["none", "some", "half", "all"],
}
METHODS: list[dict[str, Any]] = [
    {"method": "weighted_points", "price_weight": "40"},
    {"method": "weighted_points", "price_weight": "40", "price_scoring": "proportional"},
    {"method": "weighted_points", "price_weight": "35", "price_scoring": "linear_range"},
    {"method": "weighted_points", "price_weight": "0", "price_scoring": "linear_range"},
    {
        "method": "weighted_points",
        "price_weight": "50",
        "price_scoring": "absolute",
        "price_ceiling": "2000",
    },
    {
        "method": "weighted_points",
        "price_weight": "30",
        "price_scoring": "absolute",
        "price_floor": "300",
        "price_ceiling": "1700",
    },
    {"method": "lowest_price"},
    {"method": "added_value"},
    {"method": "added_value", "mode": "deduction"},
    {"method": "added_value", "mode": "surcharge"},
    {"method": "added_value", "mode": "percent_surcharge"},
    {"method": "value_for_money"},
    {
        "method": "lowest_cost",
        "lifetime_years": 4,
        "discount_rate": "0.035",
        "co2_price_per_tonne": "1200",
    },
    {
        "method": "lowest_cost",
        "lifetime_years": 3,
        "discount_rate": "0",
        "co2_price_per_tonne": "0",
    },
]
PRICES = ["0", "300", "500", "750", "1000", "1000.50", "1250", "2400"]  # equal gaps: ties
TIMES = ["2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z", "2026-11-02T09:30:00Z"]
CATEGORIES = ["environmental", "social", "animal_welfare", "quality"]


@st.composite
def tenders(draw: st.DrawFn, config: dict[str, Any]) -> dict[str, Any]:
    method = dict(config)
    name = method["method"]
    method["aggregation"] = draw(st.sampled_from(["consensus", "mean", "median"]))
    if draw(st.booleans()):
        method["spread_threshold"] = draw(st.sampled_from(["0", "0.2", "0.6"]))
    lots = [{"id": f"L{n}", "number": n, "title": f"Lot {n}"} for n in (1, 2)]
    lots = lots[: draw(st.integers(1, 2))]
    lot_ids = [lot["id"] for lot in lots]

    criteria = []
    for i in range(draw(st.integers(1, 6))):
        rule_name = draw(st.sampled_from(sorted(RULES)))
        manual = rule_name.startswith("manual")
        kinds = ["award"] * 3 + ["requirement", "contract_condition"]
        kind = draw(st.sampled_from(kinds))
        entry: dict[str, Any] = {
            "id": f"c{i}",
            "code": f"K{i}",
            "title": f"Criterion {i}",
            "category": draw(st.sampled_from(CATEGORIES)),
            "kind": kind,
            "rule": RULES[rule_name],
        }
        if len(lots) > 1 and draw(st.booleans()):
            entry["lot"] = draw(st.sampled_from(lot_ids))
        if not manual and draw(st.integers(0, 4)) == 0:
            entry["source"] = "supplier_profile"
            entry["profile_field"] = f"fact{i}"
        if kind == "requirement" and draw(st.booleans()):
            entry["pass_fulfilment"] = draw(st.sampled_from(["1/2", "2/3", "0"]))
        if kind == "award":
            if name in ("weighted_points", "value_for_money"):
                entry["weight"] = draw(st.sampled_from(["0", "5", "10", "12.5", "20", "33"]))
            elif method.get("mode") == "percent_surcharge":
                entry["percent"] = draw(st.sampled_from(["0", "5", "10", "12.5", "30"]))
            elif name in ("added_value", "lowest_cost"):
                entry["value"] = draw(st.sampled_from(["0", "150", "250", "333", "500"]))
        criteria.append((entry, rule_name))

    codes = [e["code"] for e, r in criteria if e["kind"] != "contract_condition"]
    chains = [
        None,
        ["lower_price", "earlier_submission"],
        ["earlier_submission"],
        [],
        ["lottery"],
        ["earlier_submission", "lower_price", "lottery"],
    ]
    chain = draw(st.sampled_from(chains + ([["criterion:" + draw(st.sampled_from(codes)),
                                               "lower_price"]] if codes else [])))  # fmt: skip
    if chain is not None:
        method["tie_break"] = chain

    bids, scores, consensus = [], [], []
    for n in range(draw(st.integers(1, 7))):
        # a twin of an earlier bid (mostly the same answers, maybe the same price) makes
        # ties at the same figure likely, which the tie-break chain then has to settle
        twin = draw(st.sampled_from(bids)) if bids and draw(st.booleans()) else None
        lot = twin["lot"] if twin else draw(st.sampled_from(lot_ids))
        price = draw(st.sampled_from(PRICES))
        if twin and draw(st.booleans()):
            price = twin["price"]
        responses: dict[str, Any] = {}
        profile: dict[str, Any] = {}
        for entry, rule_name in criteria:
            if rule_name.startswith("manual"):
                if entry.get("lot") not in (None, lot):
                    continue
                if entry["kind"] == "contract_condition":
                    # Recorded, never scored: an answer in words, and now and then scores
                    # left over from before (engine 1.0.0 asked for them), which must not count.
                    responses[entry["id"]] = draw(st.sampled_from(["Quarterly report", None]))
                    if draw(st.integers(0, 3)) == 0:
                        scores.append(
                            {"bid": f"b{n}", "criterion": entry["id"], "evaluator": "e0",
                             "score": "1"}
                        )  # fmt: skip
                    continue
                scale = RULES[rule_name]["scale_max"]
                evaluators = draw(st.integers(0 if method["aggregation"] == "consensus" else 1, 3))
                for e in range(evaluators):
                    score = draw(st.integers(0, scale))
                    scores.append(
                        {"bid": f"b{n}", "criterion": entry["id"], "evaluator": f"e{e}",
                         "score": str(score)}
                    )  # fmt: skip
                if method["aggregation"] == "consensus":
                    consensus.append(
                        {"bid": f"b{n}", "criterion": entry["id"],
                         "score": draw(st.sampled_from(["0", "1", "2", "2.5", str(scale)]))}
                    )  # fmt: skip
                continue
            answer = draw(st.one_of(st.none(), st.sampled_from(ANSWERS[rule_name])))
            if twin is not None and draw(st.integers(0, 3)):  # mostly the twin's answer
                source = twin["supplier"]["profile"] if entry.get("source") else twin["responses"]
                answer = source.get(entry.get("profile_field", entry["id"]))
            target = profile if entry.get("source") == "supplier_profile" else responses
            key = entry.get("profile_field", entry["id"])
            if answer is not None or draw(st.booleans()):
                target[key] = answer
        bid: dict[str, Any] = {
            "id": f"b{n}",
            "lot": lot,
            "supplier": {"id": f"s{n}", "name": f"Supplier {n}", "profile": profile},
            "price": price,
            "submitted_at": draw(st.sampled_from(TIMES)),
            "responses": responses,
        }
        if name == "lowest_cost":
            bid["cost"] = {
                "acquisition_cost": price,
                "annual_operating_cost": draw(st.sampled_from(["0", "100", "250.75"])),
                "annual_co2e_tonnes": draw(st.sampled_from(["0", "0.5", "2"])),
                "end_of_life_cost": draw(st.sampled_from(["0", "80"])),
            }
        bids.append(bid)

    lottery = []
    if draw(st.booleans()):
        lot = draw(st.sampled_from(lot_ids))
        in_lot = [b["id"] for b in bids if b["lot"] == lot]
        order = draw(st.permutations(in_lot))
        lottery.append({"lot": lot, "order": order[: draw(st.integers(0, len(order)))]})

    return {
        "currency": draw(st.sampled_from(["SEK", "SEK", "ISK"])),
        "method": method,
        "lots": lots,
        "criteria": [entry for entry, _ in criteria],
        "bids": bids,
        "scores": scores,
        "consensus": consensus,
        "lottery": lottery,
    }


def _label(config: dict[str, Any]) -> str:
    extra = config.get("mode") or config.get("price_scoring") or ""
    if "price_floor" in config:
        extra += "-floor"
    if config.get("price_weight") == "0":
        extra += "-unweighted"
    if config.get("discount_rate") == "0":
        extra += "undiscounted"
    return "-".join(filter(None, [config["method"], extra]))


def project_engine(data: EvaluationInput) -> dict[str, Any]:
    """The engine's result, from its canonical JSON, in the shape ``reference.project``
    gives: what a user reads, figures as the result shows them."""
    try:
        result = evaluate(data)
    except EngineInputError as exc:
        return {"error": exc.code}
    shown = json.loads(canonical_json(result))
    return {
        "lots": [
            {
                "lot": lot["lot"],
                "bids": [
                    {
                        "bid": b["bid"],
                        "qualified": b["qualified"],
                        "reasons": [
                            [r["criterion"], r["code"]] for r in b["disqualification_reasons"]
                        ],
                        "criteria": [
                            {
                                "criterion": c["criterion"],
                                "fulfilment": c["fulfilment"],
                                "points": c["points"],
                                "money": None if c["money"] is None else c["money"]["amount"],
                                "passed": c["passed"],
                                "flagged": c["flagged"],
                            }
                            for c in b["criteria"]
                        ],
                        "categories": b["categories"],
                        "price_score": b["price_score"],
                        "total_score": b["total_score"],
                        "comparison_price": None
                        if b["comparison_price"] is None
                        else b["comparison_price"]["amount"],
                        "rank": b["rank"],
                        "tie_break": b["tie_break"],
                    }
                    for b in lot["bids"]
                ],
            }
            for lot in shown["lots"]
        ],
        "unresolved_ties": shown["unresolved_ties"],
    }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("config", METHODS, ids=_label)
@ORACLE
@given(data=st.data())
def test_the_engine_agrees_with_the_reference_evaluation(config, data):
    tender = EvaluationInput.model_validate(data.draw(tenders(config)))

    engine = project_engine(tender)
    for lot in engine.get("lots", ()):  # what was covered: --hypothesis-show-statistics
        for b in lot["bids"]:
            event("qualified" if b["qualified"] else "disqualified")
            if b["tie_break"] is not None:
                event(f"tie settled by {b['tie_break']['rule']}")
    assert _canonical(engine) == _canonical(project(tender))
