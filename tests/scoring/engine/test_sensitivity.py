"""Sensitivity: the change at which first and second tie, checked by re-evaluating there."""

from __future__ import annotations

from decimal import Decimal

from scoring.engine import evaluate
from scoring.engine.decimal_context import engine_context, tie_figure
from tests.scoring.engine import bid, bids_of, criterion, make_input, points_criterion, shown
from tests.scoring.engine.test_worked_examples import (
    WE1_CRITERIA,
    WE6_BIDS,
    WE6_CRITERIA,
    _we1_bids,
)

WEIGHTED = {"method": "weighted_points", "price_weight": "70"}


def _tied(result, a: str, b: str) -> bool:
    by_id = bids_of(result)
    figure = "total_score" if result.method == "weighted_points" else "comparison_price"

    def value(x):
        v = getattr(by_id[x], figure)
        return v if figure == "total_score" else v.amount

    return tie_figure(value(a)) == tie_figure(value(b))


def _scaled_we1(price_weight: Decimal, factor: Decimal) -> list[dict]:
    """WE-1's criteria with weights scaled by ``factor`` (answers stay points on 60/40/30)."""
    return [
        criterion(c["code"], c["rule"], weight=str(Decimal(c["weight"]) * factor))
        for c in WE1_CRITERIA
    ]


def test_weighted_points_price_weight_shift_is_exact():
    """WE-1 (A 146 vs B 144): moving δ from price (70) to quality (130) changes A - B by
    δ x ((90 - 74) / 130 - (0.8 - 1.0)) = δ x 42/130, so they tie at δ = -2 x 130/42 = -130/21:
    price weight 70 + 130/21 = 1600/21 = 76.1905."""
    result = evaluate(make_input(WEIGHTED, WE1_CRITERIA, _we1_bids(with_c=False)))

    lot = result.sensitivity[0]
    assert (lot.first, lot.second) == ("A", "B")
    price = next(i for i in lot.items if i.parameter == "price_weight")
    assert price.status == "swap"
    with engine_context():
        assert price.at_tie == Decimal(1600) / Decimal(21)
        factor = 1 + price.change / Decimal(130)  # type: ignore[operator]
        retuned = evaluate(
            make_input(
                {"method": "weighted_points", "price_weight": str(price.at_tie)},
                _scaled_we1(price.at_tie, factor),  # type: ignore[arg-type]
                _we1_bids(with_c=False),
            )
        )
    assert _tied(retuned, "A", "B")
    assert shown(price.at_tie) == "76.1905"
    assert price.model_dump(mode="json")["at_tie"] == "76.1905"


def test_weighted_points_single_criterion_weight_at_tie():
    """Q1 (60): d = (40 - 32)/60 = 2/15, others R = 140, slope = 2/15 - (2 - 60 x 2/15)/140;
    Δ = -2 / slope = -11.3514, so Q1 at 48.6486 with the other weights scaled by (1 - Δ/R)."""
    result = evaluate(make_input(WEIGHTED, WE1_CRITERIA, _we1_bids(with_c=False)))

    q1 = next(i for i in result.sensitivity[0].items if i.code == "Q1")
    assert q1.status == "swap" and shown(q1.at_tie) == "48.6486"
    with engine_context():
        keep = 1 - q1.change / Decimal(140)  # type: ignore[operator]
        criteria = [
            criterion(
                c["code"],
                c["rule"],
                weight=str(q1.at_tie if c["code"] == "Q1" else Decimal(c["weight"]) * keep),
            )
            for c in WE1_CRITERIA
        ]
        method = {"method": "weighted_points", "price_weight": str(Decimal(70) * keep)}
        retuned = evaluate(make_input(method, criteria, _we1_bids(with_c=False)))
    assert _tied(retuned, "A", "B")


def test_added_value_value_change_per_criterion():
    """WE-6: A 4 630 000 leads B 4 660 000 by 30 000.
    D1 (A yes, B no): 30 000 / 1 -> value 120 000; D2 (0.30 vs 0.10): 30 000 / 0.2 = 150 000
    less -> 250 000; D3 (2/3 vs 1/3): 30 000 / (1/3) = 90 000 less -> 60 000."""
    result = evaluate(make_input({"method": "added_value"}, WE6_CRITERIA, WE6_BIDS))

    lot = result.sensitivity[0]
    assert (lot.first, lot.second) == ("A", "B")
    at_tie = {i.code: i.at_tie for i in lot.items}
    assert at_tie == {"D1": Decimal(120000), "D2": Decimal(250000), "D3": Decimal(60000)}
    assert lot.items[1].model_dump(mode="json")["at_tie"] == "250000.00"
    retuned = [dict(c) for c in WE6_CRITERIA]
    retuned[1]["value"] = "250000"
    assert _tied(evaluate(make_input({"method": "added_value"}, retuned, WE6_BIDS)), "A", "B")


def test_no_change_within_the_possible_range():
    """Both meet Q equally: its value cannot change their order. Price weight: B has the better
    price and the better quality, so no share of weight between them lets A catch up."""
    criteria = [criterion("Q", {"type": "boolean"}, value="100")]
    bids = [bid("A", "1000", {"Q": True}), bid("B", "1100", {"Q": True})]
    added = evaluate(make_input({"method": "added_value"}, criteria, bids))
    weighted = evaluate(
        make_input(
            {"method": "weighted_points", "price_weight": "50"},
            [points_criterion("Q", "50")],
            [bid("A", "1000", {"Q": "50"}), bid("B", "1100", {"Q": "40"})],
        )
    )

    item = added.sensitivity[0].items[0]
    assert (item.status, item.at_tie, item.change) == ("no_change_in_range", None, None)
    assert "No allowed value" in item.explanation.en
    price = weighted.sensitivity[0].items[0]
    assert price.status == "no_change_in_range"


def test_no_sensitivity_with_a_single_qualified_bid():
    result = evaluate(make_input(WEIGHTED, WE1_CRITERIA, _we1_bids(with_c=False)[:1]))

    assert result.sensitivity == ()
