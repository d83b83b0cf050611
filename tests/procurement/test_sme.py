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


def test_sme_class_is_unknown_when_a_fact_is_missing():
    assert sme_class(employees=5, annual_turnover=None, balance_sheet_total=Decimal(1)) is None
