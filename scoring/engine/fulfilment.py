"""Rule + answer -> fulfilment, as an exact ratio ``(numerator, denominator)``.

A fulfilment is kept as a pair of Decimals with a positive denominator and is divided only
when a figure is finally needed, so that ``150000 * 2/3`` is computed as ``300000 / 3`` and
is exactly 100000 (WE-6). Each rule is compiled once into a plain function: the loop over
bids runs no pydantic validation and no dispatch on the rule type.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from scoring.engine import messages
from scoring.engine.rules import (
    BooleanRule,
    ChoiceRule,
    LinearRule,
    ManualRule,
    ThresholdsRule,
)

Ratio = tuple[Decimal, Decimal]
Answer = bool | int | str | None

_ONE = Decimal(1)
_ZERO = Decimal(0)
FULL: Ratio = (_ONE, _ONE)
NONE: Ratio = (_ZERO, _ONE)


class AnswerError(ValueError):
    """An answer the rule cannot read (a text where a number is needed, an unknown option)."""

    def __init__(self, code: str, message_id: str | None = None, **params: str) -> None:
        self.code = code
        self.message_id = message_id or code
        self.params = tuple(params.items())
        self.message = messages.text(self.message_id, **params)
        super().__init__(self.message)


def ratio_of(value: Fraction) -> Ratio:
    return Decimal(value.numerator), Decimal(value.denominator)


def number_of(answer: Answer) -> Decimal:
    if answer.__class__ is str:
        try:
            value = Decimal(answer)
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite() and "_" not in answer:
            return value
        raise AnswerError("number_expected", "number_expected_not", answer=answer[:40])
    if answer.__class__ is int:
        return Decimal(answer)
    raise AnswerError("number_expected")


def shown_value(answer: Answer) -> bool | str | None:
    """The answer as a result shows it: as given, whole numbers as text."""
    if answer.__class__ is int:
        return str(answer)
    return answer  # type: ignore[return-value]


Scorer = Callable[[Answer], Ratio]


def compile_rule(rule: BooleanRule | LinearRule | ThresholdsRule | ChoiceRule) -> Scorer:
    """A function answer -> fulfilment ratio for a non-manual rule."""
    if isinstance(rule, BooleanRule):
        return _boolean
    if isinstance(rule, LinearRule):
        return _linear(rule.worst, rule.best)
    if isinstance(rule, ThresholdsRule):
        return _thresholds(rule)
    if isinstance(rule, ChoiceRule):
        return _choice(rule)
    raise TypeError(f"no scorer for {type(rule).__name__}")  # ManualRule: see manual.py


def _boolean(answer: Answer) -> Ratio:
    if answer is True:
        return FULL
    if answer is False:
        return NONE
    raise AnswerError("boolean_expected")


def _linear(worst: Decimal, best: Decimal) -> Scorer:
    span = best - worst
    if span > 0:

        def rising(answer: Answer) -> Ratio:
            value = number_of(answer)
            if value <= worst:
                return NONE
            if value >= best:
                return FULL
            return value - worst, span

        return rising

    falling_span = worst - best

    def falling(answer: Answer) -> Ratio:
        value = number_of(answer)
        if value >= worst:
            return NONE
        if value <= best:
            return FULL
        return worst - value, falling_span

    return falling


def _thresholds(rule: ThresholdsRule) -> Scorer:
    # Highest step first: the first bound the answer reaches decides.
    steps = [(step.bound, ratio_of(step.fulfilment)) for step in reversed(rule.steps)]
    if rule.lower_is_better:

        def at_most(answer: Answer) -> Ratio:
            value = number_of(answer)
            for bound, ratio in steps:
                if value <= bound:
                    return ratio
            return NONE

        return at_most

    def at_least(answer: Answer) -> Ratio:
        value = number_of(answer)
        for bound, ratio in steps:
            if value >= bound:
                return ratio
        return NONE

    return at_least


def _choice(rule: ChoiceRule) -> Scorer:
    options = {key: ratio_of(value) for key, value in rule.options.items()}
    names = ", ".join(sorted(options))

    def choose(answer: Answer) -> Ratio:
        if isinstance(answer, str) and answer in options:
            return options[answer]
        raise AnswerError("unknown_option", answer=str(answer), options=names)

    return choose


def manual_ratio(scores: list[Decimal], aggregation: str, scale_max: int) -> Ratio:
    """The aggregated evaluator score over the scale, as an exact ratio."""
    scale = Decimal(scale_max)
    count = len(scores)
    if aggregation == "mean":
        return sum(scores, _ZERO), scale * count
    ordered = sorted(scores)
    middle = count // 2
    if count % 2:
        return ordered[middle], scale
    return ordered[middle - 1] + ordered[middle], scale * 2


def is_manual(rule: object) -> bool:
    return isinstance(rule, ManualRule)
