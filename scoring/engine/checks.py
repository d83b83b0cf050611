"""Warnings that go with a result (DOMAIN.md, "Checks before publishing", on real bids).

- ``relative_price_scoring``: price points depend on the other bids (rank-reversal risk);
- ``rank_reversal``: the concrete check. Removing one other qualified bid changes a relative
  price score only if that bid set the lowest price (or, for linear_range, the highest), so
  only those bids (at most two) are tried, each with one re-scoring of the lot: O(n log n)
  per lot instead of n re-rankings;
- ``price_floor_above_zero``: price cuts below the floor earn nothing (HFD 2022 ref. 41);
- ``price_cannot_change_order``: the winner's quality lead is larger than the whole price
  weight, so no price could have changed who wins;
- ``weights_do_not_sum_to_100``, ``award_criteria_not_scored`` (lowest_price),
  ``added_value_exceeds_price``, ``manual_scores_spread``.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import accumulate, islice, repeat
from operator import add, gt, itemgetter, mul
from typing import TYPE_CHECKING, Any

from scoring.engine.decimal_context import HUNDRED, display_score, normalised, tie_figures
from scoring.engine.inputs import EvaluationInput
from scoring.engine.price import RELATIVE, price_scorer
from scoring.engine.results import EngineWarning, Text

if TYPE_CHECKING:
    from scoring.engine.fold import LotWork


def _warning(code: str, en: str, sv: str, **details: Any) -> EngineWarning:
    return EngineWarning(code=code, message=Text(en=en, sv=sv), details=details)


def warnings_for(
    data: EvaluationInput, works: list[LotWork], flagged: list[dict[str, str]]
) -> tuple[EngineWarning, ...]:
    config = data.method
    result: list[EngineWarning] = []
    if config.method == "weighted_points":
        scoring = config.effective_price_scoring
        if scoring in RELATIVE:
            result.append(
                _warning(
                    "relative_price_scoring",
                    f"Price scoring is relative ({scoring}): a bid's price points depend on the "
                    "other bids, so adding or removing a bid can change the order of two others "
                    "(rank reversal). Absolute price scoring cannot.",
                    f"Prisutvärderingen är relativ ({scoring}): ett anbuds prispoäng beror på "
                    "de andra anbuden, så att lägga till eller ta bort ett anbud kan byta "
                    "ordning på två andra. Absolut prisutvärdering kan inte det.",
                    price_scoring=scoring,
                )
            )
        floor = config.price_floor
        if scoring == "absolute" and floor is not None and floor > 0:
            result.append(
                _warning(
                    "price_floor_above_zero",
                    f"The price floor is {normalised(floor)}: a price cut below it earns no "
                    "points, which Swedish courts have rejected (HFD 2022 ref. 41).",
                    f"Prisgolvet är {normalised(floor)}: en prissänkning under golvet ger inga "
                    "poäng, vilket domstol har underkänt (HFD 2022 ref. 41).",
                    price_floor=normalised(floor),
                )
            )
        for work in works:
            result.extend(_weights_sum(data, work))
            if scoring in RELATIVE:
                result.extend(_rank_reversal(data, work))
            result.extend(_price_cannot_change_order(data, work))
    if config.method == "lowest_price":
        awarded = [c.code for c in data.criteria if c.kind == "award"]
        if awarded:
            result.append(
                _warning(
                    "award_criteria_not_scored",
                    "The method is lowest price: award criteria are shown but not scored.",
                    "Utvärderingsgrunden är lägsta pris: tilldelningskriterier visas men "
                    "poängsätts inte.",
                    criteria=awarded,
                )
            )
    if config.method == "lowest_cost" or (
        config.method == "added_value" and config.effective_mode == "deduction"
    ):
        for work in works:
            result.extend(_added_value_exceeds_price(work))
    if flagged:
        result.append(
            _warning(
                "manual_scores_spread",
                f"{len(flagged)} manual item(s) have evaluator scores spread more than "
                f"{display_score(config.spread_threshold * HUNDRED)} % of the scale: "
                "moderate them.",
                f"{len(flagged)} manuella bedömning(ar) har poäng som sprider mer än "
                f"{display_score(config.spread_threshold * HUNDRED).replace('.', ',')} % av "
                "skalan: moderera dem.",
                items=sorted(flagged, key=itemgetter("bid", "criterion")),
            )
        )
    return tuple(result)


def _weights_sum(data: EvaluationInput, work: LotWork) -> list[EngineWarning]:
    assert data.method.price_weight is not None
    total = data.method.price_weight + sum(
        (cc.factor for cc in work.criteria if cc.contributes == "points"), Decimal(0)
    )
    if total == HUNDRED:
        return []
    return [
        _warning(
            "weights_do_not_sum_to_100",
            f"Lot {work.lot.number}: price weight and criterion weights sum to "
            f"{normalised(total)}, not 100.",
            f"Delkontrakt {work.lot.number}: prisvikt och kriterievikter summerar till "
            f"{normalised(total).replace('.', ',')}, inte 100.",
            lot=work.lot.id,
            total=normalised(total),
        )
    ]


def _rank_reversal(data: EvaluationInput, work: LotWork) -> list[EngineWarning]:
    order = work.order  # the qualified bids, in rank order
    if len(order) < 3:
        return []
    config = data.method
    weight = config.price_weight
    assert weight is not None
    bids, quality = work.bids, work.quality
    prices = [bids[i].price for i in order]
    candidates: list[int] = []
    lowest = min(prices)
    if prices.count(lowest) == 1:
        candidates.append(order[prices.index(lowest)])
    if config.effective_price_scoring == "linear_range":
        highest = max(prices)
        if prices.count(highest) == 1:
            candidates.append(order[prices.index(highest)])
    for removed in candidates:
        position = order.index(removed)
        others = order[:position] + order[position + 1 :]
        other_prices = prices[:position] + prices[position + 1 :]
        scorer = price_scorer(config, other_prices, [bids[i].id for i in others])
        points = map(mul, repeat(weight), map(scorer, other_prices))
        after = tie_figures(map(add, points, map(quality.__getitem__, others)))
        swapped = _first_inversion(list(map(work.shown.__getitem__, others)), after)
        if swapped is None:
            continue
        above, below = (bids[others[n]].id for n in swapped)
        return [
            _warning(
                "rank_reversal",
                f"Lot {work.lot.number}: without bid {bids[removed].id} (which is not one of "
                f"them) bids {below} and {above} would change places: relative price scoring "
                "lets one bid change the order of two others.",
                f"Delkontrakt {work.lot.number}: utan anbud {bids[removed].id} (som inte är ett "
                f"av dem) skulle anbud {below} och {above} byta plats: relativ "
                "prisutvärdering låter ett anbud ändra ordningen mellan två andra.",
                lot=work.lot.id,
                removed_bid=bids[removed].id,
                swapped=[above, below],
            )
        ]
    return []


def _first_inversion(before: list[Decimal], after: list[Decimal]) -> tuple[int, int] | None:
    """A pair (above, below) of positions in the current order (``before``: figures at 6
    places, best first) that the new figures put the other way."""
    if len(set(before)) == len(before):
        # no ties (the common case): the first bid whose new figure is above the lowest new
        # figure of the bids before it, found by C calls over the lists
        lowest = list(accumulate(after, min))
        above = list(map(gt, islice(after, 1, None), lowest))
        if True not in above:
            return None
        below = above.index(True) + 1
        return after.index(lowest[below - 1]), below
    best_before: tuple[Decimal, int] | None = None  # lowest new figure among bids strictly above
    index, count = 0, len(before)
    while index < count:
        figure = before[index]
        group_end = index
        while group_end < count and before[group_end] == figure:
            group_end += 1
        if best_before is not None:
            for n in range(index, group_end):
                if after[n] > best_before[0]:
                    return best_before[1], n
        for n in range(index, group_end):
            if best_before is None or after[n] < best_before[0]:
                best_before = (after[n], n)
        index = group_end
    return None


def _price_cannot_change_order(data: EvaluationInput, work: LotWork) -> list[EngineWarning]:
    order = work.order
    if len(order) < 2:
        return []
    assert data.method.price_weight is not None
    weight = data.method.price_weight
    quality = work.quality
    winner = order[0]
    # the smallest lead over any other bid (subtraction rounds monotonically, so this is
    # the smallest of the differences)
    lead = quality[winner] - max(quality[i] for i in order[1:])
    if lead <= weight:
        return []
    winner_id = work.bids[winner].id
    return [
        _warning(
            "price_cannot_change_order",
            f"Lot {work.lot.number}: bid {winner_id} leads on quality by {display_score(lead)}"
            f" points, more than the whole price weight {normalised(weight)}: no price could "
            "have changed who wins.",
            f"Delkontrakt {work.lot.number}: anbud {winner_id} leder på kvalitet med "
            f"{display_score(lead).replace('.', ',')} poäng, mer än hela prisvikten "
            f"{normalised(weight).replace('.', ',')}: inget pris hade kunnat ändra vem som vinner.",
            lot=work.lot.id,
            winner=winner_id,
            quality_lead=display_score(lead),
            price_weight=normalised(weight),
        )
    ]


def _added_value_exceeds_price(work: LotWork) -> list[EngineWarning]:
    qualified = work.qualified
    if not qualified:
        return []
    total = sum((cc.factor for cc in work.criteria if cc.contributes == "deduction"), Decimal(0))
    lowest = min(work.bids[i].price for i in qualified)
    if total == 0 or total < lowest:
        return []
    return [
        _warning(
            "added_value_exceeds_price",
            f"Lot {work.lot.number}: the criteria can deduct {normalised(total)}, as much as the "
            f"lowest price {normalised(lowest)}: quality can outweigh the whole price.",
            f"Delkontrakt {work.lot.number}: kriterierna kan dra av {normalised(total)}, lika "
            f"mycket som det lägsta priset {normalised(lowest)}: kvalitet kan väga tyngre än "
            "hela priset.",
            lot=work.lot.id,
            total_value=normalised(total),
            lowest_price=normalised(lowest),
        )
    ]
