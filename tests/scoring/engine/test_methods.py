"""Hand-worked examples for every method and mode, with the arithmetic in each docstring."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.engine import EngineInputError, evaluate
from tests.scoring.engine import bid, bids_of, criterion, make_input, order_of, shown

BOOLEAN = {"type": "boolean"}
LINEAR_0_10 = {"type": "linear", "worst": "0", "best": "10"}


def test_lowest_price_ranks_qualified_bids_by_price_and_lists_the_disqualified_last():
    """A 1000, B 900 (fails the requirement), C 1100: A 1st, C 2nd, B unranked with a reason."""
    criteria = [
        criterion("REQ-ILO", BOOLEAN, kind="requirement", category="social"),
        criterion("ENV", BOOLEAN, category="environmental"),
    ]
    bids = [
        bid("A", "1000", {"REQ-ILO": True, "ENV": True}),
        bid("B", "900", {"REQ-ILO": False, "ENV": True}),
        bid("C", "1100", {"REQ-ILO": True}),
    ]

    result = evaluate(make_input({"method": "lowest_price"}, criteria, bids))

    assert order_of(result) == ["A", "C", "B"]
    by_id = bids_of(result)
    assert by_id["A"].comparison_price.amount == Decimal(1000)  # type: ignore[union-attr]
    assert by_id["A"].total_score is None
    assert by_id["B"].rank is None and not by_id["B"].qualified
    assert [(r.criterion, r.code) for r in by_id["B"].disqualification_reasons] == [
        ("c-REQ-ILO", "requirement_not_met")
    ]
    assert by_id["B"].comparison_price is None
    assert [w.code for w in result.warnings] == ["award_criteria_not_scored"]


def test_absolute_price_scoring_with_a_floor_and_a_ceiling():
    """Price weight 40, floor 100 000, ceiling 200 000; quality weight 60 on a 0-10 scale.

    A: 150 000 -> (200 000 - 150 000) / 100 000 = 0.5 -> 20; quality 5/10 -> 30; total 50.
    B:  90 000 -> below the floor -> 1 -> 40; quality 10/10 -> 60; total 100.
    C: 250 000 -> above the ceiling -> 0 -> 0; quality 10/10 -> 60; total 60.
    """
    method = {
        "method": "weighted_points",
        "price_weight": "40",
        "price_scoring": "absolute",
        "price_floor": "100000",
        "price_ceiling": "200000",
    }
    criteria = [criterion("Q", LINEAR_0_10, weight="60")]
    bids = [
        bid("A", "150000", {"Q": "5"}),
        bid("B", "90000", {"Q": "10"}),
        bid("C", "250000", {"Q": "10"}),
    ]

    result = evaluate(make_input(method, criteria, bids))

    by_id = bids_of(result)
    assert {b: r.total_score for b, r in by_id.items()} == {
        "A": Decimal(50),
        "B": Decimal(100),
        "C": Decimal(60),
    }
    assert [b.price_score for b in result.lots[0].bids] == [Decimal(1), Decimal(0), Decimal("0.5")]
    floor = next(w for w in result.warnings if w.code == "price_floor_above_zero")
    assert "HFD 2022 ref. 41" in floor.message.en
    assert result.price_scoring_kind == "absolute"


def test_relative_price_scoring_uses_only_qualified_bids():
    """A 100 is disqualified; lowest qualified is B 200: B 1.0 x 50 = 50, C 200/400 x 50 = 25."""
    method = {"method": "weighted_points", "price_weight": "50"}
    criteria = [
        criterion("REQ", BOOLEAN, kind="requirement"),
        criterion("Q", LINEAR_0_10, weight="50"),
    ]
    bids = [
        bid("A", "100", {"REQ": False, "Q": "10"}),
        bid("B", "200", {"REQ": True, "Q": "0"}),
        bid("C", "400", {"REQ": True, "Q": "10"}),
    ]

    result = evaluate(make_input(method, criteria, bids))

    by_id = bids_of(result)
    assert by_id["B"].categories["price"] == Decimal(50)
    assert by_id["C"].categories["price"] == Decimal(25)
    assert by_id["C"].total_score == Decimal(75)
    assert by_id["A"].total_score is None and by_id["A"].categories == {}
    assert order_of(result) == ["C", "B", "A"]


def test_added_value_surcharge_orders_like_deduction():
    """V = 100 000 on one criterion.

    Surcharge: A 1 000 000 + 100 000 x (1 - 1) = 1 000 000; B 950 000 + 100 000 x 0.75 = 1 025 000.
    Deduction: A 1 000 000 - 100 000 = 900 000; B 950 000 - 25 000 = 925 000. A wins either way.
    """
    criteria = [criterion("Q", {"type": "linear", "worst": "0", "best": "1"}, value="100000")]
    bids = [bid("A", "1000000", {"Q": "1"}), bid("B", "950000", {"Q": "0.25"})]

    surcharge = evaluate(make_input({"method": "added_value", "mode": "surcharge"}, criteria, bids))
    deduction = evaluate(make_input({"method": "added_value", "mode": "deduction"}, criteria, bids))

    assert [b.comparison_price.amount for b in surcharge.lots[0].bids] == [  # type: ignore[union-attr]
        Decimal(1000000),
        Decimal(1025000),
    ]
    assert [b.comparison_price.amount for b in deduction.lots[0].bids] == [  # type: ignore[union-attr]
        Decimal(900000),
        Decimal(925000),
    ]
    b_q = bids_of(surcharge)["B"].criteria[0]
    assert b_q.money is not None and b_q.money.amount == Decimal(75000)
    assert "75000.00 SEK added" in b_q.explanation.en
    assert bids_of(surcharge)["B"].categories == {"quality": Decimal(75000)}
    assert bids_of(surcharge)["B"].categories_unit == "money"


def test_percent_surcharge_money_per_criterion():
    """p 10 % and 20 %; A 1000 with f 0.5 and 1: 1000 x (1 + 0.10 x 0.5 + 0) = 1050."""
    criteria = [
        criterion("Q1", {"type": "linear", "worst": "0", "best": "1"}, percent="10"),
        criterion("Q2", BOOLEAN, percent="20", category="environmental"),
    ]
    bids = [bid("A", "1000", {"Q1": "0.5", "Q2": True}), bid("B", "900", {"Q1": "1", "Q2": False})]

    result = evaluate(
        make_input({"method": "added_value", "mode": "percent_surcharge"}, criteria, bids)
    )

    by_id = bids_of(result)
    assert by_id["A"].comparison_price.amount == Decimal(1050)  # type: ignore[union-attr]
    # B: 900 x (1 + 0 + 0.20) = 1080
    assert by_id["B"].comparison_price.amount == Decimal(1080)  # type: ignore[union-attr]
    assert by_id["A"].categories == {"environmental": Decimal(0), "quality": Decimal(50)}
    assert order_of(result) == ["A", "B"]


def test_lowest_cost_discounts_operating_co2_and_end_of_life():
    """T = 2 years, r = 0.25, so 1/1.25 = 0.8 and 1/1.25^2 = 0.64 (annuity 1.44); CO2 1000/t.

    A: 1000 + 100 x 1.44 + 50 x 0.64 = 1176 internal; 0.1 t x 1000 x 1.44 = 144 external: 1320.
    B: 900 + 200 x 1.44 = 1188 internal, 0 external: 1188. B wins.
    With an award criterion worth 200 that only A meets: A 1320 - 200 = 1120 wins.
    """
    method = {
        "method": "lowest_cost",
        "lifetime_years": 2,
        "discount_rate": "0.25",
        "co2_price_per_tonne": "1000",
    }
    costs = {
        "A": {
            "acquisition_cost": "1000",
            "annual_operating_cost": "100",
            "annual_co2e_tonnes": "0.1",
            "end_of_life_cost": "50",
        },
        "B": {"acquisition_cost": "900", "annual_operating_cost": "200"},
    }

    def bids(answers: bool) -> list[dict]:
        return [
            bid("A", "1000", {"ENV": True} if answers else {}, cost=costs["A"]),
            bid("B", "900", {"ENV": False} if answers else {}, cost=costs["B"]),
        ]

    plain = evaluate(make_input(method, [], bids(False)))
    with_value = evaluate(make_input(method, [criterion("ENV", BOOLEAN, value="200")], bids(True)))

    a = bids_of(plain)["A"]
    assert a.lcc is not None
    assert (a.lcc.internal.amount, a.lcc.external.amount, a.lcc.total.amount) == (
        Decimal(1176),
        Decimal(144),
        Decimal(1320),
    )
    assert a.lcc.operating.amount == Decimal(144) and a.lcc.end_of_life.amount == Decimal(32)
    assert order_of(plain) == ["B", "A"]
    assert bids_of(plain)["B"].comparison_price.amount == Decimal(1188)  # type: ignore[union-attr]
    assert order_of(with_value) == ["A", "B"]
    assert bids_of(with_value)["A"].comparison_price.amount == Decimal(1120)  # type: ignore[union-attr]


def test_lowest_cost_with_no_discounting():
    """r = 0, T = 3: 500 + 3 x 100 + 10 = 810."""
    method = {
        "method": "lowest_cost",
        "lifetime_years": 3,
        "discount_rate": "0",
        "co2_price_per_tonne": "0",
    }
    cost = {"acquisition_cost": "500", "annual_operating_cost": "100", "end_of_life_cost": "10"}

    result = evaluate(make_input(method, [], [bid("A", "500", cost=cost)]))

    assert bids_of(result)["A"].comparison_price.amount == Decimal(810)  # type: ignore[union-attr]


def test_value_for_money_refuses_a_price_of_zero():
    criteria = [criterion("Q", LINEAR_0_10, weight="100")]

    with pytest.raises(EngineInputError) as caught:
        evaluate(make_input({"method": "value_for_money"}, criteria, [bid("A", "0", {"Q": "5"})]))

    assert caught.value.code == "zero_price_value_for_money"


def test_requirements_record_each_reason_and_read_supplier_profiles():
    """Delivery must be at most 120 minutes; the supplier must have at least 5 employees."""
    criteria = [
        criterion(
            "REQ-TIME",
            {"type": "thresholds", "steps": [{"at_most": "120", "fulfilment": "1"}]},
            kind="requirement",
            unit="min",
        ),
        criterion(
            "REQ-STAFF",
            {"type": "thresholds", "steps": [{"at_least": "5", "fulfilment": "1"}]},
            kind="requirement",
            source="supplier_profile",
            profile_field="employees",
        ),
    ]
    bids = [
        bid("A", "100", {"REQ-TIME": "90"}, profile={"employees": 12}),
        bid("B", "90", {"REQ-TIME": "150"}, profile={"employees": 3}),
        bid("C", "80", {}, profile={}),
    ]

    result = evaluate(make_input({"method": "lowest_price"}, criteria, bids))

    by_id = bids_of(result)
    assert by_id["A"].qualified and by_id["A"].rank == 1
    assert [r.code for r in by_id["B"].disqualification_reasons] == [
        "requirement_not_met",
        "requirement_not_met",
    ]
    assert [r.code for r in by_id["C"].disqualification_reasons] == [
        "requirement_not_answered",
        "requirement_not_answered",
    ]
    time = by_id["B"].criteria[0]
    assert time.passed is False
    assert "150 min" in time.explanation.en and "NOT met" in time.explanation.en
    assert "EJ uppfyllt" in time.explanation.sv


def test_a_requirement_can_pass_below_full_fulfilment():
    """pass_fulfilment 1/2 on a 0-10 scale: 5 passes, 4.9 does not."""
    criteria = [criterion("REQ", LINEAR_0_10, kind="requirement", pass_fulfilment="1/2")]
    bids = [bid("A", "100", {"REQ": "5"}), bid("B", "100", {"REQ": "4.9"})]

    result = evaluate(make_input({"method": "lowest_price"}, criteria, bids))

    assert bids_of(result)["A"].qualified and not bids_of(result)["B"].qualified


def test_contract_conditions_are_recorded_not_scored():
    method = {"method": "weighted_points", "price_weight": "100"}
    criteria = [criterion("CC-WAGES", BOOLEAN, kind="contract_condition", category="social")]

    result = evaluate(make_input(method, criteria, [bid("A", "100", {"CC-WAGES": True})]))

    condition = bids_of(result)["A"].criteria[0]
    assert condition.fulfilment is None and condition.points is None and condition.value is True
    assert "not scored" in condition.explanation.en
    assert bids_of(result)["A"].total_score == Decimal(100)


def test_an_unanswered_award_criterion_earns_nothing_and_a_bad_answer_is_an_input_error():
    method = {"method": "weighted_points", "price_weight": "50"}
    criteria = [criterion("Q", LINEAR_0_10, weight="50")]

    result = evaluate(make_input(method, criteria, [bid("A", "100", {})]))
    with pytest.raises(EngineInputError) as caught:
        evaluate(make_input(method, criteria, [bid("A", "100", {"Q": "very good"})]))

    q = bids_of(result)["A"].criteria[0]
    assert q.points == 0 and "no answer" in q.explanation.en
    assert caught.value.code == "invalid_response"
    assert caught.value.details == {"bid": "A", "criterion": "c-Q", "code": "Q"}


def test_the_explanation_reads_like_the_domain_example():
    """42 % recycled material, scale 0-60 %: 0.70 of 10 points = 7.00."""
    method = {"method": "weighted_points", "price_weight": "90"}
    recycled = criterion(
        "ENV-REC",
        {"type": "linear", "worst": "0", "best": "60"},
        category="environmental",
        weight="10",
        unit="%",
    ) | {"title": "Återvunnet material", "title_en": "Recycled material"}

    result = evaluate(make_input(method, [recycled], [bid("A", "100", {"ENV-REC": "42"})]))

    text = bids_of(result)["A"].criteria[0].explanation
    assert text.en == "Recycled material: 42 %; scale 0-60 %: 0.7000 of 10 points = 7.0000"
    assert text.sv == "Återvunnet material: 42 %; skala 0-60 %: 0,7000 av 10 poäng = 7,0000"


def test_a_named_criterion_breaks_a_tie():
    """Both total 75: A 50 price + 25 ENV, B 50 price + 25 SOC; ENV decides for A."""
    method = {"method": "weighted_points", "price_weight": "50", "tie_break": ["criterion:ENV"]}
    criteria = [
        criterion("ENV", BOOLEAN, weight="25", category="environmental"),
        criterion("SOC", BOOLEAN, weight="25", category="social"),
    ]
    bids = [
        bid("B", "100", {"ENV": False, "SOC": True}),
        bid("A", "100", {"ENV": True, "SOC": False}),
    ]

    result = evaluate(make_input(method, criteria, bids))

    assert order_of(result) == ["A", "B"]
    assert bids_of(result)["A"].tie_break.rule == "criterion:ENV"  # type: ignore[union-attr]
    assert bids_of(result)["B"].rank == 2


def test_a_three_way_tie_shares_the_rank_with_competition_ranking():
    """A, B, C all 100 and D 50, no chain: A, B, C share rank 1, D is 4th."""
    method = {"method": "weighted_points", "price_weight": "0", "tie_break": []}
    criteria = [criterion("Q", LINEAR_0_10, weight="100")]
    bids = [bid(x, "100", {"Q": "10"}) for x in "CAB"] + [bid("D", "100", {"Q": "5"})]

    result = evaluate(make_input(method, criteria, bids))

    assert [(b.bid, b.rank) for b in result.lots[0].bids] == [
        ("A", 1),
        ("B", 1),
        ("C", 1),
        ("D", 4),
    ]
    assert [t.bids for t in result.unresolved_ties] == [("A", "B", "C")]


def test_manual_consensus_median_and_spread():
    """Consensus 4 of 5 on weight 10 -> 8 points; evaluators 1 and 5 -> spread 0.8 > 0.4.

    Median of 2, 3, 4, 5 (even count) is (3 + 4) / 2 = 3.5 -> 10 x 3.5 / 5 = 7.
    """
    criteria = [criterion("PLAN", {"type": "manual", "scale_max": 5}, weight="10")]
    consensus = [{"bid": "A", "criterion": "c-PLAN", "score": 4, "justification": "agreed"}]
    scores = [
        {"bid": "A", "criterion": "c-PLAN", "evaluator": "e1", "score": 1},
        {"bid": "A", "criterion": "c-PLAN", "evaluator": "e2", "score": "5"},
    ]
    four = [
        {"bid": "A", "criterion": "c-PLAN", "evaluator": f"e{i}", "score": s}
        for i, s in enumerate([5, 2, 4, 3])
    ]
    bids = [bid("A", "100", {"PLAN": "Our plan"})]
    method = {"method": "weighted_points", "price_weight": "90"}

    agreed = evaluate(make_input(method, criteria, bids, consensus=consensus, scores=scores))
    median = evaluate(make_input(method | {"aggregation": "median"}, criteria, bids, scores=four))

    plan = bids_of(agreed)["A"].criteria[0]
    assert plan.points == Decimal(8) and plan.flagged and plan.spread == Decimal("0.8")
    assert [s.evaluator for s in plan.evaluator_scores] == ["e1", "e2"]
    assert "consensus score 4 of 5" in plan.explanation.en
    assert bids_of(median)["A"].criteria[0].points == Decimal(7)


def test_items_scored_by_different_numbers_of_evaluators_are_each_aggregated_over_theirs():
    """Mean, weight 10, scale 0-5. A: 4, 5, 3 (e3 given first) -> 4 -> 8 points; B: 2, 4
    (an evaluator missing) -> 3 -> 6 points; C: 5 -> 10 points. Scores shown by evaluator."""
    criteria = [criterion("PLAN", {"type": "manual", "scale_max": 5}, weight="10")]
    given = [("A", "e3", "3"), ("B", "e2", "4"), ("A", "e1", "4"), ("C", "e1", "5"),
             ("B", "e1", "2"), ("A", "e2", "5")]  # fmt: skip
    scores = [{"bid": b, "criterion": "c-PLAN", "evaluator": e, "score": s} for b, e, s in given]
    bids = [bid(b, "100", {"PLAN": "Our plan"}) for b in "ABC"]
    method = {"method": "weighted_points", "price_weight": "90", "aggregation": "mean"}

    result = bids_of(evaluate(make_input(method, criteria, bids, scores=scores)))

    assert [result[b].criteria[0].points for b in "ABC"] == [Decimal(8), Decimal(6), Decimal(10)]
    assert [(s.evaluator, s.score) for s in result["A"].criteria[0].evaluator_scores] == [
        ("e1", Decimal(4)), ("e2", Decimal(5)), ("e3", Decimal(3))
    ]  # fmt: skip
    assert "mean of 2 scores 3 of 5" in result["B"].criteria[0].explanation.en


def test_bids_are_ranked_per_lot_and_lot_criteria_apply_to_their_lot_only():
    lots = [{"id": "L1", "number": 1, "title": "Meat"}, {"id": "L2", "number": 2, "title": "Eggs"}]
    criteria = [
        criterion("ALL", BOOLEAN, weight="10"),
        criterion("EGG", BOOLEAN, weight="10", lot="L2", category="animal_welfare"),
    ]
    bids = [
        bid("A", "100", {"ALL": True}),
        bid("B", "100", {"ALL": False}),
        bid("C", "100", {"ALL": False, "EGG": True}, lot="L2"),
    ]
    method = {"method": "weighted_points", "price_weight": "80"}

    result = evaluate(make_input(method, criteria, bids, lots=lots))

    assert [[b.bid for b in lot.bids] for lot in result.lots] == [["A", "B"], ["C"]]
    assert [c.code for c in result.lots[0].bids[0].criteria] == ["ALL"]
    assert [c.code for c in result.lots[1].bids[0].criteria] == ["ALL", "EGG"]
    assert result.lots[1].bids[0].total_score == Decimal(90)
    weights = [w for w in result.warnings if w.code == "weights_do_not_sum_to_100"]
    assert [w.details["lot"] for w in weights] == ["L1"]  # 80 + 10 in lot 1, 80 + 20 in lot 2


def test_quality_so_heavy_that_no_price_changes_the_winner_is_warned():
    """Price weight 10: A leads B on quality by 90 - 20 = 70 > 10."""
    method = {
        "method": "weighted_points",
        "price_weight": "10",
        "price_scoring": "absolute",
        "price_ceiling": "1000",
    }
    criteria = [criterion("Q", LINEAR_0_10, weight="90")]
    bids = [bid("A", "999", {"Q": "10"}), bid("B", "1", {"Q": "2.2222"})]

    result = evaluate(make_input(method, criteria, bids))

    warning = next(w for w in result.warnings if w.code == "price_cannot_change_order")
    assert warning.details["winner"] == "A"


def test_added_value_larger_than_the_price_is_warned():
    criteria = [criterion("Q", BOOLEAN, value="1200")]

    result = evaluate(
        make_input({"method": "added_value"}, criteria, [bid("A", "1000", {"Q": True})])
    )

    assert [w.code for w in result.warnings] == ["added_value_exceeds_price"]
    assert bids_of(result)["A"].comparison_price.amount == Decimal(-200)  # type: ignore[union-attr]


def test_isk_money_is_shown_without_decimals():
    criteria = [criterion("Q", {"type": "choice", "options": {"a": "1/3", "b": "1"}}, value="1000")]

    result = evaluate(
        make_input(
            {"method": "added_value"}, criteria, [bid("A", "5000", {"Q": "a"})], currency="ISK"
        )
    )

    dumped = result.model_dump(mode="json")["lots"][0]["bids"][0]
    assert dumped["comparison_price"] == {"amount": "4667", "currency": "ISK"}
    assert dumped["price"] == {"amount": "5000", "currency": "ISK"}
    assert shown(bids_of(result)["A"].criteria[0].fulfilment) == "0.3333"


def test_a_bad_answer_is_reported_for_the_first_bid_that_gave_it():
    """Each distinct answer is scored once; the error still names the first bid (by id)."""
    method = {"method": "weighted_points", "price_weight": "50"}
    criteria = [criterion("Q", LINEAR_0_10, weight="50")]
    bids = [
        bid("D", "100", {"Q": "bad"}),
        bid("A", "100", {"Q": "5"}),
        bid("C", "100", {"Q": "worse"}),
        bid("B", "100", {"Q": "worse"}),
    ]

    with pytest.raises(EngineInputError) as caught:
        evaluate(make_input(method, criteria, bids))

    assert caught.value.details == {"bid": "B", "criterion": "c-Q", "code": "Q"}
