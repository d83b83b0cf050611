"""The engine's one decimal context, and the only places where figures are rounded.

Arithmetic runs in ``ENGINE_CONTEXT`` (50 significant digits, ROUND_HALF_EVEN), entered with
``decimal.localcontext`` by ``evaluate``; the process-wide context is never read or changed,
so a Django setting or another library cannot change a result. Rounding to what people see
(4 places for scores, the currency's minor unit for money) happens only when a result is
serialised, with ROUND_HALF_UP as the domain asks; ranking uses the unrounded figures,
compared at 6 places.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from itertools import repeat

ENGINE_CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SCORE_PLACES = Decimal("0.0001")
TIE_PLACES = Decimal("0.000001")

# ISO 4217 minor units of the currencies Nordic buyers use; anything else gets 2.
MINOR_UNITS: dict[str, int] = {
    "SEK": 2,
    "EUR": 2,
    "NOK": 2,
    "DKK": 2,
    "USD": 2,
    "GBP": 2,
    "ISK": 0,
}


_CENT = Decimal("0.01")
_QUANTA = {code: Decimal(1).scaleb(-places) for code, places in MINOR_UNITS.items()}


def engine_context() -> AbstractContextManager[Context]:
    """A fresh local copy of the engine context: ``with engine_context(): ...``."""
    return localcontext(ENGINE_CONTEXT)


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def money_quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def display_score(value: Decimal) -> str:
    """A score or fulfilment as shown: 4 places, ROUND_HALF_UP ("0.7000")."""
    text = format(value.quantize(SCORE_PLACES, ROUND_HALF_UP, ENGINE_CONTEXT), "f")
    if text[0] == "-" and not text.strip("-0."):
        return text[1:]  # a tiny negative shows as 0.0000, not -0.0000
    return text


def display_money(value: Decimal, currency: str) -> str:
    """Money as shown: the currency's minor unit, ROUND_HALF_UP ("4630000.00")."""
    text = format(value.quantize(_QUANTA.get(currency, _CENT), ROUND_HALF_UP, ENGINE_CONTEXT), "f")
    if text[0] == "-" and not text.strip("-0."):
        return text[1:]
    return text


def tie_figure(value: Decimal) -> Decimal:
    """The figure two bids are compared at: 6 places, ROUND_HALF_UP."""
    return value.quantize(TIE_PLACES, rounding=ROUND_HALF_UP, context=ENGINE_CONTEXT)


def tie_figures(values: Iterable[Decimal]) -> list[Decimal]:
    """``tie_figure`` of each value (in one pass of C calls: ranking does thousands)."""
    return list(
        map(
            Decimal.quantize,
            values,
            repeat(TIE_PLACES),
            repeat(ROUND_HALF_UP),
            repeat(ENGINE_CONTEXT),
        )
    )


def normalised(value: Decimal) -> str:
    """The one canonical text of a decimal: fixed point, no exponent, no trailing zeros.

    ``Decimal("1.50")`` -> ``"1.5"``, ``Decimal("1E+2")`` -> ``"100"``, ``-0`` -> ``"0"``.
    """
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    text = format(value.normalize(ENGINE_CONTEXT), "f")
    return "0" if text == "-0" else text


def ratio_text(value: Fraction) -> str:
    """The canonical text of an exact fraction: a decimal when it terminates, else "n/d"."""
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        with localcontext(ENGINE_CONTEXT):
            return normalised(Decimal(value.numerator) / Decimal(value.denominator))
    return f"{value.numerator}/{value.denominator}"
