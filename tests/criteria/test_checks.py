"""Every pre-publish check, triggered on its own (DOMAIN.md, "Checks before publishing")."""

from decimal import Decimal

import pytest

from procurement.checks import all_checks
from tests.factories import TenderCriterionFactory, TenderFactory

pytestmark = pytest.mark.django_db

LINEAR = {"type": "linear", "worst": "0", "best": "100"}


def _codes(tender, severity):
    return {c["code"] for c in all_checks(tender) if c["severity"] == severity}


def _tender(evaluation, *criteria, no_lots_reason="One kitchen."):
    tender = TenderFactory(evaluation=evaluation, no_lots_reason=no_lots_reason)
    for i, extra in enumerate(criteria):
        TenderCriterionFactory(
            tender=tender, code=f"C{i}", **{"rule": LINEAR, "weight": None, **extra}
        )
    return tender


WP = {
    "method": "weighted_points",
    "price_weight": "60",
    "price_scoring": "absolute",
    "price_ceiling": "1000",
}


@pytest.mark.parametrize(
    ("evaluation", "criteria", "code"),
    [
        pytest.param(WP, [{"weight": Decimal(30)}], "weights_do_not_sum_to_100", id="weights"),
        pytest.param(WP, [{}], "weight_missing", id="weight missing"),
        pytest.param(
            {"method": "weighted_points", "price_scoring": "absolute", "price_ceiling": "1"},
            [{"weight": Decimal(100)}],
            "price_weight_missing",
            id="price weight",
        ),
        pytest.param(
            {"method": "weighted_points", "price_weight": "60"},
            [{"weight": Decimal(40)}],
            "price_scoring_missing",
            id="price scoring",
        ),
        pytest.param(
            {**WP, "price_ceiling": None},
            [{"weight": Decimal(40)}],
            "price_ceiling_missing",
            id="ceiling",
        ),
        pytest.param(
            {**WP, "price_floor": "2000"},
            [{"weight": Decimal(40)}],
            "price_floor_not_below_ceiling",
            id="floor above ceiling",
        ),
        pytest.param(
            {"method": "lowest_price"},
            [{}],
            "award_criterion_under_lowest_price",
            id="lowest price award",
        ),
        pytest.param(
            WP,
            [
                {
                    "weight": Decimal(40),
                    "source": "supplier_profile",
                    "profile_field": "country",
                    "rule": {"type": "choice", "options": {"se": "1"}},
                }
            ],
            "award_scores_supplier_identity",
            id="origin",
        ),
        pytest.param(
            {"method": "added_value"}, [{"value": Decimal(1000)}], "mode_missing", id="mode"
        ),
        pytest.param(
            {"method": "added_value", "mode": "deduction"}, [{}], "value_missing", id="value"
        ),
        pytest.param(
            {"method": "added_value", "mode": "percent_surcharge"},
            [{}],
            "percent_missing",
            id="percent",
        ),
        pytest.param(
            {"method": "lowest_cost", "lifetime_years": 5}, [], "lcc_parameter_missing", id="lcc"
        ),
        pytest.param(
            {**WP, "tie_break": ["criterion:NOPE"]},
            [{"weight": Decimal(40)}],
            "tie_break_unknown_criterion",
            id="tie-break",
        ),
        pytest.param(
            {"method": "value_for_money"},
            [{"weight": Decimal(60)}],
            "weights_do_not_sum_to_100",
            id="vfm weights",
        ),
    ],
)
def test_each_error(evaluation, criteria, code):
    evaluation = {k: v for k, v in evaluation.items() if v is not None}
    assert code in _codes(_tender(evaluation, *criteria), "error")


@pytest.mark.parametrize(
    ("evaluation", "criteria", "code"),
    [
        pytest.param(
            {**WP, "price_scoring": "proportional", "price_ceiling": None},
            [{"weight": Decimal(40)}],
            "relative_price_scoring",
            id="relative",
        ),
        pytest.param(
            {**WP, "price_floor": "100"},
            [{"weight": Decimal(40)}],
            "price_floor_above_zero",
            id="floor",
        ),
        pytest.param(
            {**WP, "price_weight": "10"},
            [{"weight": Decimal(90), "rule": {"type": "boolean"}}],
            "price_cannot_change_order",
            id="price outweighed",
        ),
    ],
)
def test_each_warning(evaluation, criteria, code):
    evaluation = {k: v for k, v in evaluation.items() if v is not None}
    tender = _tender(evaluation, *criteria)
    assert code in _codes(tender, "warning")
    assert _codes(tender, "error") == set()


def test_single_lot_without_reason_is_a_warning():
    assert "single_lot_without_reason" in _codes(
        _tender({"method": "lowest_price"}, no_lots_reason=""), "warning"
    )


def test_a_complete_configuration_has_no_errors():
    assert _codes(_tender(WP, {"weight": Decimal(40)}), "error") == set()
