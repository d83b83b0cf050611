"""The worked examples of DOMAIN.md, with their published figures (4 places, money 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.engine import EngineInputError, evaluate
from tests.scoring.engine import (
    bid,
    bids_of,
    criterion,
    make_input,
    order_of,
    points_criterion,
    shown,
)

PROPORTIONAL_70 = {"method": "weighted_points", "price_weight": "70"}
WE1_CRITERIA = [
    points_criterion("Q1", "60"),
    points_criterion("Q2", "40"),
    points_criterion("Q3", "30"),
]


def _we1_bids(with_c: bool) -> list[dict]:
    bids = [
        bid("A", "10000", {"Q1": "40", "Q2": "30", "Q3": "20"}),
        bid("B", "8000", {"Q1": "32", "Q2": "20", "Q3": "22"}),
    ]
    if with_c:
        bids.append(bid("C", "5000", {"Q1": "10", "Q2": "10", "Q3": "10"}))
    return bids


def test_we1_proportional_price_points_published_figures():
    result = evaluate(make_input(PROPORTIONAL_70, WE1_CRITERIA, _we1_bids(with_c=False)))

    bids = bids_of(result)
    assert shown(bids["A"].categories["price"]) == "56.0000"
    assert shown(bids["A"].total_score) == "146.0000"
    assert shown(bids["B"].categories["price"]) == "70.0000"
    assert shown(bids["B"].total_score) == "144.0000"
    assert (bids["A"].rank, bids["B"].rank) == (1, 2)
    assert result.price_scoring_kind == "relative"


def test_we1b_a_third_bid_changes_the_margin_of_the_other_two():
    result = evaluate(make_input(PROPORTIONAL_70, WE1_CRITERIA, _we1_bids(with_c=True)))

    bids = bids_of(result)
    assert [shown(bids[b].categories["price"]) for b in "ABC"] == ["35.0000", "43.7500", "70.0000"]
    assert [shown(bids[b].total_score) for b in "ABC"] == ["125.0000", "117.7500", "100.0000"]
    margin = bids["A"].total_score - bids["B"].total_score  # type: ignore[operator]
    assert margin == Decimal("7.25")  # it was 2 without C
    assert order_of(result) == ["A", "B", "C"]


WE2_CRITERIA = [
    points_criterion("ENV", "20", "environmental"),
    points_criterion("SOC", "15", "social"),
    points_criterion("AW", "15", "animal_welfare"),
]


def _we2_bids(with_c: bool) -> list[dict]:
    bids = [
        bid("A", "100000", {"ENV": "16", "SOC": "12", "AW": "12"}),
        bid("B", "120000", {"ENV": "20", "SOC": "14", "AW": "14"}),
    ]
    if with_c:
        bids.append(bid("C", "80000", {"ENV": "8", "SOC": "6", "AW": "6"}))
    return bids


def test_we2_rank_reversal_under_proportional_scoring():
    method = {"method": "weighted_points", "price_weight": "50", "price_scoring": "proportional"}

    two = evaluate(make_input(method, WE2_CRITERIA, _we2_bids(with_c=False)))
    three = evaluate(make_input(method, WE2_CRITERIA, _we2_bids(with_c=True)))

    assert {b: shown(r.total_score) for b, r in bids_of(two).items()} == {
        "A": "90.0000",
        "B": "89.6667",
    }
    assert order_of(two) == ["A", "B"]
    assert {b: shown(r.total_score) for b, r in bids_of(three).items()} == {
        "A": "80.0000",
        "B": "81.3333",
        "C": "70.0000",
    }
    assert order_of(three) == ["B", "A", "C"]
    reversal = [w for w in three.warnings if w.code == "rank_reversal"]
    assert len(reversal) == 1
    assert reversal[0].details["removed_bid"] == "C"
    assert reversal[0].details["swapped"] == ["B", "A"]
    assert any(w.code == "relative_price_scoring" for w in three.warnings)


def test_we2_absolute_scoring_is_immune_to_the_third_bid():
    method = {
        "method": "weighted_points",
        "price_weight": "50",
        "price_scoring": "absolute",
        "price_floor": "0",
        "price_ceiling": "200000",
    }

    two = evaluate(make_input(method, WE2_CRITERIA, _we2_bids(with_c=False)))
    three = evaluate(make_input(method, WE2_CRITERIA, _we2_bids(with_c=True)))

    assert {b: shown(r.total_score) for b, r in bids_of(three).items()} == {
        "A": "65.0000",
        "B": "68.0000",
        "C": "50.0000",
    }
    assert order_of(two) == ["B", "A"]
    assert order_of(three) == ["B", "A", "C"]
    assert bids_of(two)["A"].total_score == bids_of(three)["A"].total_score
    assert three.price_scoring_kind == "absolute"
    assert not [w for w in three.warnings if w.code in ("rank_reversal", "relative_price_scoring")]


def test_we3_linear_range_picks_another_winner():
    method = {"method": "weighted_points", "price_weight": "50", "price_scoring": "linear_range"}

    result = evaluate(make_input(method, WE2_CRITERIA, _we2_bids(with_c=True)))

    bids = bids_of(result)
    assert [shown(bids[b].categories["price"]) for b in "ABC"] == ["25.0000", "0.0000", "50.0000"]
    assert [shown(bids[b].total_score) for b in "ABC"] == ["65.0000", "48.0000", "70.0000"]
    assert order_of(result) == ["C", "A", "B"]


def test_we3_linear_range_gives_full_points_when_all_prices_are_equal():
    method = {"method": "weighted_points", "price_weight": "50", "price_scoring": "linear_range"}
    bids = [
        bid("A", "1000", {"ENV": "16", "SOC": "12", "AW": "12"}),
        bid("B", "1000", {"ENV": "20", "SOC": "14", "AW": "14"}),
    ]

    result = evaluate(make_input(method, WE2_CRITERIA, bids))

    assert {b: shown(r.categories["price"]) for b, r in bids_of(result).items()} == {
        "A": "50.0000",
        "B": "50.0000",
    }


def test_we3_proportional_refuses_a_price_of_zero():
    method = {"method": "weighted_points", "price_weight": "50", "price_scoring": "proportional"}
    bids = [
        bid("A", "0", {"ENV": "16", "SOC": "12", "AW": "12"}),
        bid("B", "1000", {"ENV": "20", "SOC": "14", "AW": "14"}),
    ]

    with pytest.raises(EngineInputError) as caught:
        evaluate(make_input(method, WE2_CRITERIA, bids))

    assert caught.value.code == "zero_price_proportional"
    assert caught.value.details == {"bid": "A"}
    assert "bid A" in caught.value.message


def test_we5_percent_surcharge_ties_a_and_c_and_the_chain_breaks_it():
    method = {"method": "added_value", "mode": "percent_surcharge"}
    quality = criterion("Q", {"type": "linear", "worst": "0", "best": "1"}, percent="100")
    bids = [
        bid("A", "500", {"Q": "0.5"}),
        bid("B", "1000", {"Q": "0.5"}),
        bid("C", "750", {"Q": "1.0"}),
    ]

    result = evaluate(make_input(method, [quality], bids))

    by_id = bids_of(result)
    figures = {b: r.comparison_price.amount for b, r in by_id.items()}  # type: ignore[union-attr]
    assert figures == {"A": Decimal(750), "B": Decimal(1500), "C": Decimal(750)}
    assert order_of(result) == ["A", "C", "B"]
    assert by_id["A"].tie_break is not None
    assert by_id["A"].tie_break.rule == "lower_price"
    assert by_id["A"].tie_break.tied_with == ("C",)
    assert by_id["C"].rank == 2
    assert by_id["B"].tie_break is None
    assert result.unresolved_ties == ()


WE6_CRITERIA = [
    criterion("D1", {"type": "boolean"}, category="animal_welfare", value="150000"),
    criterion(
        "D2",
        {"type": "linear", "worst": "0", "best": "1"},
        category="environmental",
        value="400000",
    ),
    criterion(
        "D3",
        {"type": "choice", "options": {"0": "0", "1": "1/3", "2": "2/3", "3": "1"}},
        category="social",
        value="150000",
    ),
]
WE6_BIDS = [
    bid("A", "5000000", {"D1": True, "D2": "0.30", "D3": "2"}, submitted_at="2026-11-30T09:00:00Z"),
    bid(
        "B", "4750000", {"D1": False, "D2": "0.10", "D3": "1"}, submitted_at="2026-11-30T10:00:00Z"
    ),
    bid("C", "5200000", {"D1": True, "D2": "0.60", "D3": "3"}, submitted_at="2026-11-30T08:00:00Z"),
]


def test_we6_added_value_deduction_is_exact_with_ratios():
    result = evaluate(
        make_input({"method": "added_value", "mode": "deduction"}, WE6_CRITERIA, WE6_BIDS)
    )

    by_id = bids_of(result)
    assert {b: shown(r.comparison_price.amount, 2) for b, r in by_id.items()} == {  # type: ignore[union-attr]
        "A": "4630000.00",
        "B": "4660000.00",
        "C": "4660000.00",
    }
    # exact, not merely rounded: 150000 x 2/3 is 100000, so A's figure is 4630000 to the last digit
    assert by_id["A"].comparison_price.amount == Decimal(4630000)  # type: ignore[union-attr]
    d3 = next(c for c in by_id["A"].criteria if c.code == "D3")
    assert d3.money is not None and d3.money.amount == Decimal(100000)
    assert by_id["A"].categories == {
        "animal_welfare": Decimal(150000),
        "environmental": Decimal(120000),
        "social": Decimal(100000),
    }
    assert by_id["A"].rank == 1
    # B and C tie for second; the default chain (lower price first) puts B ahead
    assert (by_id["B"].rank, by_id["C"].rank) == (2, 3)
    assert by_id["B"].tie_break is not None and by_id["B"].tie_break.rule == "lower_price"
    assert result.method == "added_value" and result.mode == "deduction"


def test_we6_a_rounded_ratio_would_move_the_price_by_five_kronor():
    rounded = [
        *WE6_CRITERIA[:2],
        criterion(
            "D3",
            {"type": "choice", "options": {"0": "0", "1": "0.3333", "2": "0.6667", "3": "1"}},
            category="social",
            value="150000",
        ),
    ]

    result = evaluate(make_input({"method": "added_value"}, rounded, WE6_BIDS))

    assert bids_of(result)["A"].comparison_price.amount == Decimal("4629995.0000")  # type: ignore[union-attr]


def test_we6_without_a_tie_break_chain_b_and_c_share_second_place():
    method = {"method": "added_value", "mode": "deduction", "tie_break": []}

    result = evaluate(make_input(method, WE6_CRITERIA, WE6_BIDS))

    by_id = bids_of(result)
    assert (by_id["A"].rank, by_id["B"].rank, by_id["C"].rank) == (1, 2, 2)
    assert by_id["B"].tie_break is not None
    assert by_id["B"].tie_break.rule == "needs_lottery"
    assert by_id["B"].tie_break.unresolved_with == ("C",)
    assert [(t.lot, t.rank, t.bids) for t in result.unresolved_ties] == [("L1", 2, ("B", "C"))]


def test_we6_a_drawn_lottery_order_settles_the_tie():
    method = {"method": "added_value", "tie_break": ["lottery"]}

    result = evaluate(
        make_input(method, WE6_CRITERIA, WE6_BIDS, lottery=[{"lot": "L1", "order": ["C", "B"]}])
    )

    by_id = bids_of(result)
    assert (by_id["C"].rank, by_id["B"].rank) == (2, 3)
    assert by_id["C"].tie_break is not None and by_id["C"].tie_break.rule == "lottery"
    assert result.unresolved_ties == ()


def test_we6_earlier_submission_breaks_the_tie_when_it_comes_first():
    method = {"method": "added_value", "tie_break": ["earlier_submission", "lower_price"]}

    result = evaluate(make_input(method, WE6_CRITERIA, WE6_BIDS))

    by_id = bids_of(result)
    assert (by_id["C"].rank, by_id["B"].rank) == (2, 3)
    assert by_id["C"].tie_break.rule == "earlier_submission"  # type: ignore[union-attr]


def test_we7_value_for_money_points_per_million():
    method = {"method": "value_for_money"}
    criteria = [
        points_criterion("K1", "40"),
        points_criterion("K2", "30"),
        points_criterion("K3", "30"),
    ]
    bids = [
        bid("A", "5000000", {"K1": "30", "K2": "20", "K3": "25"}),
        bid("B", "4750000", {"K1": "20", "K2": "15", "K3": "10"}),
        bid("C", "5200000", {"K1": "40", "K2": "30", "K3": "26"}),
    ]

    result = evaluate(make_input(method, criteria, bids))

    by_id = bids_of(result)
    assert {b: shown(r.total_score) for b, r in by_id.items()} == {
        "A": "15.0000",
        "B": "9.4737",
        "C": "18.4615",
    }
    assert {b: r.rank for b, r in by_id.items()} == {"C": 1, "A": 2, "B": 3}


WE10_SCORES = {
    "A": {"K1": [4, 4, 3], "K2": [3, 3, 3], "K3": [5, 4, 4]},
    "B": {"K1": [2, 5, 3], "K2": [4, 4, 5], "K3": [3, 3, 2]},
    "C": {"K1": [5, 5, 5], "K2": [1, 2, 2], "K3": [4, 5, 5]},
}


def _we10_input(aggregation: str, **extra):
    criteria = [
        criterion("K1", {"type": "manual", "scale_max": 5}, weight="20"),
        criterion("K2", {"type": "manual", "scale_max": 5}, weight="15"),
        criterion("K3", {"type": "manual", "scale_max": 5}, weight="15"),
    ]
    scores = [
        {"bid": b, "criterion": f"c-{k}", "evaluator": f"E{i + 1}", "score": s}
        for b, per_criterion in WE10_SCORES.items()
        for k, values in per_criterion.items()
        for i, s in enumerate(values)
    ]
    method = {"method": "weighted_points", "price_weight": "0", "aggregation": aggregation}
    bids = [bid(b, "1000", {"K1": "plan", "K2": "plan", "K3": "plan"}) for b in "ABC"]
    return make_input(method, criteria, bids, scores=scores, **extra)


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("mean", {"A": "36.6667", "B": "34.3333", "C": "39.0000"}),
        ("median", {"A": "37.0000", "B": "33.0000", "C": "41.0000"}),
    ],
)
def test_we10_three_evaluators(aggregation, expected):
    result = evaluate(_we10_input(aggregation))

    by_id = bids_of(result)
    assert {b: shown(r.total_score) for b, r in by_id.items()} == expected
    assert order_of(result) == ["C", "A", "B"]
    flagged = [(b.bid, c.code) for b in by_id.values() for c in b.criteria if c.flagged]
    assert flagged == [("B", "K1")]
    b_k1 = next(c for c in by_id["B"].criteria if c.code == "K1")
    assert b_k1.spread == Decimal("0.6")
    spread = next(w for w in result.warnings if w.code == "manual_scores_spread")
    assert spread.details["items"] == [{"bid": "B", "criterion": "c-K1"}]


def test_we10_consensus_without_a_consensus_score_names_the_missing_item():
    with pytest.raises(EngineInputError) as caught:
        evaluate(_we10_input("consensus"))

    assert caught.value.code == "missing_manual_scores"
    assert "bid A" in caught.value.message and "K1" in caught.value.message
    assert {"bid": "A", "criterion": "c-K1", "code": "K1"} in caught.value.details["missing"]
    assert len(caught.value.details["missing"]) == 9


def test_we12_one_bid_competence_deduction():
    levels = {"4": "1", "3": "3/4", "2": "1/2", "1": "1/4", "0": "0"}
    competence = criterion("KOMP", {"type": "choice", "options": levels}, value="800")

    at_4 = evaluate(
        make_input({"method": "added_value"}, [competence], [bid("A", "1000", {"KOMP": "4"})])
    )
    at_2 = evaluate(
        make_input({"method": "added_value"}, [competence], [bid("A", "1000", {"KOMP": "2"})])
    )

    assert shown(bids_of(at_4)["A"].comparison_price.amount, 2) == "200.00"  # type: ignore[union-attr]
    assert bids_of(at_4)["A"].rank == 1
    assert bids_of(at_2)["A"].comparison_price.amount == Decimal(600)  # type: ignore[union-attr]
