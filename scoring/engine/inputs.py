"""What the engine is given: one tender's frozen configuration, its opened bids and scores.

Everything is validated here, once, at the edge (STYLE.md B3.6); ``evaluate`` then computes
on these frozen models without validating again. Floats are refused everywhere; decimals
arrive as strings. Ids are strings (UUIDs in practice) and must be unique.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, NamedTuple, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scoring.engine.decimal_context import normalised
from scoring.engine.messages import MESSAGES
from scoring.engine.rules import ManualRule, Rule
from scoring.engine.scalars import Answer, DecimalStr, Ratio, Timestamp, Whole

Method = Literal["lowest_price", "weighted_points", "added_value", "value_for_money", "lowest_cost"]
PriceScoring = Literal["proportional", "linear_range", "absolute"]
AddedValueMode = Literal["deduction", "surcharge", "percent_surcharge"]
Aggregation = Literal["consensus", "mean", "median"]
Category = Literal["environmental", "social", "animal_welfare", "small_supplier", "quality"]
CriterionKind = Literal["requirement", "award", "contract_condition"]
TieRule = Literal["lower_price", "earlier_submission", "lottery"]  # and "criterion:<code>"
# The vocabulary of the evaluation settings is the engine's (these types): the settings'
# validation, the forms, the OpenAPI schema and the snapshot take their choices from them.
METHODS: tuple[str, ...] = get_args(Method)
PRICE_SCORINGS: tuple[str, ...] = get_args(PriceScoring)
ADDED_VALUE_MODES: tuple[str, ...] = get_args(AddedValueMode)
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
TIE_RULES: tuple[str, ...] = get_args(TieRule)


def amount_field(method: str, mode: str | None = None) -> str | None:
    """Which amount an award criterion carries under the method: ``weight`` (points, of
    weighted points and value for money), ``value`` (money, of added value and life-cycle
    cost), ``percent`` (added value's percent surcharge), or None (lowest price scores no
    criterion). The one answer for the forms, the checks and the API."""
    if method in ("weighted_points", "value_for_money"):
        return "weight"
    if method == "added_value":
        return "percent" if mode == "percent_surcharge" else "value"
    if method == "lowest_cost":
        return "value"
    return None


CATEGORIES: tuple[str, ...] = (
    "environmental",
    "social",
    "animal_welfare",
    "small_supplier",
    "quality",
)

_TIE_RULE_RE = re.compile(r"^(lower_price|earlier_submission|lottery|criterion:\S.*)$")


def _refused(message_id: str, **params: str) -> PydanticCustomError:
    """A refused setting (pydantic's "value_error", as before), its message the template
    ``message_id`` with ``params``: translatable by the presentation layer."""
    return PydanticCustomError(
        "value_error", MESSAGES[message_id], {"message_id": message_id, **params}
    )


class EngineInputError(ValueError):
    """An input the engine cannot evaluate (e.g. a manual score is missing, a price of 0
    under proportional scoring). ``code`` is stable; ``details`` names the objects."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.details = details or {}
        super().__init__(f"{code}: {message}")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvaluationConfig(_Frozen):
    """The tender's ``evaluation`` object (API.md), frozen at publication."""

    method: Method
    price_weight: DecimalStr | None = None
    price_scoring: PriceScoring | None = None
    price_floor: DecimalStr | None = None
    price_ceiling: DecimalStr | None = None
    mode: AddedValueMode | None = None
    lifetime_years: Whole | None = None
    discount_rate: DecimalStr | None = None
    co2_price_per_tonne: DecimalStr | None = None
    tie_break: tuple[str, ...] = ("lower_price", "earlier_submission")
    aggregation: Aggregation = "consensus"
    spread_threshold: DecimalStr = Decimal("0.4")
    evaluators_see_prices: bool = False

    @field_validator("tie_break")
    @classmethod
    def _known_tie_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _TIE_RULE_RE.match(item):
                raise _refused("unknown_tie_rule", rule=item)
        if len(set(value)) != len(value):
            raise _refused("tie_rule_twice")
        return value

    @model_validator(mode="after")
    def _parameters_fit_method(self) -> EvaluationConfig:
        method = self.method
        owners = {
            "price_weight": ("weighted_points",),
            "price_scoring": ("weighted_points",),
            "price_floor": ("weighted_points",),
            "price_ceiling": ("weighted_points",),
            "mode": ("added_value",),
            "lifetime_years": ("lowest_cost",),
            "discount_rate": ("lowest_cost",),
            "co2_price_per_tonne": ("lowest_cost",),
        }
        for name, methods in owners.items():
            if getattr(self, name) is not None and method not in methods:
                raise _refused("setting_not_for_method", name=name, method=method)
        if method == "weighted_points":
            if self.price_weight is None:
                raise _refused("price_weight_missing")
            if self.price_weight < 0:
                raise _refused("price_weight_negative")
            if self.price_scoring == "absolute":
                if self.price_ceiling is None:
                    raise _refused("price_ceiling_missing")
                if self.price_ceiling <= (self.price_floor or 0):
                    raise _refused("ceiling_not_above_floor")
                if (self.price_floor or 0) < 0:
                    raise _refused("price_floor_negative")
            elif self.price_floor is not None or self.price_ceiling is not None:
                raise _refused("bounds_without_absolute")
        if method == "lowest_cost":
            for name in ("lifetime_years", "discount_rate", "co2_price_per_tonne"):
                if getattr(self, name) is None:
                    raise _refused("life_cycle_setting_missing", name=name)
            assert self.lifetime_years is not None and self.discount_rate is not None
            if not 1 <= self.lifetime_years <= 100:
                raise _refused("lifetime_out_of_range")
            if self.discount_rate <= -1:
                raise _refused("discount_rate_too_low")
            if (self.co2_price_per_tonne or 0) < 0:
                raise _refused("co2_price_negative")
        if not 0 <= self.spread_threshold <= 1:
            raise _refused("spread_out_of_range")
        return self

    @property
    def effective_price_scoring(self) -> PriceScoring:
        return self.price_scoring or "proportional"

    @property
    def effective_mode(self) -> AddedValueMode:
        return self.mode or "deduction"


class Lot(_Frozen):
    id: str = Field(min_length=1)
    number: Whole
    title: str = ""


class Criterion(_Frozen):
    """A tender criterion as frozen at publication (weight, value or percent per method)."""

    id: str = Field(min_length=1)
    code: str = Field(min_length=1)
    title: str
    title_en: str | None = None
    category: Category
    kind: CriterionKind
    rule: Rule
    weight: DecimalStr | None = None
    value: DecimalStr | None = None
    percent: DecimalStr | None = None
    lot: str | None = None
    source: Literal["bid", "supplier_profile"] = "bid"
    profile_field: str | None = None
    pass_fulfilment: Ratio = Fraction(1)
    unit: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        if (self.source == "supplier_profile") != (self.profile_field is not None):
            raise ValueError("profile_field is needed exactly when source is supplier_profile")
        for name in ("weight", "value", "percent"):
            amount = getattr(self, name)
            if amount is None:
                continue
            if amount < 0:
                raise ValueError(f"{name} cannot be negative")
            if self.kind != "award":
                raise ValueError(f"a {self.kind} takes no {name}: only award criteria are scored")
        if isinstance(self.rule, ManualRule) and self.source != "bid":
            raise ValueError("a manual criterion is scored by evaluators, not read from a profile")
        return self


class Supplier(_Frozen):
    id: str = Field(min_length=1)
    name: str
    profile: dict[str, Answer] = Field(default_factory=dict)


class CostInputs(_Frozen):
    """Life-cycle cost inputs of a bid (lowest_cost), in the tender currency per year."""

    acquisition_cost: DecimalStr
    annual_operating_cost: DecimalStr = Decimal(0)
    annual_co2e_tonnes: DecimalStr = Decimal(0)
    end_of_life_cost: DecimalStr = Decimal(0)

    @model_validator(mode="after")
    def _not_negative(self) -> CostInputs:
        if self.acquisition_cost < 0 or self.annual_operating_cost < 0:
            raise ValueError("costs cannot be negative")
        if self.annual_co2e_tonnes < 0:
            raise ValueError("annual_co2e_tonnes cannot be negative")
        return self


class Bid(_Frozen):
    id: str = Field(min_length=1)
    lot: str = Field(min_length=1)
    supplier: Supplier
    price: DecimalStr
    submitted_at: Timestamp
    cost: CostInputs | None = None
    responses: dict[str, Answer] = Field(default_factory=dict)

    @field_validator("price")
    @classmethod
    def _price_not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("a price cannot be negative")
        return value


class EvaluatorScore(NamedTuple):
    """One evaluator's score of one bid on one manual criterion.

    A tuple rather than a model: a large tender has tens of thousands of them, and the
    scoring loop reads them all (a tuple is a quarter of a model's memory and read without
    attribute lookups). Validated from an object with exactly these four keys, and written
    back as one, like the other inputs."""

    bid: str
    criterion: str
    evaluator: str
    score: DecimalStr


def _object_of(record: type[tuple[Any, ...]], keys: str) -> Callable[[Any], Any]:
    """Validation of a score record: from an object with the record's keys, not a list."""

    def as_object(value: Any) -> Any:
        if isinstance(value, record | dict):
            return value
        raise PydanticCustomError("model_type", f"an object with {keys} is expected")

    return as_object


def _record_json(value: EvaluatorScore | ConsensusScore) -> dict[str, Any]:
    """A score record written back as an object, the score as its canonical text."""
    return {**value._asdict(), "score": normalised(value.score)}


EvaluatorScoreField = Annotated[
    EvaluatorScore,
    BeforeValidator(_object_of(EvaluatorScore, "bid, criterion, evaluator and score")),
    PlainSerializer(_record_json),
]


class ConsensusScore(NamedTuple):
    """The score an officer set for one bid on one manual criterion, with the reason (a
    tuple, like ``EvaluatorScore``: one per bid and manual criterion)."""

    bid: str
    criterion: str
    score: DecimalStr
    justification: str = ""


ConsensusScoreField = Annotated[
    ConsensusScore,
    BeforeValidator(_object_of(ConsensusScore, "bid, criterion, score and justification")),
    PlainSerializer(_record_json),
]


class LotteryDraw(_Frozen):
    """The order drawn by lot for bids of one lot that the tie-break chain left tied."""

    lot: str
    order: tuple[str, ...]

    @field_validator("order")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a bid appears twice in the lottery order")
        return value


def _duplicates(values: list[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


class EvaluationInput(_Frozen):
    """One tender's evaluation snapshot: the engine's whole input (hash it, store it)."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    method: EvaluationConfig
    lots: tuple[Lot, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = ()
    bids: tuple[Bid, ...] = ()
    scores: tuple[EvaluatorScoreField, ...] = ()
    consensus: tuple[ConsensusScoreField, ...] = ()
    lottery: tuple[LotteryDraw, ...] = ()

    @model_validator(mode="after")
    def _references_hold(self) -> EvaluationInput:
        for name, ids in (
            ("lot", [lot.id for lot in self.lots]),
            ("criterion", [c.id for c in self.criteria]),
            ("bid", [b.id for b in self.bids]),
        ):
            if dupes := _duplicates(ids):
                raise ValueError(f"{name} ids must be unique: {', '.join(dupes)}")
        lot_ids = {lot.id for lot in self.lots}
        criteria = {c.id: c for c in self.criteria}
        bid_ids = {b.id for b in self.bids}
        self._check_criteria(lot_ids)
        for bid in self.bids:
            if bid.lot not in lot_ids:
                raise ValueError(f"bid {bid.id}: unknown lot {bid.lot}")
            for criterion_id in bid.responses:
                if criterion_id not in criteria:
                    raise ValueError(f"bid {bid.id}: response to unknown criterion {criterion_id}")
            if self.method.method == "lowest_cost" and bid.cost is None:
                raise ValueError(f"bid {bid.id}: lowest_cost needs the bid's cost inputs")
        for kind, items in (("score", self.scores), ("consensus score", self.consensus)):
            for item in items:
                if item.bid not in bid_ids:
                    raise ValueError(f"{kind} for unknown bid {item.bid}")
                criterion = criteria.get(item.criterion)
                if criterion is None or not isinstance(criterion.rule, ManualRule):
                    raise ValueError(
                        f"{kind} for {item.criterion}, which is not a manual criterion"
                    )
                if not 0 <= item.score <= criterion.rule.scale_max:
                    raise ValueError(
                        f"{kind} {item.score} for bid {item.bid} on {criterion.code} is outside "
                        f"0..{criterion.rule.scale_max}"
                    )
        seen = Counter((s.bid, s.criterion, s.evaluator) for s in self.scores)
        if repeated := [key for key, n in seen.items() if n > 1]:
            raise ValueError(f"an evaluator scored the same item twice: {repeated[0]}")
        seen_consensus = Counter((s.bid, s.criterion) for s in self.consensus)
        if twice := [key for key, n in seen_consensus.items() if n > 1]:
            raise ValueError(f"two consensus scores for the same item: {twice[0]}")
        for draw in self.lottery:
            if draw.lot not in lot_ids:
                raise ValueError(f"lottery for unknown lot {draw.lot}")
            for bid_id in draw.order:
                if bid_id not in bid_ids:
                    raise ValueError(f"lottery names unknown bid {bid_id}")
        if _duplicates([draw.lot for draw in self.lottery]):
            raise ValueError("one lottery draw per lot")
        return self

    def _check_criteria(self, lot_ids: set[str]) -> None:
        method = self.method.method
        mode = self.method.effective_mode
        codes = [c.code for c in self.criteria]
        if dupes := _duplicates(codes):
            raise ValueError(f"criterion codes must be unique: {', '.join(dupes)}")
        for rule in self.method.tie_break:
            if rule.startswith("criterion:") and rule.removeprefix("criterion:") not in codes:
                raise ValueError(f"tie-break names unknown criterion {rule}")
        for criterion in self.criteria:
            if criterion.lot is not None and criterion.lot not in lot_ids:
                raise ValueError(f"criterion {criterion.code}: unknown lot {criterion.lot}")
            if criterion.kind != "award":
                continue
            needed: str | None = None
            if method in ("weighted_points", "value_for_money"):
                needed = "weight"
            elif method == "added_value":
                needed = "percent" if mode == "percent_surcharge" else "value"
            elif method == "lowest_cost":
                needed = "value"
            if needed is not None and getattr(criterion, needed) is None:
                raise ValueError(f"award criterion {criterion.code} needs a {needed} ({method})")
            for other in ("weight", "value", "percent"):
                if other != needed and getattr(criterion, other) is not None and needed:
                    raise ValueError(
                        f"award criterion {criterion.code} takes a {needed}, not a {other}"
                    )
