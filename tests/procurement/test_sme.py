from decimal import Decimal

import pytest

from procurement.sme import sme_class


@pytest.mark.parametrize(
    ("staff", "turnover", "balance", "expected"),
    [
        pytest.param(8, "1.5", "3.0", "micro", id="WE-11 micro by turnover"),
        pytest.param(8, "2.5", "2.5", "small", id="WE-11 small: both above 2 MEUR"),
        pytest.param(45, "12", "9", "small", id="WE-11 small by balance sheet"),
        pytest.param(49, "11", "11", "medium", id="WE-11 medium: both above 10"),
        pytest.param(249, "60", "40", "medium", id="WE-11 medium by balance sheet"),
        pytest.param(249, "55", "45", "large", id="WE-11 large: both above"),
        pytest.param(250, "10", "10", "large", id="WE-11 large by staff"),
        pytest.param(10, "1", "1", "small", id="WE-11 ten staff is not micro"),
        pytest.param(9, "2", "50", "micro", id="boundary: turnover exactly 2 MEUR"),
        pytest.param(49, "10", "10", "small", id="boundary: exactly 10 MEUR"),
        pytest.param(249, "50", "43.01", "medium", id="boundary: turnover exactly 50"),
        pytest.param(249, "50.01", "43", "medium", id="boundary: balance exactly 43"),
        pytest.param(249, "50.01", "43.01", "large", id="boundary: both just above"),
    ],
)
def test_sme_class_follows_eu_recommendation(staff, turnover, balance, expected):
    million = Decimal(1_000_000)
    assert (
        sme_class(
            employees=staff,
            annual_turnover=Decimal(turnover) * million,
            balance_sheet_total=Decimal(balance) * million,
        )
        == expected
    )


def _meur(value):
    return None if value is None else Decimal(value) * Decimal(1_000_000)


@pytest.mark.parametrize(
    ("staff", "turnover", "balance", "expected"),
    [
        # micro (8, 1.5, 3.0): the turnover alone settles it; without the turnover, or the staff,
        # it may be anything.
        pytest.param(None, "1.5", "3.0", None, id="micro without staff"),
        pytest.param(8, None, "3.0", None, id="micro without turnover"),
        pytest.param(8, "1.5", None, "micro", id="micro without balance sheet"),
        pytest.param(5, "1.5", None, "micro", id="the issue's case: 5 staff, 1.5 MEUR"),
        # small (45, 12, 9): the balance sheet settles it.
        pytest.param(None, "12", "9", None, id="small without staff"),
        pytest.param(45, None, "9", "small", id="small without turnover"),
        pytest.param(45, "12", None, None, id="small without balance sheet"),
        # medium (249, 60, 40): the balance sheet settles it.
        pytest.param(None, "60", "40", None, id="medium without staff"),
        pytest.param(249, None, "40", "medium", id="medium without turnover"),
        pytest.param(249, "60", None, None, id="medium without balance sheet"),
        # large (250, 10, 10): the staff settles it; (249, 55, 45): the money does.
        pytest.param(None, "10", "10", None, id="large by staff, without staff"),
        pytest.param(250, None, "10", "large", id="large by staff, without turnover"),
        pytest.param(250, "10", None, "large", id="large by staff, without balance sheet"),
        pytest.param(250, None, None, "large", id="large by staff alone"),
        pytest.param(None, "55", "45", "large", id="large by money, without staff"),
        pytest.param(249, None, "45", None, id="large by money, without turnover"),
        pytest.param(249, "55", None, None, id="large by money, without balance sheet"),
        pytest.param(None, None, None, None, id="nothing known"),
        pytest.param(5, None, None, None, id="staff alone"),
    ],
)
def test_sme_class_is_given_whenever_the_known_facts_settle_it(staff, turnover, balance, expected):
    assert (
        sme_class(
            employees=staff, annual_turnover=_meur(turnover), balance_sheet_total=_meur(balance)
        )
        == expected
    )
