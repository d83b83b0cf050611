"""Fold: criterion outcomes into each bid's figures, and the method's figure per bid.

How the sums are formed (decided, so that a result is the same to the last digit anywhere):
each criterion's points or money is added to its category's running sum in criterion order
(the lot's rule-scored criteria first, then its manual ones), and a bid's quality figure
(total points, deduction or surcharge) is the sum of its category figures in category-name
order. So the category profile adds up to the total exactly, in the engine's precision.
(percent_surcharge sums the criteria's rates in the same criterion order.)

Then the method's figure per qualified bid (DOMAIN.md, "Evaluation methods"), unrounded:
- lowest_price: the price;
- weighted_points: price weight x price score + quality points;
- added_value: price - quality (deduction), price + quality (surcharge), price x (1 +
  rates) (percent_surcharge);
- value_for_money: quality points per million of price; a price of 0 is refused;
- lowest_cost: life-cycle cost - quality (deductions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from itertools import repeat
from operator import add, mul
from typing import Any

from scoring.engine.compile import CompiledCriterion, PercentPending
from scoring.engine.decimal_context import ONE, ZERO
from scoring.engine.inputs import Bid, EngineInputError, EvaluationConfig, Lot
from scoring.engine.price import annuity_factor, price_scorer
from scoring.engine.results import BidResult, DisqualificationReason, LifeCycleCost, Money

MILLION = Decimal(1_000_000)


@dataclass(slots=True)
class LotColumns:
    """A lot's running figures while its criteria are scored, one entry per bid."""

    columns: list[Any]  # slot -> the criterion's records, one per bid
    reasons: dict[int, list[DisqualificationReason]]  # bid index -> why it is disqualified
    sums: dict[str, list[Decimal]]  # category -> points or money per bid
    rates: list[Decimal] | None  # percent_surcharge: the sum of rates per bid
    by_code: dict[str, list[Decimal]]  # tie-break criterion code -> fulfilment per bid


@dataclass(slots=True)
class BidWork:
    """One qualified bid's figures, for the sensitivity analysis (first and second)."""

    bid: Bid
    figure: Decimal | None
    quality: Decimal
    price_score: Decimal | None


@dataclass(slots=True)
class LotWork:
    """One lot's working figures, per bid index (``bids`` in id order); ``order`` holds the
    qualified bids' indices in rank order once the lot is ranked."""

    lot: Lot
    criteria: list[CompiledCriterion]
    bids: list[Bid]
    rows: list[tuple[Any, ...]]
    reasons: dict[int, list[DisqualificationReason]]
    qualified: list[int]
    quality: list[Decimal]
    categories: list[dict[str, Decimal]]
    by_code: dict[str, list[Decimal]]
    figures: list[Decimal | None]
    price_scores: list[Decimal | None]
    lcc: list[LifeCycleCost | None]
    shown: dict[int, Decimal]  # a qualified bid's figure at 6 places (compared for ranks)
    order: list[int] = field(default_factory=list)
    ranked: list[BidResult] = field(default_factory=list)

    def view(self, index: int) -> BidWork:
        return BidWork(
            bid=self.bids[index],
            figure=self.figures[index],
            quality=self.quality[index],
            price_score=self.price_scores[index],
        )


def fold_criterion(
    cc: CompiledCriterion,
    keys: list[Any],
    column: list[Any],
    slot: int,
    category: str,
    tie_code: str | None,
    prices: list[Decimal],
    cols: LotColumns,
) -> None:
    """Fold one criterion's outcomes (one per bid) into the lot's running figures."""
    kind = cc.contributes
    if kind is not None:
        amounts: Any = map(cc.amounts.__getitem__, keys)
        if kind == "percent":  # the money depends on each bid's price
            rates = list(amounts)
            cols.rates = rates if cols.rates is None else list(map(add, cols.rates, rates))
            money = []
            for i, record in enumerate(column):
                if isinstance(record, PercentPending):
                    column[i], amount = record.finish(prices[i])
                    money.append(amount)
                else:
                    money.append(ZERO)
            amounts = money
        running = cols.sums.get(category)
        cols.sums[category] = list(amounts) if running is None else list(map(add, running, amounts))
    elif cc.failing:  # a requirement: the bids whose answer fails it are disqualified
        for i, key in enumerate(keys):
            if key in cc.failing:
                cols.reasons.setdefault(i, []).append(cc.failing[key])
    cols.columns[slot] = column
    if tie_code is not None:
        cols.by_code[tie_code] = list(map(cc.fulfilments.__getitem__, keys))


def lot_work(
    lot: Lot, criteria: list[CompiledCriterion], bids: list[Bid], cols: LotColumns
) -> LotWork:
    """A scored lot's figures per bid: qualified or not, quality, category profile."""
    size = len(bids)
    reasons = cols.reasons
    names = sorted(cols.sums)
    table = list(zip(*[cols.sums[name] for name in names], strict=True)) if names else []
    if cols.rates is not None:
        quality = cols.rates
    elif names:
        quality = list(map(reduce, repeat(add), table))  # the first figure, plus the others
    else:
        quality = [ZERO] * size
    qualified = [i for i in range(size) if i not in reasons] if reasons else list(range(size))
    # points or money per category, a new dict per bid (filled for the qualified ones)
    categories: list[dict[str, Decimal]]
    if names:
        categories = list(map(dict, map(zip, repeat(names), table)))
        for i in reasons:
            categories[i] = {}
    else:
        categories = [{} for _ in range(size)]
    work = LotWork(
        lot=lot,
        criteria=criteria,
        bids=bids,
        rows=list(zip(*cols.columns, strict=True)) if cols.columns else [()] * size,
        reasons=reasons,
        qualified=qualified,
        quality=quality,
        categories=categories,
        by_code=cols.by_code,
        figures=[None] * size,
        price_scores=[None] * size,
        lcc=[None] * size,
        shown={},
    )
    return work


def method_figures(work: LotWork, config: EvaluationConfig, currency: str) -> None:
    """Each qualified bid's figure under the tender's method (and its price score, and
    its life-cycle cost), in ``work``."""
    method = config.method
    bids, quality, figures = work.bids, work.quality, work.figures
    qualified = work.qualified
    if method == "weighted_points":
        assert config.price_weight is not None
        weight = config.price_weight
        scorer = price_scorer(
            config, [bids[i].price for i in qualified], [bids[i].id for i in qualified]
        )
        scores = list(map(scorer, [bids[i].price for i in qualified]))
        points = list(map(mul, repeat(weight), scores))
        totals = list(map(add, points, map(quality.__getitem__, qualified)))
        # the price points go into each qualified bid's category profile
        for i, price_points in zip(qualified, points, strict=True):
            work.categories[i]["price"] = price_points
        if len(qualified) == len(bids):
            work.price_scores, work.figures = scores, totals  # type: ignore[assignment]
        else:
            for i, score, total in zip(qualified, scores, totals, strict=True):
                work.price_scores[i], figures[i] = score, total
    elif method == "lowest_price":
        for i in qualified:
            figures[i] = bids[i].price
    elif method == "value_for_money":
        for i in qualified:
            price = bids[i].price
            if price == 0:
                raise EngineInputError(
                    "zero_price_value_for_money",
                    f"bid {bids[i].id} has a price of 0: value for money (points per "
                    "million of price) cannot divide by it",
                    {"bid": bids[i].id},
                )
            figures[i] = quality[i] * MILLION / price
    elif method == "added_value":
        mode = config.effective_mode
        for i in qualified:
            price = bids[i].price
            if mode == "deduction":
                figures[i] = price - quality[i]
            elif mode == "surcharge":
                figures[i] = price + quality[i]
            else:
                figures[i] = price * (ONE + quality[i])
    else:
        assert config.discount_rate is not None and config.lifetime_years
        annuity, final_discount = annuity_factor(config.discount_rate, config.lifetime_years)
        co2_price = config.co2_price_per_tonne or ZERO

        def money(amount: Decimal) -> Money:
            return Money(amount=amount, currency=currency)

        for i in qualified:
            cost = bids[i].cost
            assert cost is not None
            operating = cost.annual_operating_cost * annuity
            external = cost.annual_co2e_tonnes * co2_price * annuity
            end_of_life = cost.end_of_life_cost * final_discount
            internal = cost.acquisition_cost + operating + end_of_life
            total = internal + external
            work.lcc[i] = LifeCycleCost(
                acquisition=money(cost.acquisition_cost),
                operating=money(operating),
                end_of_life=money(end_of_life),
                internal=money(internal),
                external=money(external),
                total=money(total),
            )
            figures[i] = total - quality[i]
