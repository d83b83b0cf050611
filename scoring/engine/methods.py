"""The evaluation: criteria per bid, qualification, the method's figure, ranking per lot.

Methods (DOMAIN.md, "Evaluation methods"), each figure unrounded until display:
- lowest_price: the price, lowest first;
- weighted_points: price weight x price score + sum(weight x fulfilment), highest first;
- added_value: comparison price = price - sum(V x f) (deduction), price + sum(V x (1 - f))
  (surcharge) or price x (1 + sum(p% x (1 - f))) (percent_surcharge), lowest first;
- value_for_money: sum(weight x f) per million of price, highest first; price 0 refused;
- lowest_cost: life-cycle cost - sum(V x f), lowest first.

How the sums are formed (decided, so that a result is the same to the last digit anywhere):
each criterion's points or money is added to its category's running sum in criterion order
(the lot's rule-scored criteria first, then its manual ones), and a bid's quality figure
(total points, deduction or surcharge) is the sum of its category figures in category-name
order. So the category profile adds up to the total exactly, in the engine's precision.
(percent_surcharge sums the criteria's rates in the same criterion order.)

How it is fast (bench/engine.py: 2,000 bids x 25 criteria): the hot loop runs criterion by
criterion over all bids of a lot (columns), with C calls (``map``, ``zip``, ``itemgetter``)
over lists instead of Python statements per bid. The outcome of a rule depends only on the
answer (of a manual criterion: only on the scores and who gave them), so each criterion
keeps, per distinct answer, the record, the amount and the fulfilment in plain dicts; a
criterion score then costs two dict lookups and one Decimal addition. New answers are
scored together, by a learner chosen for the criterion's rule and method (a linear rule's
answers are parsed, clamped and divided by one C call per step for all of them). Records
are tuples built from the full tuple of their fields, a rule-scored record shares its
criterion's explainer instead of holding a sentence, and the working data holds no
reference cycles: what is not returned is freed at once, and little is left for the
cyclic collector to traverse.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial, reduce
from itertools import chain, compress, count, groupby, islice, repeat
from operator import add, attrgetter, itemgetter, mul, ne, sub, truediv
from typing import Any

from scoring.engine import explain
from scoring.engine.decimal_context import HUNDRED, ONE, ZERO, engine_context
from scoring.engine.fulfilment import (
    NONE,
    AnswerError,
    Many,
    Ratio,
    compile_rule,
    compile_rule_many,
    manual_ratio,
    shown_value,
)
from scoring.engine.inputs import (
    Bid,
    Criterion,
    EngineInputError,
    EvaluationInput,
    Lot,
)
from scoring.engine.price import RELATIVE, annuity_factor, price_scorer
from scoring.engine.ranking import Contender, rank
from scoring.engine.results import (
    BidResult,
    CriterionResult,
    DisqualificationReason,
    EvaluationResult,
    LifeCycleCost,
    LotResult,
    ManualScoreShown,
    Money,
    SupplierRef,
    Text,
    UnresolvedTie,
)
from scoring.engine.rules import ChoiceRule, ManualRule

ENGINE_VERSION = "1.0.0"

HIGHER_IS_BETTER = {
    "lowest_price": False,
    "weighted_points": True,
    "added_value": False,
    "value_for_money": True,
    "lowest_cost": False,
}
MILLION = Decimal(1_000_000)
_FAST_KINDS = ("points", "deduction", "surcharge")

# A record (a NamedTuple) built from the full tuple of its fields in one call, without the
# generated keyword ``__new__``: the scoring loop builds thousands. Every use passes all
# fields in field order (a test checks every record of every method against its fields).
_record = tuple.__new__

# The manual-score key of a bid nobody has scored: (consensus score, evaluator scores).
NO_SCORES: tuple[Decimal | None, tuple[tuple[str, Decimal], ...]] = (None, ())


@dataclass(slots=True, frozen=True)
class PercentPending:
    """A percent_surcharge criterion result waiting for the bid's price."""

    base: dict[str, Any]
    head: explain.HeadText
    fulfilment: Decimal
    rate: Decimal
    percent: Decimal
    currency: str

    @property
    def flagged(self) -> bool:
        return bool(self.base.get("flagged"))

    def finish(self, price: Decimal) -> tuple[CriterionResult, Decimal]:
        money = price * self.rate
        text = explain.percent_text(
            self.head, self.fulfilment, self.percent, price, money, self.currency
        )
        result = CriterionResult(
            **self.base, money=Money(amount=money, currency=self.currency), text=text
        )
        return result, money


# (criterion result, contribution, disqualification reason, fulfilment)
Outcome = tuple[
    CriterionResult | PercentPending, Decimal | None, DisqualificationReason | None, Decimal
]


@dataclass(slots=True)
class CompiledCriterion:
    """A criterion prepared once per evaluation: its rule function, words and what it has
    learnt so far, per key (the answer; for a manual criterion, its scores)."""

    criterion: Criterion
    index: int
    words: explain.CriterionWords
    scorer: Callable[[Any], Ratio] | None
    manual: ManualRule | None
    contributes: str | None  # points | deduction | surcharge | percent | None
    factor: Decimal
    pass_ratio: tuple[Decimal, Decimal]
    records: dict[Any, Any] = field(default_factory=dict)  # key -> record (or PercentPending)
    amounts: dict[Any, Decimal | None] = field(default_factory=dict)  # key -> points/money/rate
    fulfilments: dict[Any, Decimal] = field(default_factory=dict)  # key -> fulfilment
    failing: dict[Any, DisqualificationReason] = field(default_factory=dict)  # requirements
    missing: set[Any] = field(default_factory=set)  # manual keys without the needed scores
    flagged: set[Any] = field(default_factory=set)  # manual keys whose scores spread too much
    learner: str = "outcome"  # how new keys are scored: see _Evaluation._learner
    many: Many | None = None  # answers -> fulfilment ratios at once (rule-scored criteria)
    is_choice: bool = False
    explainer: explain.AnswerExplainer | None = None  # shared by its rule-scored records


@dataclass(slots=True)
class BidWork:
    """One qualified bid's figures, for the sensitivity analysis (first and second)."""

    bid: Bid
    figure: Decimal | None
    quality: Decimal
    price_score: Decimal | None


@dataclass(slots=True)
class _LotSpec:
    """A lot's criteria laid out for the hot loop: (slot, criterion, answer from the bid?,
    response key or profile field, category, code if a tie-break names it)."""

    size: int
    plain: list[tuple[int, CompiledCriterion, bool, str, str, str | None]]
    manual: list[tuple[int, CompiledCriterion, bool, str, str, str | None]]


@dataclass(slots=True)
class _Columns:
    """A lot's running figures while its criteria are scored, one entry per bid."""

    columns: list[Any]  # slot -> the criterion's records, one per bid
    reasons: dict[int, list[DisqualificationReason]]  # bid index -> why it is disqualified
    sums: dict[str, list[Decimal]]  # category -> points or money per bid
    rates: list[Decimal] | None  # percent_surcharge: the sum of rates per bid
    by_code: dict[str, list[Decimal]]  # tie-break criterion code -> fulfilment per bid


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


def _contribution_kind(data: EvaluationInput, criterion: Criterion) -> str | None:
    if criterion.kind != "award":
        return None
    method = data.method.method
    if method in ("weighted_points", "value_for_money"):
        return "points"
    if method == "added_value":
        return {"deduction": "deduction", "surcharge": "surcharge"}.get(
            data.method.effective_mode, "percent"
        )
    if method == "lowest_cost":
        return "deduction"
    return None


def _compile(data: EvaluationInput) -> list[CompiledCriterion]:
    compiled = []
    for index, criterion in enumerate(data.criteria):
        rule = criterion.rule
        kind = _contribution_kind(data, criterion)
        factor = {
            "points": criterion.weight,
            "deduction": criterion.value,
            "surcharge": criterion.value,
            "percent": criterion.percent,
        }.get(kind or "")
        compiled.append(
            CompiledCriterion(
                criterion=criterion,
                index=index,
                words=explain.CriterionWords(criterion),
                scorer=None if isinstance(rule, ManualRule) else compile_rule(rule),
                many=None if isinstance(rule, ManualRule) else compile_rule_many(rule),
                is_choice=isinstance(rule, ChoiceRule),
                manual=rule if isinstance(rule, ManualRule) else None,
                contributes=kind,
                factor=factor if factor is not None else ZERO,
                pass_ratio=(
                    Decimal(criterion.pass_fulfilment.numerator),
                    Decimal(criterion.pass_fulfilment.denominator),
                ),
            )
        )
    return compiled


def _remember(cc: CompiledCriterion, key: Any, outcome: Outcome) -> None:
    record, amount, reason, fulfilment = outcome
    cc.records[key] = record
    cc.amounts[key] = amount
    cc.fulfilments[key] = fulfilment
    if reason is not None:
        cc.failing[key] = reason


def _manual_keys(data: EvaluationInput) -> tuple[list[Any], dict[str, dict[str, int]]]:
    """What a manual criterion's outcome for a bid depends on: (consensus score or None,
    ((evaluator, score), ... by evaluator)). Returns the distinct keys (0: no scores at all)
    and criterion -> bid -> the number of its key, so that the scoring loop looks outcomes
    up by a small int."""
    # the scores, (bid, criterion, evaluator, score) tuples, sorted (one pass when the input
    # is in this order already, as snapshots are): each item's scores are then together and
    # by evaluator (an evaluator scores an item once)
    rows = sorted(data.scores)
    consensus = dict(
        zip(map(itemgetter(0, 1), data.consensus), map(itemgetter(2), data.consensus), strict=True)
    )
    items = list(map(itemgetter(0, 1), rows))
    size = len(rows)
    starts = [0, *compress(range(1, size), map(ne, items, islice(items, 1, None)))] if rows else []
    each = size // len(starts) if starts else 0
    # an item's key, flat: (consensus, evaluator, score, evaluator, score, ...)
    flat: list[tuple[Any, ...]]
    if starts and starts == list(range(0, size, each)) and each * len(starts) == size:
        # every item has as many scores (every evaluator scored every item): the keys are
        # built by C calls, a column per position in the item's scores
        evaluators, values = list(map(itemgetter(2), rows)), list(map(itemgetter(3), rows))
        columns = [column[j::each] for j in range(each) for column in (evaluators, values)]
        grouped = items[::each]
        flat = list(zip(map(consensus.get, grouped), *columns, strict=True))
    else:
        grouped, flat = [], []
        pair = itemgetter(2, 3)
        for item, group in groupby(rows, itemgetter(0, 1)):
            grouped.append(item)
            flat.append((consensus.get(item), *chain.from_iterable(map(pair, group))))
    if consensus:
        scored = set(grouped)
        for item, score in consensus.items():
            if item not in scored:
                grouped.append(item)
                flat.append((score,))
    distinct = dict.fromkeys(flat)
    number_of = {key: n for n, key in enumerate(distinct, 1)}
    keys: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (bid_id, criterion_id), number in zip(
        grouped, map(number_of.__getitem__, flat), strict=True
    ):
        keys[criterion_id][bid_id] = number
    return [NO_SCORES, *((k[0], tuple(zip(k[1::2], k[2::2], strict=True))) for k in distinct)], keys


class _Evaluation:
    def __init__(self, data: EvaluationInput) -> None:
        self.data = data
        self.config = data.method
        self.method = data.method.method
        self.currency = data.currency
        self.compiled = _compile(data)
        for cc in self.compiled:
            cc.learner = self._learner(cc)
        self.tie_codes = {
            rule.removeprefix("criterion:")
            for rule in self.config.tie_break
            if rule.startswith("criterion:")
        }
        # manual criteria: the distinct score keys, and criterion -> bid -> key number
        self.manual_key, self.manual_keys = _manual_keys(data)
        self.shown_scores: dict[tuple[str, Decimal], ManualScoreShown] = {}
        self.missing: list[dict[str, str]] = []
        self.flagged: list[dict[str, str]] = []
        if self.method == "lowest_cost":
            assert self.config.discount_rate is not None and self.config.lifetime_years
            self.annuity, self.final_discount = annuity_factor(
                self.config.discount_rate, self.config.lifetime_years
            )

    # -- one criterion, one answer --------------------------------------------------------

    @staticmethod
    def _learner(cc: CompiledCriterion) -> str:
        """How a criterion's new answers are scored (see ``_learn``).

        An award criterion scored by its rule into points, a deduction or a surcharge (the
        common case) gets a lean loop that builds the same records as ``_outcome``; every
        other case goes through ``_outcome`` (or ``_manual_outcome``)."""
        if cc.manual is not None:
            return "manual"
        if cc.scorer is None or cc.criterion.kind != "award" or cc.contributes not in _FAST_KINDS:
            return "outcome"
        return "award"

    def _learn(self, cc: CompiledCriterion, keys: list[Any], bids: list[Bid]) -> None:
        """Score the keys the criterion has not met yet, in the order the bids first give
        them (so an answer the rule cannot read is reported for the first bid that gave
        it). (No function that refers to the evaluation is kept on the criterion: that
        would make a reference cycle, freed only by the cyclic collector.)"""
        known = cc.records
        new = [key for key in dict.fromkeys(keys) if key not in known]

        def bid_of(key: Any) -> Bid:
            return bids[keys.index(key)]

        learner = cc.learner
        if learner == "award":
            self._learn_award(cc, new, bid_of)
        elif learner == "manual":
            self._learn_scores(cc, new)
        else:
            for answer in new:
                _remember(cc, answer, self._outcome(cc, answer, bid_of))

    def _learn_award(
        self, cc: CompiledCriterion, answers: list[Any], bid_of: Callable[[Any], Bid]
    ) -> None:
        """Records for an award criterion's new answers, as ``_outcome`` builds them, built
        for all answers at once (each step one C call over the list); an answer that the
        fast path does not take (None, or one the rule cannot read) goes one by one."""
        assert cc.many is not None
        ratios = cc.many([a for a in answers if a is not None]) if answers else None
        if ratios is None:
            self._learn_each(cc, answers, bid_of)
            return
        if None in answers:
            self._learn_each(cc, [None], bid_of)
            answers = [a for a in answers if a is not None]
        nums, dens = ratios
        criterion, factor = cc.criterion, cc.factor
        explainer = self._explainer(cc)
        fulfilments = list(map(truediv, nums, dens))
        points: Any = repeat(None)
        moneys: Any = repeat(None)
        if cc.contributes == "points":
            amounts = points = list(map(truediv, map(mul, repeat(factor), nums), dens))
        else:
            gained = nums if cc.contributes == "deduction" else map(sub, dens, nums)
            amounts = list(map(truediv, map(mul, repeat(factor), gained), dens))
            moneys = map(partial(_record, Money), zip(amounts, repeat(self.currency)))
        records = map(
            partial(_record, CriterionResult),
            zip(repeat(criterion.id), repeat(criterion.code), repeat("award"),
                repeat(criterion.category), answers, fulfilments, repeat(explainer), points,
                moneys, repeat(None), repeat(False), repeat(None), repeat(())),
        )  # fmt: skip
        cc.records.update(zip(answers, records, strict=True))
        cc.amounts.update(zip(answers, amounts, strict=True))
        cc.fulfilments.update(zip(answers, fulfilments, strict=True))

    def _learn_each(
        self, cc: CompiledCriterion, answers: list[Any], bid_of: Callable[[Any], Bid]
    ) -> None:
        """``_learn_award`` one answer at a time (and the error for one it cannot read)."""
        criterion, scorer, factor = cc.criterion, cc.scorer, cc.factor
        assert scorer is not None
        currency, kind = self.currency, cc.contributes
        explainer = self._explainer(cc)
        ident, code, category = criterion.id, criterion.code, criterion.category
        for answer in answers:
            if answer is None:
                num, den = NONE
            else:
                try:
                    num, den = scorer(answer)
                except AnswerError as exc:
                    raise self._unreadable(cc, answer, bid_of, exc) from None
            value = str(answer) if answer.__class__ is int else answer
            fulfilment = num / den
            if kind == "points":
                amount = factor * num / den
                record = (ident, code, "award", category, value, fulfilment, explainer, amount,
                          None, None, False, None, ())  # fmt: skip
            else:
                amount = factor * (num if kind == "deduction" else den - num) / den
                record = (ident, code, "award", category, value, fulfilment, explainer, None,
                          _record(Money, (amount, currency)), None, False, None, ())  # fmt: skip
            cc.records[answer] = _record(CriterionResult, record)
            cc.amounts[answer] = amount
            cc.fulfilments[answer] = fulfilment

    def _explainer(self, cc: CompiledCriterion) -> explain.AnswerExplainer:
        if cc.explainer is None:
            if cc.contributes == "points":
                write, currency = explain.points_for_answer, None
            elif cc.contributes == "deduction":
                write, currency = explain.deduction_for_answer, self.currency
            else:
                write, currency = explain.surcharge_for_answer, self.currency
            cc.explainer = explain.AnswerExplainer(write, cc.words, cc.is_choice, currency)
        return cc.explainer

    def _learn_scores(self, cc: CompiledCriterion, numbers: list[int]) -> None:
        for key in numbers:
            outcome = self._manual_outcome(cc, self.manual_key[key])
            if outcome is None:  # the needed scores are missing: reported per bid
                cc.missing.add(key)
                contribution = ZERO if cc.contributes is not None else None
                outcome = (self._unscored(cc), contribution, None, ZERO)
            elif outcome[0].flagged:
                cc.flagged.add(key)
            _remember(cc, key, outcome)

    def _unreadable(
        self, cc: CompiledCriterion, answer: Any, bid_of: Callable[[Any], Bid], exc: AnswerError
    ) -> EngineInputError:
        bid = bid_of(answer)
        criterion = cc.criterion
        return EngineInputError(
            "invalid_response",
            f"bid {bid.id} answered criterion {criterion.code} with something its rule "
            f"cannot read: {exc.message}",
            {"bid": bid.id, "criterion": criterion.id, "code": criterion.code},
        )

    def _outcome(self, cc: CompiledCriterion, answer: Any, bid_of: Callable[[Any], Bid]) -> Outcome:
        """The outcome of one answer; ``bid_of(answer)`` is the first bid that gave it
        (asked only to report an answer the rule cannot read)."""
        criterion, words = cc.criterion, cc.words
        value = shown_value(answer)
        is_choice = isinstance(criterion.rule, ChoiceRule)
        if criterion.kind == "contract_condition":
            value_en, value_sv = words.value_text(value, is_choice)
            result = CriterionResult(
                criterion=criterion.id,
                code=criterion.code,
                kind=criterion.kind,
                category=criterion.category,
                value=value,
                fulfilment=None,
                text=explain.contract_condition_text(words, value_en, value_sv),
            )
            return result, None, None, ZERO
        head = explain.Head(words, value, is_choice)
        if answer is None:
            ratio = NONE
        else:
            assert cc.scorer is not None
            try:
                ratio = cc.scorer(answer)
            except AnswerError as exc:
                raise self._unreadable(cc, answer, bid_of, exc) from None
        return self._rated(cc, ratio, value, head, answer is None)

    def _rated(
        self,
        cc: CompiledCriterion,
        ratio: Ratio,
        value: bool | str | None,
        head: explain.HeadText,
        unanswered: bool,
        *,
        manual: dict[str, Any] | None = None,
    ) -> Outcome:
        criterion, words = cc.criterion, cc.words
        num, den = ratio
        fulfilment = num / den
        kind = cc.contributes
        if manual is None and kind is not None and kind != "percent":  # the common case, lean
            ident = (criterion.id, criterion.code, "award", criterion.category, value, fulfilment)
            if kind == "points":
                points = cc.factor * num / den
                text = explain.points_text(words, head, fulfilment, points)
                return CriterionResult(*ident, text, points), points, None, fulfilment
            money = cc.factor * (num if kind == "deduction" else den - num) / den
            make = explain.deduction_text if kind == "deduction" else explain.surcharge_text
            text = make(words, head, fulfilment, money, self.currency)
            result = CriterionResult(*ident, text, None, Money(money, self.currency))
            return result, money, None, fulfilment
        base: dict[str, Any] = {
            "criterion": criterion.id,
            "code": criterion.code,
            "kind": criterion.kind,
            "category": criterion.category,
            "value": value,
            "fulfilment": fulfilment,
            **(manual or {}),
        }
        if criterion.kind == "requirement":
            pass_num, pass_den = cc.pass_ratio
            passed = not unanswered and num * pass_den >= pass_num * den
            required = explain.ratio_text(criterion.pass_fulfilment)
            if unanswered:
                text = explain.not_answered_requirement(head)
            else:
                text = explain.requirement_text(head, fulfilment, required, passed)
            reason = None
            if not passed:
                reason = DisqualificationReason(
                    criterion=criterion.id,
                    code="requirement_not_answered" if unanswered else "requirement_not_met",
                    message=Text(
                        en=f"Requirement {criterion.code} not met. {text.en}",
                        sv=f"Kravet {criterion.code} är inte uppfyllt. {text.sv}",
                    ),
                )
            result = CriterionResult(**base, passed=passed, text=text)
            return result, None, reason, fulfilment
        if kind == "points":
            points = cc.factor * num / den
            text = explain.points_text(words, head, fulfilment, points)
            return (
                CriterionResult(**base, points=points, text=text),
                points,
                None,
                fulfilment,
            )
        if kind in ("deduction", "surcharge"):
            money = cc.factor * (num if kind == "deduction" else den - num) / den
            make = explain.deduction_text if kind == "deduction" else explain.surcharge_text
            text = make(words, head, fulfilment, money, self.currency)
            result = CriterionResult(
                **base, money=Money(amount=money, currency=self.currency), text=text
            )
            return result, money, None, fulfilment
        if kind == "percent":
            rate = cc.factor * (den - num) / (den * HUNDRED)
            # the money depends on the bid's price: finished per bid
            pending = PercentPending(base, head, fulfilment, rate, cc.factor, self.currency)
            return pending, rate, None, fulfilment
        text = explain.unscored_text(head, fulfilment)
        return CriterionResult(**base, text=text), None, None, fulfilment

    def ratio_for(self, cc: CompiledCriterion, bid: Bid) -> Ratio | None:
        """The exact fulfilment of one criterion for one bid (None: contract condition, or
        manual scores missing). Used where exactness matters more than speed (sensitivity)."""
        if cc.criterion.kind == "contract_condition":
            return None
        criterion = cc.criterion
        if cc.manual is not None:
            number = self.manual_keys.get(criterion.id, {}).get(bid.id, 0)
            return self._manual_ratio(cc, self.manual_key[number])
        if criterion.source == "bid":
            answer = bid.responses.get(criterion.id)
        else:
            answer = bid.supplier.profile.get(criterion.profile_field or "")
        if answer is None or cc.scorer is None:
            return NONE
        return cc.scorer(answer)

    def _manual_ratio(self, cc: CompiledCriterion, key: Any) -> Ratio | None:
        assert cc.manual is not None
        consensus, scores = key
        if self.config.aggregation == "consensus":
            return None if consensus is None else (consensus, Decimal(cc.manual.scale_max))
        if not scores:
            return None
        return manual_ratio([s for _, s in scores], self.config.aggregation, cc.manual.scale_max)

    def _manual_outcome(self, cc: CompiledCriterion, key: Any) -> Outcome | None:
        """The outcome of a manual criterion for its key (consensus, evaluator scores), or
        None when the scores the aggregation needs are missing."""
        rule = cc.manual
        assert rule is not None
        aggregation = self.config.aggregation
        ratio = self._manual_ratio(cc, key)
        if ratio is None:
            return None
        evaluator_scores = key[1]
        count = 1 if aggregation == "consensus" else len(evaluator_scores)
        spread = None
        flagged = False
        if len(evaluator_scores) >= 2:
            values = [s for _, s in evaluator_scores]
            spread = (max(values) - min(values)) / Decimal(rule.scale_max)
            flagged = spread > self.config.spread_threshold
        aggregate = ratio[0] * rule.scale_max / ratio[1]
        shown = explain.normalised(aggregate)
        # (evaluator, score) records shared by every item with the same pair
        shown_pairs = self.shown_scores
        scores_shown = tuple(
            shown_pairs.get(pair) or shown_pairs.setdefault(pair, _record(ManualScoreShown, pair))
            for pair in evaluator_scores
        )
        criterion, kind = cc.criterion, cc.contributes
        if kind in _FAST_KINDS and criterion.kind == "award":  # the common case, lean
            num, den = ratio
            fulfilment = num / den
            money: Money | None = None
            if kind == "points":
                amount = points = cc.factor * num / den
            else:
                points = None
                amount = cc.factor * (num if kind == "deduction" else den - num) / den
                money = _record(Money, (amount, self.currency))
            text = Text.deferred(
                explain.manual_award,
                cc.words,
                kind,
                aggregation,
                count,
                aggregate,
                rule.scale_max,
                spread if flagged else None,
                fulfilment,
                amount,
                self.currency,
            )
            record = _record(
                CriterionResult,
                (criterion.id, criterion.code, "award", criterion.category, shown, fulfilment,
                 text, points, money, None, flagged, spread, scores_shown),
            )  # fmt: skip
            return record, amount, None, fulfilment
        head = explain.manual_head(cc.words, aggregation, count, aggregate, rule.scale_max)
        if flagged:
            assert spread is not None
            head = explain.flagged_head(head, spread)
        extra = {"flagged": flagged, "spread": spread, "evaluator_scores": scores_shown}
        return self._rated(cc, ratio, shown, head, False, manual=extra)

    # -- one lot --------------------------------------------------------------------------

    def _score_lot(self, bids: list[Bid], spec: _LotSpec) -> _Columns:
        """Every criterion of the lot for every bid: the engine's hot loop (see the module
        docstring). Criterion by criterion (columns), so most of the work is ``map`` over
        lists: a known answer costs two dict lookups and one Decimal addition."""
        responses = [bid.responses for bid in bids]
        profiles: list[dict[str, Any]] | None = None
        prices = [bid.price for bid in bids]
        cols = _Columns(columns=[()] * spec.size, reasons={}, sums={}, rates=None, by_code={})
        # the answers to the criteria read from the bid, each bid's responses read once
        # (one C call per bid) when every bid answered all of them, else per criterion
        asked = [field_name for _, _, from_bid, field_name, _, _ in spec.plain if from_bid]
        read: dict[str, Any] = {}
        if len(asked) > 1 and responses:
            try:
                rows = map(itemgetter(*asked), responses)
                read = dict(zip(asked, zip(*rows, strict=True), strict=True))
            except KeyError:
                read = {}
        for slot, cc, from_bid, field_name, category, tie_code in spec.plain:
            # answers are texts, true/false or None (inputs hold no other kinds), so an
            # answer is its own key: no two kinds compare equal
            if from_bid:
                given = read.get(field_name)
                answers = (
                    given
                    if given is not None
                    else list(map(dict.get, responses, repeat(field_name)))
                )
            else:
                if profiles is None:
                    profiles = [bid.supplier.profile for bid in bids]
                answers = list(map(dict.get, profiles, repeat(field_name)))
            records = cc.records
            try:
                column = list(map(records.__getitem__, answers))
            except KeyError:
                self._learn(cc, answers, bids)
                column = list(map(records.__getitem__, answers))
            self._fold(cc, answers, column, slot, category, tie_code, prices, cols)
        if spec.manual:
            # a bid disqualified by a rule-scored requirement needs no manual scores
            disqualified = set(cols.reasons)
            bid_ids = [bid.id for bid in bids]
        for slot, cc, _, _, category, tie_code in spec.manual:
            criterion = cc.criterion
            keys = list(map(self.manual_keys.get(criterion.id, {}).get, bid_ids, repeat(0)))
            records = cc.records
            try:
                column = list(map(records.__getitem__, keys))
            except KeyError:
                self._learn(cc, keys, bids)
                column = list(map(records.__getitem__, keys))
            if cc.missing:
                for i in compress(count(), map(cc.missing.__contains__, keys)):
                    if i not in disqualified:
                        self.missing.append(
                            {"bid": bid_ids[i], "criterion": criterion.id, "code": criterion.code}
                        )
            if cc.flagged:
                self.flagged.extend(
                    {"bid": bid_ids[i], "criterion": criterion.id}
                    for i in compress(count(), map(cc.flagged.__contains__, keys))
                )
            self._fold(cc, keys, column, slot, category, tie_code, prices, cols)
        return cols

    @staticmethod
    def _fold(
        cc: CompiledCriterion,
        keys: list[Any],
        column: list[Any],
        slot: int,
        category: str,
        tie_code: str | None,
        prices: list[Decimal],
        cols: _Columns,
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
            cols.sums[category] = (
                list(amounts) if running is None else list(map(add, running, amounts))
            )
        elif cc.failing:
            failing = cc.failing
            reasons = cols.reasons
            for i in compress(count(), map(failing.__contains__, keys)):
                found = reasons.get(i)
                if found is None:
                    reasons[i] = [failing[keys[i]]]
                else:
                    found.append(failing[keys[i]])
        cols.columns[slot] = column
        if tie_code is not None:
            cols.by_code[tie_code] = list(map(cc.fulfilments.__getitem__, keys))

    def _unscored(self, cc: CompiledCriterion) -> CriterionResult:
        criterion = cc.criterion
        return CriterionResult(
            criterion=criterion.id,
            code=criterion.code,
            kind=criterion.kind,
            category=criterion.category,
            value=None,
            fulfilment=None,
            text=explain.disqualified_unscored(cc.words),
        )

    def _lot(self, lot: Lot, bids: list[Bid]) -> LotWork:
        criteria = [
            cc for cc in self.compiled if cc.criterion.lot is None or cc.criterion.lot == lot.id
        ]
        spec = _LotSpec(size=len(criteria), plain=[], manual=[])
        for slot, cc in enumerate(criteria):
            c = cc.criterion
            entry = (
                slot,
                cc,
                c.source == "bid",
                c.id if c.source == "bid" else (c.profile_field or ""),
                c.category,
                c.code if c.code in self.tie_codes else None,
            )
            (spec.manual if cc.manual is not None else spec.plain).append(entry)
        cols = self._score_lot(bids, spec)
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
        self._figures(work)
        return work

    def _figures(self, work: LotWork) -> None:
        method = self.method
        bids, quality, figures = work.bids, work.quality, work.figures
        qualified = work.qualified
        if method == "weighted_points":
            assert self.config.price_weight is not None
            weight = self.config.price_weight
            scorer = price_scorer(
                self.config, [bids[i].price for i in qualified], [bids[i].id for i in qualified]
            )
            scores = list(map(scorer, [bids[i].price for i in qualified]))
            points = list(map(mul, repeat(weight), scores))
            totals = list(map(add, points, map(quality.__getitem__, qualified)))
            # the price points go into each qualified bid's category profile
            deque(map(dict.__setitem__, map(work.categories.__getitem__, qualified),
                      repeat("price"), points), maxlen=0)  # fmt: skip
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
            mode = self.config.effective_mode
            for i in qualified:
                price = bids[i].price
                if mode == "deduction":
                    figures[i] = price - quality[i]
                elif mode == "surcharge":
                    figures[i] = price + quality[i]
                else:
                    figures[i] = price * (ONE + quality[i])
        else:
            co2_price = self.config.co2_price_per_tonne or ZERO
            currency = self.currency

            def money(amount: Decimal) -> Money:
                return Money(amount=amount, currency=currency)

            for i in qualified:
                cost = bids[i].cost
                assert cost is not None
                operating = cost.annual_operating_cost * self.annuity
                external = cost.annual_co2e_tonnes * co2_price * self.annuity
                end_of_life = cost.end_of_life_cost * self.final_discount
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

    def _rank(self, work: LotWork) -> list[tuple[int, tuple[str, ...]]]:
        bids, qualified, figures = work.bids, work.qualified, work.figures
        draw = next((d.order for d in self.data.lottery if d.lot == work.lot.id), None)
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
            [figures[i] if figures[i] is not None else ZERO for i in qualified],
            contender,
            higher_is_better=HIGHER_IS_BETTER[self.method],
            chain=self.config.tie_break,
            lottery_order=draw,
        )
        work.shown = dict(zip(qualified, ranking.shown, strict=True))
        placements = ranking.placements
        order = work.order = list(map(qualified.__getitem__, map(itemgetter(0), placements)))
        money_figure = not HIGHER_IS_BETTER[self.method]
        currency = self.currency
        reasons = work.reasons
        out = sorted(reasons, key=lambda i: bids[i].id)  # the disqualified, by id
        placed = order + out
        size, ranked_count = len(placed), len(order)
        placed_bids = list(map(bids.__getitem__, placed))
        suppliers = map(attrgetter("supplier"), placed_bids)
        money = partial(_record, Money)
        figures_placed = [*map(figures.__getitem__, order), *repeat(None, len(out))]
        if money_figure:
            totals: Any = repeat(None, size)
            comparisons: Any = [
                *map(money, zip(figures_placed[:ranked_count], repeat(currency))),
                *repeat(None, len(out)),
            ]
        else:
            totals, comparisons = figures_placed, repeat(None, size)
        # the records, each in field order (bid, supplier, lot, qualified, price, categories,
        # categories_unit, criteria, disqualification_reasons, comparison_price, total_score,
        # price_score, rank, tie_break, lcc): built by C calls, 2,000 per large lot
        work.ranked = list(
            map(
                partial(_record, BidResult),
                zip(
                    map(attrgetter("id"), placed_bids),
                    map(partial(_record, SupplierRef), map(attrgetter("id", "name"), suppliers)),
                    map(attrgetter("lot"), placed_bids),
                    [*repeat(True, ranked_count), *repeat(False, len(out))],
                    map(money, zip(map(attrgetter("price"), placed_bids), repeat(currency))),
                    map(work.categories.__getitem__, placed),
                    repeat("money" if money_figure else "points", size),
                    map(work.rows.__getitem__, placed),
                    [*repeat((), ranked_count), *(tuple(reasons[i]) for i in out)],
                    comparisons,
                    totals,
                    map(work.price_scores.__getitem__, placed),
                    [*map(itemgetter(1), placements), *repeat(None, len(out))],
                    [*map(itemgetter(2), placements), *repeat(None, len(out))],
                    map(work.lcc.__getitem__, placed),
                    strict=True,
                ),
            )
        )
        return ranking.unresolved

    def run(self) -> tuple[EvaluationResult, list[LotWork]]:
        by_lot: dict[str, list[Bid]] = defaultdict(list)
        for bid in sorted(self.data.bids, key=attrgetter("id")):
            by_lot[bid.lot].append(bid)
        lots = sorted(self.data.lots, key=lambda lot: (lot.number, lot.id))
        works = [self._lot(lot, by_lot.get(lot.id, [])) for lot in lots]
        if self.missing:
            first = self.missing[0]
            raise EngineInputError(
                "missing_manual_scores",
                f"bid {first['bid']} has no {self._needed_score()} on manual criterion "
                f"{first['code']}"
                + (f" (and {len(self.missing) - 1} more items)" if len(self.missing) > 1 else ""),
                {"missing": self.missing},
            )
        unresolved: list[UnresolvedTie] = []
        for work in works:
            for shared_rank, ids in self._rank(work):
                unresolved.append(UnresolvedTie(lot=work.lot.id, rank=shared_rank, bids=ids))
        price_kind = None
        if self.method == "weighted_points":
            price_kind = (
                "relative" if self.config.effective_price_scoring in RELATIVE else "absolute"
            )
        result = EvaluationResult(
            engine_version=ENGINE_VERSION,
            method=self.method,
            mode=self.config.effective_mode if self.method == "added_value" else None,
            price_scoring=(
                self.config.effective_price_scoring if self.method == "weighted_points" else None
            ),
            price_scoring_kind=price_kind,
            currency=self.currency,
            lots=tuple(
                LotResult.model_construct(  # the records are built here, not parsed
                    lot=w.lot.id, number=w.lot.number, title=w.lot.title, bids=tuple(w.ranked)
                )
                for w in works
            ),
            unresolved_ties=tuple(unresolved),
        )
        return result, works

    def _needed_score(self) -> str:
        if self.config.aggregation == "consensus":
            return "consensus score"
        return "evaluator score"


def evaluate_core(data: EvaluationInput) -> tuple[EvaluationResult, list[LotWork], _Evaluation]:
    """Score, qualify and rank (no warnings or sensitivity); inside the engine context."""
    evaluation = _Evaluation(data)
    result, works = evaluation.run()
    return result, works, evaluation


def evaluate(data: EvaluationInput) -> EvaluationResult:
    """Evaluate one tender: pure, deterministic, exact. See the package docstring."""
    from scoring.engine.checks import warnings_for
    from scoring.engine.sensitivity import sensitivity_for

    with engine_context():
        result, works, evaluation = evaluate_core(data)
        warnings = warnings_for(data, works, evaluation.flagged)
        sensitivity = sensitivity_for(data, works, evaluation.ratio_for)
        return result.model_copy(update={"warnings": warnings, "sensitivity": sensitivity})
