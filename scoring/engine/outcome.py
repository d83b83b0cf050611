"""Outcome: what one answer (or one manual item's scores) gives on one criterion.

An outcome is (record, amount, disqualification reason, fulfilment): the criterion's
result record as a bid's result shows it (``CriterionResult``, or for percent_surcharge a
``PercentPending`` that ``fold.py`` finishes with the bid's price), the points or money it
adds (a percent rate), the reason a requirement fails, and the fulfilment. It depends only
on the answer, so ``score.py`` asks once per distinct answer and shares the record among
the bids that gave it. A manual criterion's outcome depends on its scores and who gave
them: ``manual_keys`` numbers the distinct ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from scoring.engine import explain
from scoring.engine.compile import FAST_KINDS, CompiledCriterion, Outcome, PercentPending
from scoring.engine.decimal_context import HUNDRED, ZERO, normalised, ratio_text
from scoring.engine.fulfilment import NONE, AnswerError, Ratio, manual_ratio, shown_value
from scoring.engine.inputs import Bid, EngineInputError, EvaluationInput
from scoring.engine.results import (
    CriterionResult,
    DisqualificationReason,
    ManualScoreShown,
    Money,
    Text,
    from_fields,
)
from scoring.engine.rules import ChoiceRule

# The manual-score key of a bid nobody has scored: (consensus score, evaluator scores).
NO_SCORES: tuple[Decimal | None, tuple[tuple[str, Decimal], ...]] = (None, ())


def manual_keys(data: EvaluationInput) -> tuple[list[Any], dict[str, dict[str, int]]]:
    """What a manual criterion's outcome for a bid depends on: (consensus score or None,
    ((evaluator, score), ... by evaluator)). Returns the distinct keys (0: no scores at all)
    and criterion -> bid -> the number of its key, so that the scoring loop looks outcomes
    up by a small int."""
    consensus = {(c.bid, c.criterion): c.score for c in data.consensus}
    scores: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
    for bid, criterion, evaluator, score in sorted(data.scores):  # each item by evaluator
        scores.setdefault((bid, criterion), []).append((evaluator, score))
    found: list[Any] = [NO_SCORES]
    number_of: dict[Any, int] = {}
    keys: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for item in [*scores, *(item for item in consensus if item not in scores)]:
        key = (consensus.get(item), tuple(scores.get(item, ())))
        number = number_of.get(key)
        if number is None:
            number = number_of[key] = len(found)
            found.append(key)
        bid, criterion = item
        keys[criterion][bid] = number
    return found, keys


class Outcomes:
    """Outcomes of one evaluation's criteria (its method, currency and manual scores)."""

    def __init__(self, data: EvaluationInput) -> None:
        self.config = data.method
        self.currency = data.currency
        # manual criteria: the distinct score keys, and criterion -> bid -> key number
        self.manual_key, self.manual_keys = manual_keys(data)
        self.shown_scores: dict[tuple[str, Decimal], ManualScoreShown] = {}

    # -- one criterion, one answer --------------------------------------------------------

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
            required = ratio_text(criterion.pass_fulfilment)
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
        shown = normalised(aggregate)
        # (evaluator, score) records shared by every item with the same pair
        shown_pairs = self.shown_scores
        scores_shown = tuple(
            shown_pairs.get(pair)
            or shown_pairs.setdefault(pair, from_fields(ManualScoreShown, pair))
            for pair in evaluator_scores
        )
        criterion, kind = cc.criterion, cc.contributes
        if kind in FAST_KINDS and criterion.kind == "award":  # the common case, lean
            num, den = ratio
            fulfilment = num / den
            money: Money | None = None
            if kind == "points":
                amount = points = cc.factor * num / den
            else:
                points = None
                amount = cc.factor * (num if kind == "deduction" else den - num) / den
                money = from_fields(Money, (amount, self.currency))
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
            record = from_fields(
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
