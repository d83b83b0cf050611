"""SME class after the EU recommendation 2003/361 (staff headcount, turnover, balance sheet)."""

from decimal import Decimal

MICRO, SMALL, MEDIUM, LARGE = "micro", "small", "medium", "large"
SME_CLASSES = (MICRO, SMALL, MEDIUM, LARGE)
_MEUR = Decimal(1_000_000)

# (class, fewer staff than, turnover at most, balance sheet at most), in MEUR.
_CEILINGS = (
    (MICRO, 10, Decimal(2), Decimal(2)),
    (SMALL, 50, Decimal(10), Decimal(10)),
    (MEDIUM, 250, Decimal(50), Decimal(43)),
)


def _at_most(amount: Decimal | None, ceiling: Decimal) -> bool | None:
    return None if amount is None else amount / _MEUR <= ceiling


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def sme_class(
    *, employees: int | None, annual_turnover: Decimal | None, balance_sheet_total: Decimal | None
) -> str | None:
    """Return micro, small, medium or large whenever the given facts settle it; None otherwise.

    micro: < 10 staff and turnover or balance sheet <= 2 MEUR; small: < 50 and <= 10 MEUR;
    medium: < 250 and (turnover <= 50 MEUR or balance sheet <= 43 MEUR); otherwise large.
    Amounts are in EUR. A missing fact is unknown, not zero: 5 staff and a turnover of 1.5 MEUR
    is micro without a balance sheet (the turnover alone meets the ceiling), while 8 staff and
    a turnover of 2.5 MEUR is micro or small depending on the balance sheet, so None. Each class
    is tested smallest first; a class is given only when every smaller one is ruled out.
    """
    for name, staff, turnover, balance in _CEILINGS:
        fits = _and(
            None if employees is None else employees < staff,
            _or(_at_most(annual_turnover, turnover), _at_most(balance_sheet_total, balance)),
        )
        if fits is None:
            return None
        if fits:
            return name
    return LARGE
