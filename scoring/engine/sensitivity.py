"""How close the result is: the smallest change that would make first and second tie.

Every figure here is linear in the parameter changed, so the tie point is exact (one
division), and any change beyond it swaps first and second place:
- weighted_points, ``price_weight``: move δ weight points from price to the quality criteria
  (each scaled in proportion, so the total stays); δ < 0 moves weight from quality to price.
  Allowed: -(quality weights) <= δ <= price weight. Relative price scores do not depend on
  weights, so they stay as they are.
- weighted_points, one criterion: its weight changes by Δ and every other weight (price
  included) is scaled to keep the total. Allowed: -weight <= Δ <= the other weights.
- added_value, one criterion: its money value (or percent) changes by Δ; allowed: the
  value stays >= 0.
``no_change_in_range`` when no allowed value makes them tie.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from scoring.engine.decimal_context import ZERO, display_money, display_score
from scoring.engine.explain import sv_number
from scoring.engine.inputs import Bid, EvaluationInput
from scoring.engine.results import LotSensitivity, SensitivityItem, Text

if TYPE_CHECKING:
    from scoring.engine.compile import CompiledCriterion
    from scoring.engine.fold import BidWork, LotWork


RatioOf = Callable[["CompiledCriterion", Bid], "tuple[Decimal, Decimal] | None"]


def sensitivity_for(
    data: EvaluationInput, works: list[LotWork], ratio_of: RatioOf
) -> tuple[LotSensitivity, ...]:
    method = data.method.method
    if method not in ("weighted_points", "added_value"):
        return ()
    result = []
    for work in works:
        if len(work.order) < 2:
            continue
        first, second = work.view(work.order[0]), work.view(work.order[1])
        if method == "weighted_points":
            items = _weighted(data, work, first, second, ratio_of)
        else:
            items = _added_value(data, work, first, second, ratio_of)
        result.append(
            LotSensitivity(lot=work.lot.id, first=first.bid.id, second=second.bid.id, items=items)
        )
    return tuple(result)


def _fulfilment(work: BidWork, cc: CompiledCriterion, ratio_of: RatioOf) -> Fraction:
    ratio = ratio_of(cc, work.bid)
    if ratio is None:
        return Fraction(0)
    return Fraction(ratio[0]) / Fraction(ratio[1])


def _status(
    gap: Fraction, slope: Fraction, low: Decimal, high: Decimal | None
) -> tuple[str, Decimal | None]:
    """Where gap + slope * x = 0 within [low, high]; gap is the leader's margin (> 0 ahead).

    Solved in exact fractions and divided once at the end, so a tie point like 150000 x 2/3
    comes out as a whole number."""
    if gap == 0:
        return "already_tied", ZERO
    if slope == 0:
        return "no_change_in_range", None
    x = -gap / slope
    if x < low or (high is not None and x > high):
        return "no_change_in_range", None
    return "swap", Decimal(x.numerator) / Decimal(x.denominator)


def _weighted(
    data: EvaluationInput, work: LotWork, first: BidWork, second: BidWork, ratio_of: RatioOf
) -> tuple[SensitivityItem, ...]:
    currency = data.currency
    price_weight = data.method.price_weight
    assert price_weight is not None
    scored = [cc for cc in work.criteria if cc.contributes == "points"]
    quality_weight = sum((cc.factor for cc in scored), ZERO)
    gap = Fraction((first.figure or ZERO) - (second.figure or ZERO))
    s1, s2 = Fraction(first.price_score or ZERO), Fraction(second.price_score or ZERO)
    items = []
    a, b = first.bid.id, second.bid.id
    if quality_weight > 0:
        slope = Fraction(first.quality - second.quality) / Fraction(quality_weight) - (s1 - s2)
        status, change = _status(gap, slope, -quality_weight, price_weight)
    else:
        status, change = "no_change_in_range", None
    at_tie = price_weight - change if change is not None else None
    items.append(
        SensitivityItem(
            parameter="price_weight",
            unit="weight",
            status=status,  # type: ignore[arg-type]
            current=price_weight,
            at_tie=at_tie,
            change=change,
            currency=currency,
            explanation=_weight_text("the price weight", "prisvikten", price_weight, at_tie, a, b),
        )
    )
    total = price_weight + quality_weight
    for cc in scored:
        weight = cc.factor
        others = total - weight
        diff = _fulfilment(first, cc, ratio_of) - _fulfilment(second, cc, ratio_of)
        if others > 0:
            slope = diff - (gap - Fraction(weight) * diff) / Fraction(others)
            status, change = _status(gap, slope, -weight, others)
        else:
            status, change = "no_change_in_range", None
        at_tie = weight + change if change is not None else None
        code = cc.criterion.code
        items.append(
            SensitivityItem(
                parameter="weight",
                criterion=cc.criterion.id,
                code=code,
                unit="weight",
                status=status,  # type: ignore[arg-type]
                current=weight,
                at_tie=at_tie,
                change=change,
                currency=currency,
                explanation=_weight_text(
                    f"the weight of {code}", f"vikten för {code}", weight, at_tie, a, b
                ),
            )
        )
    return tuple(items)


def _weight_text(
    name_en: str, name_sv: str, current: Decimal, at_tie: Decimal | None, a: str, b: str
) -> Text:
    now = display_score(current)
    if at_tie is None:
        return Text(
            en=f"No allowed value of {name_en} (now {now}) changes the order of {a} and {b}.",
            sv=f"Inget tillåtet värde på {name_sv} (nu {sv_number(now)}) ändrar ordningen "
            f"mellan {a} och {b}.",
        )
    tie = display_score(at_tie)
    return Text(
        en=f"If {name_en} went from {now} to {tie} (the other weights scaled to keep the total), "
        f"{a} and {b} would tie; beyond that {b} would be first.",
        sv=f"Om {name_sv} ändrades från {sv_number(now)} till {sv_number(tie)} (övriga vikter "
        f"skalade så att summan består) skulle {a} och {b} få lika; därutöver vore {b} först.",
    )


def _added_value(
    data: EvaluationInput, work: LotWork, first: BidWork, second: BidWork, ratio_of: RatioOf
) -> tuple[SensitivityItem, ...]:
    currency = data.currency
    # the leader's margin: the second's comparison price minus the first's (>= 0)
    gap = Fraction((second.figure or ZERO) - (first.figure or ZERO))
    a, b = first.bid.id, second.bid.id
    items = []
    for cc in work.criteria:
        if cc.contributes not in ("deduction", "surcharge", "percent"):
            continue
        f1, f2 = _fulfilment(first, cc, ratio_of), _fulfilment(second, cc, ratio_of)
        if cc.contributes == "percent":
            unit = "percent"
            # comparison = P (1 + sum p (1 - f) / 100): d(gap)/dp = (P2 (1-f2) - P1 (1-f1)) / 100
            p1, p2 = Fraction(first.bid.price), Fraction(second.bid.price)
            slope = (p2 * (1 - f2) - p1 * (1 - f1)) / 100
        else:
            unit = "money"
            # deduction: comparison = P - sum V f; surcharge: P + sum V (1 - f); same slope
            slope = f1 - f2
        status, change = _status(gap, slope, -cc.factor, None)
        at_tie = cc.factor + change if change is not None else None
        code = cc.criterion.code

        def shown(value: Decimal, unit: str = unit) -> str:
            return display_money(value, currency) if unit == "money" else display_score(value)

        name_en = f"the value of {code}" if unit == "money" else f"the percentage of {code}"
        name_sv = f"värdet för {code}" if unit == "money" else f"procentsatsen för {code}"
        now = shown(cc.factor)
        if at_tie is None:
            text = Text(
                en=f"No allowed value of {name_en} (now {now}) changes the order of {a} and {b}.",
                sv=f"Inget tillåtet värde på {name_sv} (nu {sv_number(now)}) ändrar ordningen "
                f"mellan {a} och {b}.",
            )
        else:
            tie = shown(at_tie)
            text = Text(
                en=f"If {name_en} went from {now} to {tie}, {a} and {b} would tie; beyond that "
                f"{b} would be first.",
                sv=f"Om {name_sv} ändrades från {sv_number(now)} till {sv_number(tie)} skulle "
                f"{a} och {b} få lika; därutöver vore {b} först.",
            )
        items.append(
            SensitivityItem(
                parameter="value" if unit == "money" else "percent",
                criterion=cc.criterion.id,
                code=code,
                unit=unit,  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                current=cc.factor,
                at_tie=at_tie,
                change=change,
                currency=currency,
                explanation=text,
            )
        )
    return tuple(items)
