"""A reference evaluation, written from DOMAIN.md's formulas, to check the engine against.

Plain on purpose: one bid at a time, one criterion at a time, ``if``s instead of tables, no
memo, no shared records. It reads the validated ``EvaluationInput`` (validation is the
edge, not scoring) and returns what a user sees of a result: qualification and reasons, per
criterion the fulfilment, points or money, per bid the category profile, the total or
comparison price, the rank and how a tie was settled. ``project`` renders it as display
texts, the same shape as ``project_engine`` makes of the engine's canonical JSON.

Precision, as decided (ADR 0002 and the engine's method notes), not as optimised:
- fulfilments are exact fractions; a criterion's points or money is ``weight x fulfilment``
  (``V x f``, ``V x (1 - f)``, ``p/100 x (1 - f)``) computed exactly and rounded once to 50
  significant digits, so ``150000 x 2/3`` is exactly 100000;
- every other step is one Decimal operation in a 50-digit context (ROUND_HALF_EVEN);
- a bid's quality figure is the sum, in category-name order, of its category sums, each
  summed in criterion order: the lot's rule-scored criteria first, then its manual ones;
- figures are compared at 6 places and shown at 4 places (money: the currency's minor
  unit), both ROUND_HALF_UP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from typing import Any

from scoring.engine import EvaluationInput
from scoring.engine.inputs import Bid, Criterion
from scoring.engine.rules import BooleanRule, ChoiceRule, LinearRule, ManualRule, ThresholdsRule

CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
HIGHER_IS_BETTER = {"weighted_points", "value_for_money"}
ZERO_DIGITS_CURRENCIES = {"ISK"}


class ReferenceError(Exception):
    """The input cannot be evaluated; ``code`` as the engine's ``EngineInputError``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class CriterionOutcome:
    criterion: Criterion
    fulfilment: Fraction | None  # None: a contract condition (not scored)
    points: Decimal | None = None
    money: Decimal | None = None
    rate: Decimal | None = None  # percent_surcharge: p/100 x (1 - f)
    passed: bool | None = None
    reason: str | None = None  # requirement_not_met / requirement_not_answered
    flagged: bool = False


@dataclass
class BidOutcome:
    bid: Bid
    criteria: list[CriterionOutcome]
    qualified: bool
    reasons: list[tuple[str, str]]
    categories: dict[str, Decimal] = field(default_factory=dict)
    price_score: Decimal | None = None
    figure: Decimal | None = None  # total score or comparison price
    rank: int | None = None
    tie: dict[str, Any] | None = None


@dataclass
class LotOutcome:
    lot_id: str
    bids: list[BidOutcome]  # in listing order: ranked, then the disqualified by id
    unresolved: list[tuple[int, list[str]]]


def decimal_of(value: Fraction) -> Decimal:
    """An exact fraction as a 50-digit Decimal (one rounding)."""
    return CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


# -- fulfilment ---------------------------------------------------------------------------


def rule_fulfilment(rule: Any, answer: Any) -> Fraction:
    """DOMAIN.md's table of rules; an unanswered criterion fulfils nothing."""
    if answer is None:
        return Fraction(0)
    if isinstance(rule, BooleanRule):
        return Fraction(1) if answer is True else Fraction(0)
    if isinstance(rule, LinearRule):
        value = Fraction(Decimal(answer))
        worst, best = Fraction(rule.worst), Fraction(rule.best)
        f = (value - worst) / (best - worst)
        return min(max(f, Fraction(0)), Fraction(1))
    if isinstance(rule, ThresholdsRule):
        value = Fraction(Decimal(answer))
        reached = Fraction(0)
        for step in rule.steps:  # lowest step first: the last one reached is the highest
            if step.at_least is not None and value >= Fraction(step.at_least):
                reached = step.fulfilment
            if step.at_most is not None and value <= Fraction(step.at_most):
                reached = step.fulfilment
        return reached
    if isinstance(rule, ChoiceRule):
        return rule.options[answer]
    raise AssertionError(f"not a rule-scored criterion: {rule}")


def manual_fulfilment(
    rule: ManualRule, aggregation: str, consensus: Decimal | None, scores: list[Decimal]
) -> Fraction:
    scale = rule.scale_max
    if aggregation == "consensus":
        assert consensus is not None, "the generator gives every item a consensus score"
        return Fraction(consensus) / scale
    values = sorted(Fraction(s) for s in scores)
    assert values, "the generator gives every item an evaluator score"
    if aggregation == "mean":
        return sum(values, Fraction(0)) / len(values) / scale
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle] / scale
    return (values[middle - 1] + values[middle]) / 2 / scale


# -- one lot --------------------------------------------------------------------------------


def applies_to(criterion: Criterion, lot_id: str) -> bool:
    return criterion.lot is None or criterion.lot == lot_id


def answer_of(criterion: Criterion, bid: Bid) -> Any:
    if criterion.source == "supplier_profile":
        return bid.supplier.profile.get(criterion.profile_field or "")
    return bid.responses.get(criterion.id)


def contribution(data: EvaluationInput, criterion: Criterion) -> str | None:
    """What an award criterion adds to a bid's figure under the tender's method."""
    if criterion.kind != "award":
        return None
    method = data.method.method
    if method in ("weighted_points", "value_for_money"):
        return "points"
    if method == "lowest_cost":
        return "deduction"
    if method == "added_value":
        mode = data.method.mode or "deduction"
        return "percent" if mode == "percent_surcharge" else mode
    return None  # lowest_price: award criteria are shown, not scored


def score_criterion(data: EvaluationInput, criterion: Criterion, bid: Bid) -> CriterionOutcome:
    if criterion.kind == "contract_condition":
        return CriterionOutcome(criterion, None)
    rule = criterion.rule
    flagged = False
    answered = True
    if isinstance(rule, ManualRule):
        scores = [s.score for s in data.scores if s.bid == bid.id and s.criterion == criterion.id]
        consensus = next(
            (c.score for c in data.consensus if c.bid == bid.id and c.criterion == criterion.id),
            None,
        )
        f = manual_fulfilment(rule, data.method.aggregation, consensus, scores)
        if len(scores) >= 2:
            spread = Fraction(max(scores) - min(scores)) / rule.scale_max
            flagged = spread > Fraction(data.method.spread_threshold)
    else:
        answer = answer_of(criterion, bid)
        answered = answer is not None
        f = rule_fulfilment(rule, answer)
    outcome = CriterionOutcome(criterion, f, flagged=flagged)
    if criterion.kind == "requirement":
        outcome.passed = answered and f >= criterion.pass_fulfilment
        if not answered:
            outcome.reason = "requirement_not_answered"
        elif not outcome.passed:
            outcome.reason = "requirement_not_met"
        return outcome
    kind = contribution(data, criterion)
    if kind == "points":
        assert criterion.weight is not None
        outcome.points = decimal_of(Fraction(criterion.weight) * f)
    elif kind == "deduction":
        assert criterion.value is not None
        outcome.money = decimal_of(Fraction(criterion.value) * f)
    elif kind == "surcharge":
        assert criterion.value is not None
        outcome.money = decimal_of(Fraction(criterion.value) * (1 - f))
    elif kind == "percent":
        assert criterion.percent is not None
        outcome.rate = decimal_of(Fraction(criterion.percent) / 100 * (1 - f))
        outcome.money = CONTEXT.multiply(bid.price, outcome.rate)
    return outcome


def in_sum_order(outcomes: list[CriterionOutcome]) -> list[CriterionOutcome]:
    """The lot's rule-scored criteria, then its manual ones, each in input order."""
    plain = [o for o in outcomes if not isinstance(o.criterion.rule, ManualRule)]
    return plain + [o for o in outcomes if isinstance(o.criterion.rule, ManualRule)]


def quality_figure(
    data: EvaluationInput, outcomes: list[CriterionOutcome]
) -> tuple[dict[str, Decimal], Decimal]:
    """The category profile and the quality figure (points, deduction, surcharge; for
    percent_surcharge the sum of the rates), summed in the decided order."""
    in_order = in_sum_order(outcomes)
    categories: dict[str, Decimal] = {}
    rates: Decimal | None = None
    for o in in_order:
        if contribution(data, o.criterion) is None:
            continue
        amount = o.points if o.points is not None else o.money
        assert amount is not None
        name = o.criterion.category
        categories[name] = (
            amount if name not in categories else CONTEXT.add(categories[name], amount)
        )
        if o.rate is not None:
            rates = o.rate if rates is None else CONTEXT.add(rates, o.rate)
    if rates is not None:
        return categories, rates
    quality: Decimal | None = None
    for name in sorted(categories):
        quality = categories[name] if quality is None else CONTEXT.add(quality, categories[name])
    return categories, quality if quality is not None else Decimal(0)


def life_cycle_cost(data: EvaluationInput, bid: Bid) -> Decimal:
    """lcc = acquisition + sum_{t=1..T} (operating + co2e x co2 price) / (1+r)^t
    + end_of_life / (1+r)^T."""
    config, cost = data.method, bid.cost
    assert cost is not None and config.lifetime_years and config.discount_rate is not None
    co2_price = config.co2_price_per_tonne or Decimal(0)
    with localcontext(CONTEXT):
        growth = 1 + config.discount_rate
        yearly = cost.annual_operating_cost + cost.annual_co2e_tonnes * co2_price
        total = cost.acquisition_cost
        for t in range(1, config.lifetime_years + 1):
            total += yearly / growth**t
        total += cost.end_of_life_cost / growth**config.lifetime_years
    return total


def price_score(data: EvaluationInput, price: Decimal, qualified_prices: list[Decimal]) -> Decimal:
    config = data.method
    kind = config.price_scoring or "proportional"
    with localcontext(CONTEXT):
        if kind == "absolute":
            assert config.price_ceiling is not None
            ceiling, floor = config.price_ceiling, config.price_floor or Decimal(0)
            if price >= ceiling:
                return Decimal(0)
            if price <= floor:
                return Decimal(1)
            return (ceiling - price) / (ceiling - floor)
        lowest, highest = min(qualified_prices), max(qualified_prices)
        if kind == "proportional":
            return lowest / price
        if highest == lowest:
            return Decimal(1)
        return (highest - price) / (highest - lowest)


def evaluate_lot(data: EvaluationInput, lot_id: str) -> tuple[list[BidOutcome], list[Any]]:
    criteria = [c for c in data.criteria if applies_to(c, lot_id)]
    bids = sorted((b for b in data.bids if b.lot == lot_id), key=lambda b: b.id)
    outcomes = []
    for bid in bids:
        scored = [score_criterion(data, c, bid) for c in criteria]
        # reasons in the decided criterion order: rule-scored requirements, then manual ones
        reasons = [(o.criterion.id, o.reason) for o in in_sum_order(scored) if o.reason]
        outcomes.append(BidOutcome(bid, scored, qualified=not reasons, reasons=reasons))
    qualified = [o for o in outcomes if o.qualified]
    method = data.method.method
    config = data.method
    if method == "weighted_points" and (config.price_scoring or "proportional") == "proportional":
        for o in qualified:
            if o.bid.price == 0:
                raise ReferenceError("zero_price_proportional")
    for o in qualified:
        categories, quality = quality_figure(data, o.criteria)
        price = o.bid.price
        with localcontext(CONTEXT):
            if method == "lowest_price":
                o.figure = price
            elif method == "weighted_points":
                assert config.price_weight is not None
                o.price_score = price_score(data, price, [q.bid.price for q in qualified])
                price_points = config.price_weight * o.price_score
                categories["price"] = price_points
                o.figure = price_points + quality
            elif method == "value_for_money":
                if price == 0:
                    raise ReferenceError("zero_price_value_for_money")
                o.figure = quality / (price / 1_000_000)
            elif method == "added_value":
                mode = config.mode or "deduction"
                if mode == "deduction":
                    o.figure = price - quality
                elif mode == "surcharge":
                    o.figure = price + quality
                else:
                    o.figure = price * (1 + quality)
            else:
                o.figure = life_cycle_cost(data, o.bid) - quality
        o.categories = categories
    return outcomes, rank_lot(data, lot_id, qualified, outcomes)


# -- ranking and ties -----------------------------------------------------------------------


def at_six_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP, context=CONTEXT)


def tie_key(data: EvaluationInput, rule: str, o: BidOutcome, lot_id: str) -> Any:
    """What one tie-break rule compares (smaller first), or None when it cannot."""
    if rule == "lower_price":
        return o.bid.price
    if rule == "earlier_submission":
        return o.bid.submitted_at
    if rule == "lottery":
        draw = next((d.order for d in data.lottery if d.lot == lot_id), ())
        return draw.index(o.bid.id) if o.bid.id in draw else None
    code = rule.removeprefix("criterion:")
    for c in o.criteria:
        if c.criterion.code == code:
            return -at_six_places(decimal_of(c.fulfilment or Fraction(0)))
    return None  # the criterion is not one of this lot's


def split_tie(
    data: EvaluationInput,
    group: list[BidOutcome],
    rules: list[str],
    decided: str | None,
    lot_id: str,
) -> list[tuple[list[BidOutcome], str | None]]:
    """A tied group in order, as subgroups with the rule that set each one apart."""
    if len(group) == 1:
        return [(group, decided)]
    for n, rule in enumerate(rules):
        keys = [tie_key(data, rule, o, lot_id) for o in group]
        if None in keys or len(set(keys)) == 1:
            continue  # this rule cannot compare them, or does not separate them
        parts: list[tuple[list[BidOutcome], str | None]] = []
        for key in sorted(set(keys)):
            members = sorted(
                (o for o, k in zip(group, keys, strict=True) if k == key), key=lambda o: o.bid.id
            )
            parts += split_tie(data, members, rules[n + 1 :], rule, lot_id)
        return parts
    return [(sorted(group, key=lambda o: o.bid.id), None)]


def rank_lot(
    data: EvaluationInput, lot_id: str, qualified: list[BidOutcome], outcomes: list[BidOutcome]
) -> list[tuple[int, list[str]]]:
    """Set rank and tie on the qualified bids; reorder ``outcomes`` for listing; return the
    ties the chain left (rank, bid ids)."""
    higher = data.method.method in HIGHER_IS_BETTER
    rules = list(data.method.tie_break)
    drawn = any(d.lot == lot_id and d.order for d in data.lottery)
    if drawn and "lottery" not in rules:
        rules.append("lottery")
    if not drawn and "lottery" in rules:
        rules.remove("lottery")
    figures: dict[str, Decimal] = {}
    for o in qualified:
        assert o.figure is not None
        figures[o.bid.id] = at_six_places(o.figure)
    distinct = sorted(set(figures.values()), reverse=higher)
    listing: list[BidOutcome] = []
    unresolved: list[tuple[int, list[str]]] = []
    position = 1
    for figure in distinct:
        group = sorted(
            (o for o in qualified if figures[o.bid.id] == figure), key=lambda o: o.bid.id
        )
        if len(group) == 1:
            group[0].rank = position
            listing.append(group[0])
            position += 1
            continue
        everyone = [o.bid.id for o in group]
        for members, rule in split_tie(data, group, rules, None, lot_id):
            ids = [o.bid.id for o in members]
            if len(members) > 1:
                unresolved.append((position, ids))
            for o in members:
                o.rank = position
                still = [i for i in ids if i != o.bid.id]
                o.tie = {
                    "rule": rule if rule and not still else "needs_lottery",
                    "tied_with": [i for i in everyone if i != o.bid.id],
                    "unresolved_with": still,
                }
                listing.append(o)
            position += len(members)
    listing += [o for o in outcomes if not o.qualified]  # already in id order
    outcomes[:] = listing
    return unresolved


def evaluate_reference(data: EvaluationInput) -> list[LotOutcome]:
    lots = sorted(data.lots, key=lambda lot: (lot.number, lot.id))
    result = []
    for lot in lots:
        outcomes, unresolved = evaluate_lot(data, lot.id)
        result.append(LotOutcome(lot.id, outcomes, unresolved))
    return result


# -- what a user sees -----------------------------------------------------------------------


def score_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.quantize(Decimal("0.0001"), ROUND_HALF_UP, CONTEXT), "f")
    return text.lstrip("-") if set(text) <= set("-0.") else text


def money_text(value: Decimal | None, currency: str) -> str | None:
    if value is None:
        return None
    quantum = Decimal(1) if currency in ZERO_DIGITS_CURRENCIES else Decimal("0.01")
    text = format(value.quantize(quantum, ROUND_HALF_UP, CONTEXT), "f")
    return text.lstrip("-") if set(text) <= set("-0.") else text


def project(data: EvaluationInput) -> dict[str, Any]:
    """The reference result as display texts (see ``project_engine`` in test_oracle)."""
    try:
        lots = evaluate_reference(data)
    except ReferenceError as exc:
        return {"error": exc.code}
    currency = data.currency
    money_figure = data.method.method not in HIGHER_IS_BETTER
    out_lots, ties = [], []
    for lot in lots:
        bids = []
        for o in lot.bids:
            bids.append(
                {
                    "bid": o.bid.id,
                    "qualified": o.qualified,
                    "reasons": [list(r) for r in o.reasons],
                    "criteria": [
                        {
                            "criterion": c.criterion.id,
                            "fulfilment": None
                            if c.fulfilment is None
                            else score_text(decimal_of(c.fulfilment)),
                            "points": score_text(c.points),
                            "money": money_text(c.money, currency),
                            "passed": c.passed,
                            "flagged": c.flagged,
                        }
                        for c in o.criteria
                    ],
                    "categories": {
                        k: money_text(v, currency) if money_figure else score_text(v)
                        for k, v in o.categories.items()
                    },
                    "price_score": score_text(o.price_score),
                    "total_score": None if money_figure else score_text(o.figure),
                    "comparison_price": money_text(o.figure, currency) if money_figure else None,
                    "rank": o.rank,
                    "tie_break": o.tie,
                }
            )
        out_lots.append({"lot": lot.lot_id, "bids": bids})
        ties += [{"lot": lot.lot_id, "rank": r, "bids": ids} for r, ids in lot.unresolved]
    return {"lots": out_lots, "unresolved_ties": ties}
