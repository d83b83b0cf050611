"""Price scores for weighted_points, and present values for life-cycle cost.

Price scores lie in [0, 1] and are multiplied by the price weight:
- proportional (relative): lowest qualified price / price; a price of 0 is refused;
- linear_range (relative): (highest - price) / (highest - lowest), 1 for all when equal;
- absolute: clamp((ceiling - price) / (ceiling - floor), 0, 1), needs no other bid.
Must run inside the engine's decimal context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from operator import truediv

from scoring.engine.decimal_context import ONE, ZERO
from scoring.engine.inputs import EngineInputError, EvaluationConfig

PriceScorer = Callable[[Decimal], Decimal]

RELATIVE = ("proportional", "linear_range")


def price_scorer(
    config: EvaluationConfig, prices: Sequence[Decimal], bid_ids: Sequence[str]
) -> PriceScorer:
    """A price -> score function for one lot's qualified bids (``prices`` in bid order)."""
    kind = config.effective_price_scoring
    if kind == "absolute":
        assert config.price_ceiling is not None
        ceiling, floor = config.price_ceiling, config.price_floor or ZERO
        span = ceiling - floor

        def absolute(price: Decimal) -> Decimal:
            if price >= ceiling:
                return ZERO
            if price <= floor:
                return ONE
            return (ceiling - price) / span

        return absolute
    if not prices:
        return lambda price: ZERO
    if kind == "proportional":
        if ZERO in prices:
            bid_id = bid_ids[list(prices).index(ZERO)]
            raise EngineInputError(
                "zero_price_proportional",
                f"bid {bid_id} has a price of 0, which proportional price scoring "
                "(lowest / offered) cannot score: use absolute price scoring",
                {"bid": bid_id},
            )
        return partial(truediv, min(prices))  # lowest / price, a C call per price
    lowest, highest = min(prices), max(prices)
    if lowest == highest:
        return lambda price: ONE
    span = highest - lowest
    return lambda price: (highest - price) / span


def annuity_factor(rate: Decimal, years: int) -> tuple[Decimal, Decimal]:
    """(sum of 1/(1+r)^t for t = 1..T, 1/(1+r)^T): present value of 1 a year, and of 1 at T."""
    growth = ONE + rate
    factor = ONE
    total = ZERO
    for _ in range(years):
        factor = factor / growth
        total += factor
    return total, factor
