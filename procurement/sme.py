"""SME class after the EU recommendation 2003/361 (staff headcount, turnover, balance sheet)."""

from decimal import Decimal

MICRO, SMALL, MEDIUM, LARGE = "micro", "small", "medium", "large"
SME_CLASSES = (MICRO, SMALL, MEDIUM, LARGE)
_MEUR = Decimal(1_000_000)


def sme_class(
    *, employees: int | None, annual_turnover: Decimal | None, balance_sheet_total: Decimal | None
) -> str | None:
    """Return micro, small, medium or large; None when a fact needed is missing.

    micro: < 10 staff and turnover or balance sheet <= 2 MEUR; small: < 50 and <= 10 MEUR;
    medium: < 250 and (turnover <= 50 MEUR or balance sheet <= 43 MEUR); otherwise large.
    Amounts are in EUR.
    """
    if employees is None or annual_turnover is None or balance_sheet_total is None:
        return None
    turnover = annual_turnover / _MEUR
    balance = balance_sheet_total / _MEUR
    if employees < 10 and (turnover <= 2 or balance <= 2):
        return MICRO
    if employees < 50 and (turnover <= 10 or balance <= 10):
        return SMALL
    if employees < 250 and (turnover <= 50 or balance <= 43):
        return MEDIUM
    return LARGE
