"""Ranking with ties: equal figures (at 6 places) at any rank, broken by the declared chain.

The chain is the tender's ``tie_break`` (default lower price, then earlier submission; also
``criterion:<code>``, higher fulfilment first, and ``lottery``, the drawn order). Bids the
chain leaves equal share the rank (competition ranking: 1, 2, 2, 4) and are reported as
needing a lottery. A tie is never broken by input order: within a group that is still tied
the bids are listed by id, which does not depend on the order they were given in.

``rank`` ranks figures; ``rank_lot`` ranks a scored lot (``fold.LotWork``) with it and
writes each bid's result record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import count, islice, repeat
from operator import eq
from typing import TYPE_CHECKING, Any

from scoring.engine.decimal_context import ZERO, tie_figure, tie_figures
from scoring.engine.inputs import EvaluationInput
from scoring.engine.results import BidResult, Money, SupplierRef, TieBreak

if TYPE_CHECKING:
    from scoring.engine.fold import LotWork


@dataclass(slots=True)
class Contender:
    bid_id: str
    price: Decimal
    submitted_at: datetime
    fulfilment_by_code: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Ranking:
    # (index of the contender in the given order, rank, how a tie was settled or None)
    placements: list[tuple[int, int, TieBreak | None]]
    unresolved: list[tuple[int, tuple[str, ...]]]  # (shared rank, bid ids)
    shown: list[Decimal]  # each contender's figure at 6 places, in the given order


def _key(rule: str, contender: Contender, lottery: dict[str, int]) -> Any:
    if rule == "lower_price":
        return contender.price
    if rule == "earlier_submission":
        return contender.submitted_at
    if rule == "lottery":
        return lottery.get(contender.bid_id)
    fulfilment = contender.fulfilment_by_code.get(rule.removeprefix("criterion:"))
    return None if fulfilment is None else -tie_figure(fulfilment)


def _resolve(
    members: list[Contender], rules: Sequence[str], decided_by: str | None, lottery: dict[str, int]
) -> list[tuple[list[Contender], str | None]]:
    """Split a tied group into ordered subgroups, each with the rule that set it apart."""
    if len(members) == 1:
        return [(members, decided_by)]
    if not rules:
        return [(sorted(members, key=lambda c: c.bid_id), None)]
    rule, rest = rules[0], rules[1:]
    keys = [_key(rule, c, lottery) for c in members]
    if any(k is None for k in keys):  # the rule cannot compare these bids: go on
        return _resolve(members, rest, decided_by, lottery)
    keyed = sorted(zip(keys, members, strict=True), key=lambda kc: (kc[0], kc[1].bid_id))
    runs: list[list[Contender]] = []
    previous: Any = object()
    for key, contender in keyed:
        if runs and key == previous:
            runs[-1].append(contender)
        else:
            runs.append([contender])
        previous = key
    if len(runs) == 1:
        return _resolve(members, rest, decided_by, lottery)
    result: list[tuple[list[Contender], str | None]] = []
    for run in runs:
        result.extend(_resolve(run, rest, rule, lottery))
    return result


def rank(
    bid_ids: Sequence[str],
    figures: Sequence[Decimal],
    contender: Callable[[int], Contender],
    *,
    higher_is_better: bool,
    chain: Sequence[str],
    lottery_order: Sequence[str] | None,
) -> Ranking:
    """Rank bids by figure (compared at 6 places); ``contender(j)`` gives the j-th bid's
    tie-break facts and is asked only for bids in a tie."""
    lottery = {bid_id: i for i, bid_id in enumerate(lottery_order or ())}
    rules = list(chain)
    if lottery_order and "lottery" not in rules:
        rules.append("lottery")  # a drawn order settles what the chain left
    if not lottery_order and "lottery" in rules:
        rules.remove("lottery")

    shown = tie_figures(figures)
    # by id, then (a stable sort) by figure: equal figures stay in id order
    by_id = sorted(range(len(shown)), key=bid_ids.__getitem__)
    ordered = sorted(by_id, key=shown.__getitem__, reverse=higher_is_better)

    placements: list[tuple[int, int, TieBreak | None]] = []
    unresolved: list[tuple[int, tuple[str, ...]]] = []
    position = 1
    ranked_shown = list(map(shown.__getitem__, ordered))
    if True not in map(eq, ranked_shown, islice(ranked_shown, 1, None)):
        # no two figures equal (the common case): ranks 1, 2, 3, ... by C calls
        placements = list(zip(ordered, count(1), repeat(None)))
        return Ranking(placements, unresolved, shown)
    start, count_ = 0, len(ordered)
    while start < count_:
        figure = shown[ordered[start]]
        end = start + 1
        while end < count_ and shown[ordered[end]] == figure:
            end += 1
        if end == start + 1:
            placements.append((ordered[start], position, None))
            position += 1
            start = end
            continue
        group = [contender(j) for j in ordered[start:end]]
        index_of = {c.bid_id: j for c, j in zip(group, ordered[start:end], strict=True)}
        ids = set(index_of)
        for subgroup, rule in _resolve(group, rules, None, lottery):
            sub_ids = tuple(c.bid_id for c in subgroup)
            if len(subgroup) > 1:
                unresolved.append((position, sub_ids))
            for member in subgroup:
                others = tuple(sorted(ids - {member.bid_id}))
                still = tuple(i for i in sub_ids if i != member.bid_id)
                tie = TieBreak(
                    rule=rule if not still and rule else "needs_lottery",
                    tied_with=others,
                    unresolved_with=still,
                )
                placements.append((index_of[member.bid_id], position, tie))
            position += len(subgroup)
        start = end
    return Ranking(placements, unresolved, shown)


# -- one lot: its bids in rank order, as result records ---------------------------------

HIGHER_IS_BETTER = {
    "lowest_price": False,
    "weighted_points": True,
    "added_value": False,
    "value_for_money": True,
    "lowest_cost": False,
}


def rank_lot(work: LotWork, data: EvaluationInput) -> list[tuple[int, tuple[str, ...]]]:
    """Rank a lot's qualified bids and write every bid's result record, ranked bids in
    rank order, then the disqualified by id (``work.order``, ``work.shown``,
    ``work.ranked``); returns the ties the chain left (rank, bid ids)."""
    method = data.method.method
    bids, qualified, figures = work.bids, work.qualified, work.figures
    draw = next((d.order for d in data.lottery if d.lot == work.lot.id), None)
    by_code = work.by_code

    def contender(j: int) -> Contender:
        i = qualified[j]
        bid = bids[i]
        return Contender(
            bid_id=bid.id,
            price=bid.price,
            submitted_at=bid.submitted_at,
            fulfilment_by_code={code: values[i] for code, values in by_code.items()},
        )

    ranking = rank(
        [bids[i].id for i in qualified],
        [ZERO if (figure := figures[i]) is None else figure for i in qualified],
        contender,
        higher_is_better=HIGHER_IS_BETTER[method],
        chain=data.method.tie_break,
        lottery_order=draw,
    )
    work.shown = dict(zip(qualified, ranking.shown, strict=True))
    work.order = [qualified[j] for j, _, _ in ranking.placements]
    money_figure = not HIGHER_IS_BETTER[method]
    currency = data.currency

    def record(i: int, place: int | None, tie: TieBreak | None) -> BidResult:
        bid = bids[i]
        figure = figures[i] if place is not None else None
        return BidResult(
            bid=bid.id,
            supplier=SupplierRef(id=bid.supplier.id, name=bid.supplier.name),
            lot=bid.lot,
            qualified=place is not None,
            price=Money(amount=bid.price, currency=currency),
            categories=work.categories[i],
            categories_unit="money" if money_figure else "points",
            criteria=work.rows[i],
            disqualification_reasons=tuple(work.reasons.get(i, ())),
            comparison_price=(
                Money(amount=figure, currency=currency)
                if money_figure and figure is not None
                else None
            ),
            total_score=None if money_figure else figure,
            price_score=work.price_scores[i],
            rank=place,
            tie_break=tie,
            lcc=work.lcc[i],
        )

    # the ranked bids in rank order, then the disqualified by id
    work.ranked = [record(qualified[j], place, tie) for j, place, tie in ranking.placements]
    work.ranked += [record(i, None, None) for i in sorted(work.reasons, key=lambda i: bids[i].id)]
    return ranking.unresolved
