"""Explanations in words a lay reader understands, in Swedish and English.

"Återvunnet material: 42 %; scale 0-60 %: 0.7000 of 10 points = 7.0000". Swedish text uses
a decimal comma. Scores show 4 places, money the currency's minor unit, as in the results.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from scoring.engine.decimal_context import display_money, display_score, normalised, ratio_text
from scoring.engine.inputs import Criterion
from scoring.engine.results import CriterionResult, Text
from scoring.engine.rules import BooleanRule, ChoiceRule, LinearRule, ManualRule, ThresholdsRule

AGGREGATION_WORDS = {
    "consensus": ("consensus score", "konsensuspoäng"),
    "mean": ("mean of {n} scores", "medelvärde av {n} bedömningar"),
    "median": ("median of {n} scores", "median av {n} bedömningar"),
}


def _deferred[**P](render: Callable[P, Text]) -> Callable[P, Text]:
    """Make a builder return a Text that is written when first read (see ``Text``)."""

    @functools.wraps(render)
    def build(*args: P.args, **kwargs: P.kwargs) -> Text:
        assert not kwargs
        return Text.deferred(render, *args)

    return build


class Head:
    """ "Title: answer; rule", written when first needed (``head[0]`` en, ``head[1]`` sv)."""

    __slots__ = ("_text", "is_choice", "value", "words")

    def __init__(self, words: CriterionWords, value: bool | str | None, is_choice: bool) -> None:
        self.words, self.value, self.is_choice = words, value, is_choice
        self._text: tuple[str, str] | None = None

    def __getitem__(self, index: int) -> str:
        if self._text is None:
            self._text = self.words.head(*self.words.value_text(self.value, self.is_choice))
        return self._text[index]


HeadText = tuple[str, str] | Head


def head_of(words: CriterionWords, value: bool | str | None, is_choice: bool) -> tuple[str, str]:
    """ "Title: answer; rule" now, as ``Head`` writes it (en, sv)."""
    return words.head(*words.value_text(value, is_choice))


def sv_number(text: str) -> str:
    return text.replace(".", ",")


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


class CriterionWords:
    """The parts of a criterion's explanations that do not depend on the bid."""

    __slots__ = ("rule_en", "rule_sv", "title_en", "title_sv", "unit", "weight_en", "weight_sv")

    def __init__(self, criterion: Criterion) -> None:
        self.title_sv = criterion.title
        self.title_en = criterion.title_en or criterion.title
        self.unit = _unit(criterion.unit)
        self.rule_en, self.rule_sv = describe_rule(criterion.rule, self.unit)
        factor = criterion.weight if criterion.weight is not None else criterion.value
        self.weight_en = normalised(factor) if factor is not None else ""
        self.weight_sv = sv_number(self.weight_en)

    def value_text(self, value: bool | str | None, is_choice: bool) -> tuple[str, str]:
        if value is None:
            return "no answer", "inget svar"
        if value is True:
            return "yes", "ja"
        if value is False:
            return "no", "nej"
        if is_choice:
            return f'"{value}"', f"”{value}”"
        return f"{value}{self.unit}", f"{sv_number(value)}{self.unit}"

    def head(self, value_en: str, value_sv: str) -> tuple[str, str]:
        return (
            f"{self.title_en}: {value_en}; {self.rule_en}",
            f"{self.title_sv}: {value_sv}; {self.rule_sv}",
        )


class AnswerExplainer:
    """The explanation of every record of one rule-scored award criterion: a record keeps
    this (shared) object instead of a sentence of its own, and ``explain(record)`` writes
    the sentence from the record's answer, fulfilment and points or money."""

    __slots__ = ("currency", "is_choice", "words", "write")

    def __init__(
        self,
        write: Callable[..., Text],
        words: CriterionWords,
        is_choice: bool,
        currency: str | None,
    ) -> None:
        self.write, self.words, self.is_choice, self.currency = write, words, is_choice, currency

    def explain(self, record: CriterionResult) -> Text:
        if self.currency is None:  # points
            return Text.deferred(
                self.write, self.words, record.value, self.is_choice, record.fulfilment,
                record.points,
            )  # fmt: skip
        assert record.money is not None
        return Text.deferred(
            self.write, self.words, record.value, self.is_choice, record.fulfilment,
            record.money.amount, self.currency,
        )  # fmt: skip

    def _facts(self) -> tuple[Any, ...]:
        words = self.words
        return (
            self.write,
            self.is_choice,
            self.currency,
            *(getattr(words, name) for name in CriterionWords.__slots__),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnswerExplainer) and self._facts() == other._facts()

    def __hash__(self) -> int:
        return hash(self._facts())


def describe_rule(
    rule: BooleanRule | LinearRule | ThresholdsRule | ChoiceRule | ManualRule, unit: str
) -> tuple[str, str]:
    if isinstance(rule, BooleanRule):
        return "yes = 1, no = 0", "ja = 1, nej = 0"
    if isinstance(rule, LinearRule):
        worst, best = normalised(rule.worst), normalised(rule.best)
        en = f"scale {worst}-{best}{unit}"
        sv = f"skala {sv_number(worst)}-{sv_number(best)}{unit}"
        if rule.best < rule.worst:
            en, sv = en + " (lower is better)", sv + " (lägre är bättre)"
        return en, sv
    if isinstance(rule, ThresholdsRule):
        sign = "≤" if rule.lower_is_better else "≥"
        parts = [(normalised(s.bound), ratio_text(s.fulfilment)) for s in rule.steps]
        en = ", ".join(f"{sign} {b}{unit} → {f}" for b, f in parts)
        sv = ", ".join(f"{sign} {sv_number(b)}{unit} → {sv_number(f)}" for b, f in parts)
        return f"steps {en}, otherwise 0", f"steg {sv}, annars 0"
    if isinstance(rule, ChoiceRule):
        # By fulfilment, then name: never by the order the keys came in (a stored input has
        # its keys sorted, and a replay must write the same words).
        ordered = sorted(rule.options.items(), key=lambda kv: (kv[1], kv[0]))
        options = [(k, ratio_text(v)) for k, v in ordered]
        en = ", ".join(f'"{k}" = {v}' for k, v in options)
        sv = ", ".join(f"”{k}” = {sv_number(v)}" for k, v in options)
        return f"options {en}", f"alternativ {sv}"
    return f"scored 0-{rule.scale_max}", f"bedöms 0-{rule.scale_max}"


def manual_value(
    aggregation: str, count: int, aggregate: Decimal, scale_max: int
) -> tuple[str, str]:
    en, sv = AGGREGATION_WORDS[aggregation]
    shown = normalised(aggregate) if aggregate == aggregate.to_integral_value() else None
    figure = shown if shown is not None else display_score(aggregate)
    return (
        f"{en.format(n=count)} {figure} of {scale_max}",
        f"{sv.format(n=count)} {sv_number(figure)} av {scale_max}",
    )


def manual_head(
    words: CriterionWords, aggregation: str, count: int, aggregate: Decimal, scale_max: int
) -> tuple[str, str]:
    """ "Title: mean of 3 scores 4 of 5; scored 0-5" (en, sv)."""
    return words.head(*manual_value(aggregation, count, aggregate, scale_max))


def flagged_head(head: tuple[str, str], spread: Decimal) -> tuple[str, str]:
    """The head of a manual item whose scores spread too much, with a note to moderate."""
    note = display_score(spread)
    return (
        head[0] + f" [scores spread {note} of the scale: moderate]",
        head[1] + f" [spridning {sv_number(note)} av skalan: moderera]",
    )


def manual_award(
    words: CriterionWords,
    kind: str,
    aggregation: str,
    count: int,
    aggregate: Decimal,
    scale_max: int,
    flagged_spread: Decimal | None,
    fulfilment: Decimal,
    amount: Decimal,
    currency: str,
) -> Text:
    """A manual award criterion's explanation: points, a deduction or a surcharge."""
    head = manual_head(words, aggregation, count, aggregate, scale_max)
    if flagged_spread is not None:
        head = flagged_head(head, flagged_spread)
    if kind == "points":
        return write_points(words, head, fulfilment, amount)
    if kind == "deduction":
        return write_deduction(words, head, fulfilment, amount, currency)
    return write_surcharge(words, head, fulfilment, amount, currency)


def write_points(
    words: CriterionWords, head: HeadText, fulfilment: Decimal, points: Decimal
) -> Text:
    f, p = display_score(fulfilment), display_score(points)
    return Text(
        en=f"{head[0]}: {f} of {words.weight_en} points = {p}",
        sv=f"{head[1]}: {sv_number(f)} av {words.weight_sv} poäng = {sv_number(p)}",
    )


points_text = _deferred(write_points)


def write_deduction(
    words: CriterionWords,
    head: HeadText,
    fulfilment: Decimal,
    money: Decimal,
    currency: str,
) -> Text:
    f, m = display_score(fulfilment), display_money(money, currency)
    return Text(
        en=f"{head[0]}: {f} of {words.weight_en} {currency} = {m} {currency} deducted",
        sv=(
            f"{head[1]}: {sv_number(f)} av {words.weight_sv} {currency} = "
            f"{sv_number(m)} {currency} avdrag"
        ),
    )


deduction_text = _deferred(write_deduction)


def write_surcharge(
    words: CriterionWords,
    head: HeadText,
    fulfilment: Decimal,
    money: Decimal,
    currency: str,
) -> Text:
    f, m = display_score(fulfilment), display_money(money, currency)
    return Text(
        en=f"{head[0]}: (1 - {f}) x {words.weight_en} {currency} = {m} {currency} added",
        sv=(
            f"{head[1]}: (1 - {sv_number(f)}) x {words.weight_sv} {currency} = "
            f"{sv_number(m)} {currency} påslag"
        ),
    )


surcharge_text = _deferred(write_surcharge)


@_deferred
def percent_text(
    head: HeadText,
    fulfilment: Decimal,
    percent: Decimal,
    price: Decimal,
    money: Decimal,
    currency: str,
) -> Text:
    f, m = display_score(fulfilment), display_money(money, currency)
    p, price_text = normalised(percent), display_money(price, currency)
    return Text(
        en=(
            f"{head[0]}: (1 - {f}) x {p} % of the price {price_text} {currency} = "
            f"{m} {currency} added"
        ),
        sv=(
            f"{head[1]}: (1 - {sv_number(f)}) x {sv_number(p)} % av priset "
            f"{sv_number(price_text)} {currency} = {sv_number(m)} {currency} påslag"
        ),
    )


@_deferred
def requirement_text(head: HeadText, fulfilment: Decimal, required: str, passed: bool) -> Text:
    f = display_score(fulfilment)
    return Text(
        en=f"{head[0]}: fulfilment {f}, required {required}: {'met' if passed else 'NOT met'}",
        sv=(
            f"{head[1]}: uppfyllnad {sv_number(f)}, krav {sv_number(required)}: "
            f"{'uppfyllt' if passed else 'EJ uppfyllt'}"
        ),
    )


def not_answered_requirement(head: HeadText) -> Text:
    return Text(
        en=f"{head[0]}: no answer, so the requirement is NOT met",
        sv=f"{head[1]}: inget svar, så kravet är EJ uppfyllt",
    )


def contract_condition_text(words: CriterionWords, value_en: str, value_sv: str) -> Text:
    return Text(
        en=f"{words.title_en}: {value_en}; contract condition: recorded, not scored",
        sv=f"{words.title_sv}: {value_sv}; kontraktsvillkor: noteras, poängsätts inte",
    )


@_deferred
def unscored_text(head: HeadText, fulfilment: Decimal) -> Text:
    f = display_score(fulfilment)
    return Text(
        en=f"{head[0]}: fulfilment {f}; not scored: the method is lowest price",
        sv=f"{head[1]}: uppfyllnad {sv_number(f)}; poängsätts inte: utvärderingsgrunden är "
        "lägsta pris",
    )


def disqualified_unscored(words: CriterionWords) -> Text:
    return Text(
        en=f"{words.title_en}: not scored, the bid is disqualified",
        sv=f"{words.title_sv}: inte bedömd, anbudet är diskvalificerat",
    )


# The scoring loop's fast path defers these (``Text.deferred``): the head is written with
# the sentence, from the answer, so a record costs no ``Head`` until it is read.


def points_for_answer(
    words: CriterionWords,
    value: bool | str | None,
    is_choice: bool,
    fulfilment: Decimal,
    points: Decimal,
) -> Text:
    return write_points(words, head_of(words, value, is_choice), fulfilment, points)


def deduction_for_answer(
    words: CriterionWords,
    value: bool | str | None,
    is_choice: bool,
    fulfilment: Decimal,
    money: Decimal,
    currency: str,
) -> Text:
    return write_deduction(words, head_of(words, value, is_choice), fulfilment, money, currency)


def surcharge_for_answer(
    words: CriterionWords,
    value: bool | str | None,
    is_choice: bool,
    fulfilment: Decimal,
    money: Decimal,
    currency: str,
) -> Text:
    return write_surcharge(words, head_of(words, value, is_choice), fulfilment, money, currency)
