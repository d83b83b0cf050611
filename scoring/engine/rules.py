"""Scoring rules: the validated configuration that turns a bid's answer into a fulfilment.

A rule is data, not code (DOMAIN.md, "Criteria"): a discriminated union on ``type``. The
engine owns this vocabulary; ``criteria/rules.py`` on the Django side builds on it.

``parse_rule(data)`` returns a rule or raises ``RuleValidationError``; ``rule_errors(data)``
returns every problem as ``RuleError(pointer, code, message)`` where ``pointer`` is a JSON
Pointer relative to the rule (``/steps/1/fulfilment``), for API problem details.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from scoring.engine import messages
from scoring.engine.decimal_context import normalised, ratio_text
from scoring.engine.scalars import DecimalStr, Ratio, Whole


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem: where (a JSON Pointer), what (a stable code), the message in English, and
    what a translation needs: the template's id in ``messages.MESSAGES`` and its values."""

    pointer: str
    code: str
    message: str
    message_id: str = ""
    params: tuple[tuple[str, str], ...] = ()


def _problem(pointer: str, code: str, message_id: str | None = None, **params: object) -> RuleError:
    """A RuleError whose message is the template ``message_id`` (the code by default)."""
    key = message_id or code
    values = {name: str(value) for name, value in params.items()}
    return RuleError(pointer, code, messages.text(key, **values), key, tuple(values.items()))


class RuleValidationError(ValueError):
    """A rule that cannot be used; ``errors`` lists each problem with its JSON Pointer."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.pointer or '/'}: {e.message}" for e in errors))


class _RuleModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def _raise(self, problems: list[RuleError]) -> None:
        if problems:
            raise PydanticCustomError(
                "rule_invalid",
                "; ".join(f"{p.pointer}: {p.message}" for p in problems),
                {"errors": tuple(problems)},
            )


class BooleanRule(_RuleModel):
    """Yes or no: fulfilment 1 for true, 0 for false."""

    type: Literal["boolean"]


class LinearRule(_RuleModel):
    """A number on a scale from ``worst`` (0) to ``best`` (1), clamped; best may be lower."""

    type: Literal["linear"]
    worst: DecimalStr
    best: DecimalStr

    @model_validator(mode="after")
    def _scale_has_length(self) -> LinearRule:
        if self.best == self.worst:
            self._raise([_problem("/best", "best_equals_worst", value=normalised(self.best))])
        return self


class ThresholdStep(_RuleModel):
    at_least: DecimalStr | None = None
    at_most: DecimalStr | None = None
    fulfilment: Ratio

    @property
    def bound(self) -> Decimal:
        bound = self.at_least if self.at_least is not None else self.at_most
        assert bound is not None  # guaranteed by ThresholdsRule validation
        return bound


class ThresholdsRule(_RuleModel):
    """Steps: the fulfilment of the highest step whose bound the answer reaches, else 0.

    All steps use ``at_least`` (bounds strictly ascending: higher is better) or all use
    ``at_most`` (bounds strictly descending: lower is better); fulfilment never decreases.
    """

    type: Literal["thresholds"]
    steps: tuple[ThresholdStep, ...] = Field(min_length=1)

    @property
    def lower_is_better(self) -> bool:
        return self.steps[0].at_most is not None

    @model_validator(mode="after")
    def _steps_are_ordered(self) -> ThresholdsRule:
        problems: list[RuleError] = []
        first_key = "at_most" if self.steps[0].at_most is not None else "at_least"
        for index, step in enumerate(self.steps):
            if (step.at_least is None) == (step.at_most is None):
                problems.append(_problem(f"/steps/{index}", "step_needs_one_bound"))
                continue
            key = "at_most" if step.at_most is not None else "at_least"
            if key != first_key:
                problems.append(_problem(f"/steps/{index}/{key}", "mixed_bounds", first=first_key))
        if problems:
            self._raise(problems)
        for index in range(1, len(self.steps)):
            before, step = self.steps[index - 1], self.steps[index]
            if first_key == "at_least" and not step.bound > before.bound:
                problems.append(
                    _problem(
                        f"/steps/{index}/at_least",
                        "steps_out_of_order",
                        "steps_not_ascending",
                        bound=normalised(step.bound),
                        previous=normalised(before.bound),
                    )
                )
            if first_key == "at_most" and not step.bound < before.bound:
                problems.append(
                    _problem(
                        f"/steps/{index}/at_most",
                        "steps_out_of_order",
                        "steps_not_descending",
                        bound=normalised(step.bound),
                        previous=normalised(before.bound),
                    )
                )
            if step.fulfilment < before.fulfilment:
                problems.append(
                    _problem(
                        f"/steps/{index}/fulfilment",
                        "fulfilment_decreasing",
                        value=ratio_text(step.fulfilment),
                        previous=ratio_text(before.fulfilment),
                    )
                )
        self._raise(problems)
        return self


class ChoiceRule(_RuleModel):
    """One option key; each option is worth a fraction, at least one is worth 1."""

    type: Literal["choice"]
    options: dict[str, Ratio] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_option_is_full(self) -> ChoiceRule:
        problems = [
            _problem(f"/options/{_escape(key)}", "empty_option_key")
            for key in self.options
            if not key.strip()
        ]
        if all(value != 1 for value in self.options.values()):
            problems.append(_problem("/options", "no_full_option"))
        self._raise(problems)
        return self


class ManualRule(_RuleModel):
    """Evaluators score 0..scale_max; fulfilment = aggregated score / scale_max."""

    type: Literal["manual"]
    scale_max: Whole

    @model_validator(mode="after")
    def _scale_reaches_one(self) -> ManualRule:
        if self.scale_max < 1:
            self._raise([_problem("/scale_max", "scale_below_one", value=self.scale_max)])
        return self


Rule = Annotated[
    BooleanRule | LinearRule | ThresholdsRule | ChoiceRule | ManualRule,
    Field(discriminator="type"),
]
RULE_TYPES = ("boolean", "linear", "thresholds", "choice", "manual")

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Rule)

# pydantic's own error types: (our code, our message's id, its values from the error).
_TYPES: dict[str, tuple[str, str]] = {
    "extra_forbidden": ("unknown_key", "unknown_key"),
    "missing": ("required", "required"),
    "too_short": ("empty", "empty"),
    "union_tag_invalid": ("unknown_rule_type", "unknown_rule_type"),
    "union_tag_not_found": ("required", "rule_type_missing"),
    "literal_error": ("literal_error", "unknown_rule_type"),
    "model_type": ("wrong_type", "object_expected"),
    "model_attributes_type": ("wrong_type", "object_expected"),
    "dict_type": ("wrong_type", "object_expected"),
    "tuple_type": ("wrong_type", "list_expected"),
}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_of(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a JSON Pointer (RFC 6901)."""
    return "".join("/" + _escape(str(part)) for part in loc)


def errors_from_validation(exc: ValidationError, *, strip_tag: bool = True) -> list[RuleError]:
    """Turn pydantic's errors about a rule into ``RuleError``s with JSON Pointers."""
    result: list[RuleError] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if strip_tag and loc and loc[0] in RULE_TYPES:
            loc = loc[1:]
        loc = tuple(part for part in loc if part != "[key]")
        kind = error["type"]
        context = error.get("ctx") or {}
        if kind == "rule_invalid":
            base = pointer_of(loc)
            for problem in context["errors"]:
                result.append(
                    RuleError(
                        base + problem.pointer,
                        problem.code,
                        problem.message,
                        problem.message_id,
                        problem.params,
                    )
                )
            continue
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
        if kind in _TYPES:
            code, message_id = _TYPES[kind]
            params: dict[str, str] = {"types": ", ".join(RULE_TYPES)}
            if kind == "extra_forbidden":
                if loc:
                    params = {"key": str(loc[-1])}
                else:
                    message_id = "unknown_key_here"
            result.append(
                RuleError(
                    pointer_of(loc),
                    code,
                    messages.text(message_id, **params),
                    message_id,
                    tuple(params.items()),
                )
            )
            continue
        # Our own scalars' errors (scoring.engine.scalars) name their message and values.
        message_id = str(context.get("message_id", kind))
        values = tuple((k, str(v)) for k, v in context.items() if k != "message_id")
        known = message_id if message_id in messages.MESSAGES else ""
        result.append(RuleError(pointer_of(loc), kind, error["msg"], known, values))
    # pydantic also calls a list "too short" when its only items were invalid: keep the
    # item errors, which say what is wrong.
    return [
        e
        for e in result
        if not (e.code == "empty" and any(o.pointer.startswith(e.pointer + "/") for o in result))
    ]


def rule_errors(data: Any) -> list[RuleError]:
    """Every problem of a rule as given in JSON; an empty list when the rule is valid."""
    try:
        _ADAPTER.validate_python(data)
    except ValidationError as exc:
        return errors_from_validation(exc)
    return []


def parse_rule(data: Any) -> BooleanRule | LinearRule | ThresholdsRule | ChoiceRule | ManualRule:
    """A validated rule, or ``RuleValidationError`` with each problem and its pointer."""
    try:
        rule = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise RuleValidationError(errors_from_validation(exc)) from None
    return rule  # type: ignore[no-any-return]
