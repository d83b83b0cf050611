"""Compile: each criterion prepared once per evaluation for the scoring loop.

A ``CompiledCriterion`` holds the criterion, its rule as a plain function (``fulfilment.py``),
its words for explanations, what it adds to a bid's figure under the tender's method
(``contributes``: points, a deduction, a surcharge, a percent rate, or nothing) with the
factor (weight, money value or percent), and what it has learnt so far: per distinct key
(the answer; for a manual criterion, the number of its scores, see ``score.py``) the
record, the amount, the fulfilment, and for a requirement the reason it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from scoring.engine import explain
from scoring.engine.decimal_context import ZERO
from scoring.engine.fulfilment import Ratio, compile_rule
from scoring.engine.inputs import Criterion, EvaluationInput
from scoring.engine.results import CriterionResult, DisqualificationReason, Money
from scoring.engine.rules import ChoiceRule, ManualRule

# the contributions whose records the lean paths of ``score.py`` build
FAST_KINDS = ("points", "deduction", "surcharge")


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
    learner: str = "outcome"  # how new keys are scored: see learner_for
    is_choice: bool = False
    explainer: explain.AnswerExplainer | None = None  # shared by its rule-scored records


def contribution_kind(data: EvaluationInput, criterion: Criterion) -> str | None:
    """What an award criterion adds to a bid's figure under the tender's method."""
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


def learner_for(cc: CompiledCriterion) -> str:
    """How a criterion's new answers are scored (see ``score.Scorer.learn``).

    An award criterion scored by its rule into points, a deduction or a surcharge (the
    common case) gets a lean loop that builds the same records as ``Scorer.outcome``;
    every other case goes through ``Scorer.outcome`` (or ``Scorer.manual_outcome``)."""
    if cc.manual is not None:
        return "manual"
    if cc.scorer is None or cc.criterion.kind != "award" or cc.contributes not in FAST_KINDS:
        return "outcome"
    return "award"


def answer_explainer(cc: CompiledCriterion, currency: str) -> explain.AnswerExplainer:
    """The explainer every rule-scored award record of the criterion shares."""
    if cc.contributes == "points":
        return explain.AnswerExplainer(explain.points_for_answer, cc.words, cc.is_choice, None)
    write = (
        explain.deduction_for_answer
        if cc.contributes == "deduction"
        else (explain.surcharge_for_answer)
    )
    return explain.AnswerExplainer(write, cc.words, cc.is_choice, currency)


def compile_criteria(
    data: EvaluationInput, *, scores_conditions: bool = False
) -> list[CompiledCriterion]:
    """Each criterion once. A contract condition is recorded, never scored (DOMAIN.md); engine
    1.0.0 scored manual ones all the same, and replays of its evaluations do
    (``scores_conditions``)."""
    compiled = []
    for index, criterion in enumerate(data.criteria):
        rule = criterion.rule
        scored_manual = isinstance(rule, ManualRule) and (
            scores_conditions or criterion.kind != "contract_condition"
        )
        kind = contribution_kind(data, criterion)
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
                is_choice=isinstance(rule, ChoiceRule),
                manual=rule if scored_manual and isinstance(rule, ManualRule) else None,
                contributes=kind,
                factor=factor if factor is not None else ZERO,
                pass_ratio=(
                    Decimal(criterion.pass_fulfilment.numerator),
                    Decimal(criterion.pass_fulfilment.denominator),
                ),
            )
        )
    for cc in compiled:
        cc.learner = learner_for(cc)
        if cc.learner == "award":
            cc.explainer = answer_explainer(cc, data.currency)
    return compiled


def remember(cc: CompiledCriterion, key: Any, outcome: Outcome) -> None:
    """Keep what one key (answer, or manual score key) gave, for every bid that gives it."""
    record, amount, reason, fulfilment = outcome
    cc.records[key] = record
    cc.amounts[key] = amount
    cc.fulfilments[key] = fulfilment
    if reason is not None:
        cc.failing[key] = reason
