"""The evaluation: criteria per bid, qualification, the method's figure, ranking per lot.

Methods (DOMAIN.md, "Evaluation methods"), each figure unrounded until display:
- lowest_price: the price, lowest first;
- weighted_points: price weight x price score + sum(weight x fulfilment), highest first;
- added_value: comparison price = price - sum(V x f) (deduction), price + sum(V x (1 - f))
  (surcharge) or price x (1 + sum(p% x (1 - f))) (percent_surcharge), lowest first;
- value_for_money: sum(weight x f) per million of price, highest first; price 0 refused;
- lowest_cost: life-cycle cost - sum(V x f), lowest first.

The hot loop reads each criterion's answer, and looks its outcome up in a per-criterion memo
keyed by the answer (the outcome of a rule depends only on the answer), so most criterion
scores cost a dict lookup and two Decimal additions; a new answer is scored once by the
criterion's precompiled rule function.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from operator import add
from typing import Any

from scoring.engine import explain
from scoring.engine.decimal_context import HUNDRED, ONE, ZERO, engine_context
from scoring.engine.fulfilment import (
    NONE,
    AnswerError,
    Ratio,
    compile_rule,
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
            **self.base, money=Money(amount=money, currency=self.currency), explanation=text
        )
        return result, money


# (criterion result, contribution, disqualification reason, fulfilment)
Outcome = tuple[
    CriterionResult | PercentPending, Decimal | None, DisqualificationReason | None, Decimal
]


@dataclass(slots=True)
class CompiledCriterion:
    """A criterion prepared once per evaluation: its rule function, words and memo."""

    criterion: Criterion
    index: int
    words: explain.CriterionWords
    scorer: Callable[[Any], Ratio] | None
    manual: ManualRule | None
    contributes: str | None  # points | deduction | surcharge | percent | None
    factor: Decimal
    pass_ratio: tuple[Decimal, Decimal]
    memo: dict[Any, Outcome] = field(default_factory=dict)
    # answer -> outcome for the common case (an award criterion scored by its rule into
    # points or money), or None on an answer the rule cannot read; see ``_fast_outcome``
    fast: Callable[[Any], Outcome | None] | None = None


@dataclass(slots=True)
class BidWork:
    bid: Bid
    results: tuple[CriterionResult, ...]
    reasons: list[DisqualificationReason]
    quality: Decimal
    categories: dict[str, Decimal]
    fulfilment_by_code: dict[str, Decimal]
    qualified: bool = True
    figure: Decimal | None = None
    price_score: Decimal | None = None
    lcc: LifeCycleCost | None = None


@dataclass(slots=True)
class _LotSpec:
    """A lot's criteria laid out for the hot loop: (slot, criterion, answer from the bid?,
    response key or profile field, category, code if a tie-break names it)."""

    size: int
    categories: dict[str, Decimal]
    plain: list[tuple[int, CompiledCriterion, bool, str, str, str | None]]
    manual: list[tuple[int, CompiledCriterion, bool, str, str, str | None]]


@dataclass(slots=True)
class LotWork:
    lot: Lot
    criteria: list[CompiledCriterion]
    bids: list[BidWork]
    price_scorer: Callable[[Decimal], Decimal] | None = None
    ranked: list[BidResult] = field(default_factory=list)


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


class _Evaluation:
    def __init__(self, data: EvaluationInput) -> None:
        self.data = data
        self.config = data.method
        self.method = data.method.method
        self.currency = data.currency
        self.compiled = _compile(data)
        for cc in self.compiled:
            cc.fast = self._fast_outcome(cc)
        self.tie_codes = {
            rule.removeprefix("criterion:")
            for rule in self.config.tie_break
            if rule.startswith("criterion:")
        }
        scores: dict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
        for item in data.scores:
            scores[(item.bid, item.criterion)].append((item.evaluator, item.score))
        # (bid, criterion) -> ((evaluator, score), ...) by evaluator
        self.scores: dict[tuple[str, str], tuple[tuple[str, Decimal], ...]] = {
            key: tuple(sorted(values)) for key, values in scores.items()
        }
        self.consensus = {(c.bid, c.criterion): c.score for c in data.consensus}
        self.missing: list[dict[str, str]] = []
        self.flagged: list[dict[str, str]] = []
        if self.method == "lowest_cost":
            assert self.config.discount_rate is not None and self.config.lifetime_years
            self.annuity, self.final_discount = annuity_factor(
                self.config.discount_rate, self.config.lifetime_years
            )

    # -- one criterion, one answer --------------------------------------------------------

    def _fast_outcome(self, cc: CompiledCriterion) -> Callable[[Any], Outcome | None] | None:
        """``_outcome`` for an award criterion with a rule and points, a deduction or a
        surcharge: the same record and figures, built with fewer steps (the scoring loop
        calls it once per distinct answer). Returns None for an answer the rule cannot
        read, so that ``_outcome`` reports it with the bid."""
        criterion, kind, scorer = cc.criterion, cc.contributes, cc.scorer
        if scorer is None or criterion.kind != "award" or kind not in _FAST_KINDS:
            return None
        factor, words, currency = cc.factor, cc.words, self.currency
        is_choice = isinstance(criterion.rule, ChoiceRule)
        ident, code, category = criterion.id, criterion.code, criterion.category
        deferred = Text.deferred

        def ratio_of(answer: Any) -> Ratio | None:
            if answer is None:
                return NONE
            try:
                return scorer(answer)
            except AnswerError:
                return None

        if kind == "points":
            write_points = explain.points_for_answer

            def points_outcome(answer: Any) -> Outcome | None:
                ratio = ratio_of(answer)
                if ratio is None:
                    return None
                value = str(answer) if answer.__class__ is int else answer
                num, den = ratio
                fulfilment = num / den
                points = factor * num / den
                text = deferred(write_points, words, value, is_choice, fulfilment, points)
                result = CriterionResult(
                    ident, code, "award", category, value, fulfilment, text, points
                )
                return result, points, None, fulfilment

            return points_outcome

        deduction = kind == "deduction"
        write_money = explain.deduction_for_answer if deduction else explain.surcharge_for_answer

        def money_outcome(answer: Any) -> Outcome | None:
            ratio = ratio_of(answer)
            if ratio is None:
                return None
            value = str(answer) if answer.__class__ is int else answer
            num, den = ratio
            fulfilment = num / den
            money = factor * (num if deduction else den - num) / den
            text = deferred(write_money, words, value, is_choice, fulfilment, money, currency)
            result = CriterionResult(
                ident,
                code,
                "award",
                category,
                value,
                fulfilment,
                text,
                None,
                Money(money, currency),
            )
            return result, money, None, fulfilment

        return money_outcome

    def _outcome(self, cc: CompiledCriterion, answer: Any, bid_of: Callable[[], Bid]) -> Outcome:
        """The outcome of one answer; ``bid_of()`` is the first bid that gave it (asked only
        to report an answer the rule cannot read)."""
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
                explanation=explain.contract_condition_text(words, value_en, value_sv),
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
                bid = bid_of()
                raise EngineInputError(
                    "invalid_response",
                    f"bid {bid.id} answered criterion {criterion.code} with something its rule "
                    f"cannot read: {exc.message}",
                    {"bid": bid.id, "criterion": criterion.id, "code": criterion.code},
                ) from None
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
            result = CriterionResult(**base, passed=passed, explanation=text)
            return result, None, reason, fulfilment
        if kind == "points":
            points = cc.factor * num / den
            text = explain.points_text(words, head, fulfilment, points)
            return (
                CriterionResult(**base, points=points, explanation=text),
                points,
                None,
                fulfilment,
            )
        if kind in ("deduction", "surcharge"):
            money = cc.factor * (num if kind == "deduction" else den - num) / den
            make = explain.deduction_text if kind == "deduction" else explain.surcharge_text
            text = make(words, head, fulfilment, money, self.currency)
            result = CriterionResult(
                **base, money=Money(amount=money, currency=self.currency), explanation=text
            )
            return result, money, None, fulfilment
        if kind == "percent":
            rate = cc.factor * (den - num) / (den * HUNDRED)
            # the money depends on the bid's price: finished per bid
            pending = PercentPending(base, head, fulfilment, rate, cc.factor, self.currency)
            return pending, rate, None, fulfilment
        text = explain.unscored_text(head, fulfilment)
        return CriterionResult(**base, explanation=text), None, None, fulfilment

    def ratio_for(self, cc: CompiledCriterion, bid: Bid) -> Ratio | None:
        """The exact fulfilment of one criterion for one bid (None: contract condition, or
        manual scores missing). Used where exactness matters more than speed (sensitivity)."""
        if cc.criterion.kind == "contract_condition":
            return None
        if cc.manual is not None:
            return self._manual_ratio(cc, bid)
        criterion = cc.criterion
        if criterion.source == "bid":
            answer = bid.responses.get(criterion.id)
        else:
            answer = bid.supplier.profile.get(criterion.profile_field or "")
        if answer is None or cc.scorer is None:
            return NONE
        return cc.scorer(answer)

    def _manual_ratio(self, cc: CompiledCriterion, bid: Bid) -> Ratio | None:
        assert cc.manual is not None
        key = (bid.id, cc.criterion.id)
        if self.config.aggregation == "consensus":
            consensus = self.consensus.get(key)
            return None if consensus is None else (consensus, Decimal(cc.manual.scale_max))
        scores = self.scores.get(key)
        if not scores:
            return None
        return manual_ratio([s for _, s in scores], self.config.aggregation, cc.manual.scale_max)

    def _manual_outcome(
        self,
        cc: CompiledCriterion,
        bid: Bid,
        evaluator_scores: tuple[tuple[str, Decimal], ...],
    ) -> Outcome | None:
        rule = cc.manual
        assert rule is not None
        aggregation = self.config.aggregation
        ratio = self._manual_ratio(cc, bid)
        if ratio is None:
            return None
        count = 1 if aggregation == "consensus" else len(evaluator_scores)
        spread = None
        flagged = False
        if len(evaluator_scores) >= 2:
            values = [s for _, s in evaluator_scores]
            spread = (max(values) - min(values)) / Decimal(rule.scale_max)
            flagged = spread > self.config.spread_threshold
        aggregate = ratio[0] * rule.scale_max / ratio[1]
        value_en, value_sv = explain.manual_value(aggregation, count, aggregate, rule.scale_max)
        head = cc.words.head(value_en, value_sv)
        if flagged:
            assert spread is not None
            note = explain.display_score(spread)
            head = (
                head[0] + f" [scores spread {note} of the scale: moderate]",
                head[1] + f" [spridning {explain.sv_number(note)} av skalan: moderera]",
            )
        extra = {
            "flagged": flagged,
            "spread": spread,
            "evaluator_scores": tuple(
                ManualScoreShown(evaluator=e, score=s) for e, s in evaluator_scores
            ),
        }
        shown = explain.normalised(aggregate)
        return self._rated(cc, ratio, shown, head, False, manual=extra)

    # -- one lot --------------------------------------------------------------------------

    def _score_lot(self, bids: list[Bid], spec: _LotSpec) -> list[BidWork]:
        """Every criterion of the lot for every bid: the engine's hot loop.

        It runs criterion by criterion over all bids (columns), so that most of the work is
        list comprehensions and ``map`` over Decimals: a memo hit costs a dict lookup."""
        count = len(bids)
        responses = [bid.responses for bid in bids]
        profiles = [bid.supplier.profile for bid in bids]
        prices = [bid.price for bid in bids]
        columns: list[Any] = [() for _ in range(spec.size)]
        reasons: list[list[DisqualificationReason]] = [[] for _ in range(count)]
        quality = [ZERO] * count
        categories = {category: [ZERO] * count for category in spec.categories}
        by_code: dict[str, Any] = {}
        for slot, cc, from_bid, field_name, category, tie_code in spec.plain:
            # answers are texts, true/false or None (inputs hold no other kinds), so an
            # answer is its own memo key: no two kinds compare equal
            answers = list(map(dict.get, responses if from_bid else profiles, repeat(field_name)))
            memo = cc.memo
            fast = cc.fast
            # each distinct answer once, in the order the bids first give it (so an answer
            # the rule cannot read is reported for the first bid that gave it)
            for answer in dict.fromkeys(answers):
                if answer not in memo:
                    memo[answer] = (fast and fast(answer)) or self._outcome(
                        cc, answer, lambda a=answer, given=answers: bids[given.index(a)]
                    )
            outcomes = list(map(memo.__getitem__, answers))
            self._collect(
                cc, outcomes, slot, category, tie_code, prices, columns, reasons, quality,
                categories, by_code,
            )  # fmt: skip
        qualified_so_far = [not r for r in reasons]
        bid_ids = [bid.id for bid in bids] if spec.manual else []
        for slot, cc, _, _, category, tie_code in spec.manual:
            # the outcome depends only on the scores (and who gave them): shared between bids
            criterion_id = cc.criterion.id
            items = [(bid_id, criterion_id) for bid_id in bid_ids]
            keys = [
                ("manual", consensus, scores or ())
                for consensus, scores in zip(
                    map(self.consensus.get, items), map(self.scores.get, items), strict=True
                )
            ]
            memo = cc.memo
            outcomes = list(map(memo.get, keys))
            if None in outcomes:
                for i, outcome in enumerate(outcomes):
                    if outcome is None:
                        key = keys[i]
                        outcome = memo.get(key)
                        if outcome is None:
                            outcome = self._manual_outcome(cc, bids[i], key[2])
                            if outcome is not None:
                                memo[key] = outcome
                        if outcome is None:  # scores missing
                            if qualified_so_far[i]:
                                self.missing.append(
                                    {
                                        "bid": bid_ids[i],
                                        "criterion": criterion_id,
                                        "code": cc.criterion.code,
                                    }
                                )
                            contribution = ZERO if cc.contributes is not None else None
                            outcome = (self._unscored(cc), contribution, None, ZERO)
                        outcomes[i] = outcome
            self.flagged.extend(
                {"bid": bid_ids[i], "criterion": criterion_id}
                for i, outcome in enumerate(outcomes)
                if outcome[0].flagged
            )
            self._collect(
                cc, outcomes, slot, category, tie_code, prices, columns, reasons, quality,
                categories, by_code,
            )  # fmt: skip
        rows = list(zip(*columns, strict=True)) if columns else [() for _ in bids]
        names = list(categories)
        sums = list(zip(*categories.values(), strict=True)) if names else [() for _ in bids]
        codes = list(by_code)
        ties = list(zip(*by_code.values(), strict=True)) if codes else [() for _ in bids]
        return [
            BidWork(
                bid=bid,
                results=rows[i],
                reasons=reasons[i],
                quality=quality[i],
                categories=dict(zip(names, sums[i], strict=True)),
                fulfilment_by_code=dict(zip(codes, ties[i], strict=True)),
                qualified=not reasons[i],
            )
            for i, bid in enumerate(bids)
        ]

    @staticmethod
    def _collect(
        cc: CompiledCriterion,
        outcomes: list[Any],
        slot: int,
        category: str,
        tie_code: str | None,
        prices: list[Decimal],
        columns: list[Any],
        reasons: list[list[DisqualificationReason]],
        quality: list[Decimal],
        categories: dict[str, list[Decimal]],
        by_code: dict[str, Any],
    ) -> None:
        """Fold one criterion's outcomes (one per bid) into the lot's running figures."""
        results, contributions, reasons_found, fulfilments = zip(*outcomes, strict=True)
        if cc.contributes is not None:
            quality[:] = map(add, quality, contributions)
            if cc.contributes == "percent":  # the money depends on each bid's price
                results = list(results)
                money = []
                for i, result in enumerate(results):
                    if isinstance(result, PercentPending):
                        results[i], amount = result.finish(prices[i])
                        money.append(amount)
                    else:
                        money.append(ZERO)
                contributions = money
            categories[category] = list(map(add, categories[category], contributions))
        elif cc.criterion.kind == "requirement" and reasons_found.count(None) < len(outcomes):
            for i, reason in enumerate(reasons_found):
                if reason is not None:
                    reasons[i].append(reason)
        columns[slot] = results  # type: ignore[call-overload]
        if tie_code is not None:
            by_code[tie_code] = fulfilments  # type: ignore[assignment]

    def _unscored(self, cc: CompiledCriterion) -> CriterionResult:
        criterion = cc.criterion
        return CriterionResult(
            criterion=criterion.id,
            code=criterion.code,
            kind=criterion.kind,
            category=criterion.category,
            value=None,
            fulfilment=None,
            explanation=explain.disqualified_unscored(cc.words),
        )

    def _lot(self, lot: Lot, bids: list[Bid]) -> LotWork:
        criteria = [
            cc for cc in self.compiled if cc.criterion.lot is None or cc.criterion.lot == lot.id
        ]
        spec = _LotSpec(
            size=len(criteria),
            categories=dict.fromkeys(
                sorted({cc.criterion.category for cc in criteria if cc.contributes}), ZERO
            ),
            plain=[],
            manual=[],
        )
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
        work = LotWork(lot=lot, criteria=criteria, bids=[])
        work.bids = self._score_lot(bids, spec)
        qualified = [w for w in work.bids if w.qualified]
        self._figures(work, qualified)
        return work

    def _figures(self, work: LotWork, qualified: list[BidWork]) -> None:
        method = self.method
        if method == "weighted_points":
            assert self.config.price_weight is not None
            weight = self.config.price_weight
            scorer = price_scorer(
                self.config, [w.bid.price for w in qualified], [w.bid.id for w in qualified]
            )
            work.price_scorer = scorer
            for w in qualified:
                w.price_score = scorer(w.bid.price)
                points = weight * w.price_score
                w.categories["price"] = points
                w.figure = points + w.quality
        elif method == "lowest_price":
            for w in qualified:
                w.figure = w.bid.price
        elif method == "value_for_money":
            for w in qualified:
                if w.bid.price == 0:
                    raise EngineInputError(
                        "zero_price_value_for_money",
                        f"bid {w.bid.id} has a price of 0: value for money (points per million "
                        "of price) cannot divide by it",
                        {"bid": w.bid.id},
                    )
                w.figure = w.quality * MILLION / w.bid.price
        elif method == "added_value":
            mode = self.config.effective_mode
            for w in qualified:
                price = w.bid.price
                if mode == "deduction":
                    w.figure = price - w.quality
                elif mode == "surcharge":
                    w.figure = price + w.quality
                else:
                    w.figure = price * (ONE + w.quality)
        else:
            co2_price = self.config.co2_price_per_tonne or ZERO
            for w in qualified:
                cost = w.bid.cost
                assert cost is not None
                operating = cost.annual_operating_cost * self.annuity
                external = cost.annual_co2e_tonnes * co2_price * self.annuity
                end_of_life = cost.end_of_life_cost * self.final_discount
                internal = cost.acquisition_cost + operating + end_of_life
                total = internal + external

                def money(amount: Decimal) -> Money:
                    return Money(amount=amount, currency=self.currency)

                w.lcc = LifeCycleCost(
                    acquisition=money(cost.acquisition_cost),
                    operating=money(operating),
                    end_of_life=money(end_of_life),
                    internal=money(internal),
                    external=money(external),
                    total=money(total),
                )
                w.figure = total - w.quality

    def _rank(self, work: LotWork) -> list[tuple[int, tuple[str, ...]]]:
        qualified = [w for w in work.bids if w.qualified]
        by_id = {w.bid.id: w for w in qualified}
        draw = next((d.order for d in self.data.lottery if d.lot == work.lot.id), None)
        ranking = rank(
            [
                Contender(
                    bid_id=w.bid.id,
                    figure=w.figure if w.figure is not None else ZERO,
                    price=w.bid.price,
                    submitted_at=w.bid.submitted_at,
                    fulfilment_by_code=w.fulfilment_by_code,
                )
                for w in qualified
            ],
            higher_is_better=HIGHER_IS_BETTER[self.method],
            chain=self.config.tie_break,
            lottery_order=draw,
        )
        money_figure = not HIGHER_IS_BETTER[self.method]
        for placement in ranking.placements:
            w = by_id[placement.contender.bid_id]
            work.ranked.append(
                self._bid_result(w, placement.rank, placement.tie_break, money_figure)
            )
        for w in sorted((w for w in work.bids if not w.qualified), key=lambda w: w.bid.id):
            work.ranked.append(self._bid_result(w, None, None, money_figure))
        return ranking.unresolved

    def _bid_result(self, w: BidWork, rank_: int | None, tie: Any, money_figure: bool) -> BidResult:
        bid = w.bid
        qualified = w.qualified
        figure = w.figure if qualified else None
        currency = self.currency
        supplier = bid.supplier
        # positional, in field order (bid, supplier, lot, qualified, price, categories,
        # categories_unit, criteria, disqualification_reasons, comparison_price, total_score,
        # price_score, rank, tie_break, lcc): 2,000 of these per large lot
        return BidResult(
            bid.id,
            SupplierRef(supplier.id, supplier.name),
            bid.lot,
            qualified,
            Money(bid.price, currency),
            w.categories if qualified else {},
            "money" if money_figure else "points",
            w.results,
            tuple(w.reasons),
            Money(figure, currency) if money_figure and figure is not None else None,
            figure if not money_figure else None,
            w.price_score,
            rank_,
            tie,
            w.lcc,
        )

    def run(self) -> tuple[EvaluationResult, list[LotWork]]:
        by_lot: dict[str, list[Bid]] = defaultdict(list)
        for bid in sorted(self.data.bids, key=lambda b: b.id):
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while evaluating.

    The evaluation allocates tens of thousands of small records next to a large, long-lived
    input; the collector would scan that input again and again (a third of the run time in
    the benchmark) to find cycles the engine does not create. Memory is still freed by
    reference counting; the collector is switched back on afterwards if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate(data: EvaluationInput) -> EvaluationResult:
    """Evaluate one tender: pure, deterministic, exact. See the package docstring."""
    from scoring.engine.checks import warnings_for
    from scoring.engine.sensitivity import sensitivity_for

    with engine_context(), _collector_paused():
        result, works, evaluation = evaluate_core(data)
        warnings = warnings_for(data, works, evaluation.flagged)
        sensitivity = sensitivity_for(data, works, evaluation.ratio_for)
        final = result.model_copy(update={"warnings": warnings, "sensitivity": sensitivity})
        # free the working data (memos, per-bid work) while the collector is paused: once
        # it runs again it would otherwise scan all of it once more before it is freed
        del result, works, evaluation
    return final
