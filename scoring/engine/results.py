"""What the engine returns: per lot, per bid, per criterion, with warnings and sensitivity.

What is stored where (decided):
- In Python, every figure is the full-precision ``Decimal`` the engine computed (50
  significant digits, one rounding per operation at most; ratios like 2/3 are divided last,
  so 150000 * 2/3 is exactly 100000). Ranking and ties use these figures, compared at 6
  places.
- Serialised (``model_dump(mode="json")``, ``canonical_json``), a figure becomes its display
  text: scores, points, fulfilment and weights with exactly 4 places (ROUND_HALF_UP), money
  with exactly the currency's minor unit (ROUND_HALF_UP; ISK 0 places, SEK 2). So a stored
  result reads like the API, and the same input gives the same bytes. The unrounded figures
  can always be recomputed from the stored input: the engine is deterministic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema, field_serializer

from scoring.engine.decimal_context import display_money, display_score, normalised

Score = Annotated[
    Decimal,
    PlainSerializer(display_score, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["90.0000"]}),
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Out):
    """A sentence in Swedish and English."""

    sv: str
    en: str


class Money(_Out):
    amount: Decimal
    currency: str

    @field_serializer("amount")
    def _amount(self, amount: Decimal) -> str:
        return display_money(amount, self.currency)


class SupplierRef(_Out):
    id: str
    name: str


class DisqualificationReason(_Out):
    criterion: str
    code: str
    message: Text


class TieBreak(_Out):
    """How a tie at 6 places was settled.

    ``rule`` is the tie-break rule that decided this bid's place (``lower_price``,
    ``earlier_submission``, ``criterion:<code>``, ``lottery``) or ``needs_lottery`` when the
    chain could not; ``tied_with`` are the other bids with the same figure, and
    ``unresolved_with`` those this bid still shares its rank with.
    """

    rule: str
    tied_with: tuple[str, ...]
    unresolved_with: tuple[str, ...] = ()


class ManualScoreShown(_Out):
    evaluator: str
    score: Decimal

    @field_serializer("score")
    def _score(self, score: Decimal) -> str:
        return normalised(score)


class CriterionResult(_Out):
    """One criterion for one bid: the answer, the fulfilment, what it earned, and why.

    ``points`` is set under weighted_points and value_for_money, ``money`` under added_value
    and lowest_cost (for a deduction: the amount deducted; for a surcharge: the amount added);
    ``passed`` is set for requirements.
    """

    criterion: str
    code: str
    kind: str
    category: str
    value: bool | str | None
    fulfilment: Score | None
    points: Score | None = None
    money: Money | None = None
    passed: bool | None = None
    explanation: Text
    flagged: bool = False
    spread: Score | None = None
    evaluator_scores: tuple[ManualScoreShown, ...] = ()


class LifeCycleCost(_Out):
    """lowest_cost: present values over the lifetime; ``external`` is the priced CO2e."""

    acquisition: Money
    operating: Money
    end_of_life: Money
    internal: Money
    external: Money
    total: Money


class BidResult(_Out):
    bid: str
    supplier: SupplierRef
    lot: str
    qualified: bool
    disqualification_reasons: tuple[DisqualificationReason, ...] = ()
    price: Money
    comparison_price: Money | None = None
    total_score: Score | None = None
    price_score: Score | None = None
    rank: int | None = None
    tie_break: TieBreak | None = None
    categories: dict[str, Decimal]
    categories_unit: Literal["points", "money"]
    lcc: LifeCycleCost | None = None
    criteria: tuple[CriterionResult, ...]

    @field_serializer("categories")
    def _categories(self, categories: dict[str, Decimal]) -> dict[str, str]:
        if self.categories_unit == "money":
            currency = self.price.currency
            return {k: display_money(v, currency) for k, v in categories.items()}
        return {k: display_score(v) for k, v in categories.items()}


class LotResult(_Out):
    lot: str
    number: int
    title: str
    bids: tuple[BidResult, ...]


class EngineWarning(_Out):
    code: str
    message: Text
    details: dict[str, Any] = {}


class UnresolvedTie(_Out):
    """Bids that share a rank after the whole tie-break chain: an officer must draw lots."""

    lot: str
    rank: int
    bids: tuple[str, ...]


class SensitivityItem(_Out):
    """The smallest change of one parameter at which the first and second bids tie.

    ``status``: ``swap`` (any change beyond ``change`` swaps them), ``already_tied``, or
    ``no_change_in_range`` (no allowed value of the parameter changes their order).
    ``unit`` says how ``current``/``at_tie``/``change`` read: weight points, money, percent.
    """

    parameter: str
    criterion: str | None = None
    code: str | None = None
    unit: Literal["weight", "money", "percent"]
    status: Literal["swap", "already_tied", "no_change_in_range"]
    current: Decimal
    at_tie: Decimal | None = None
    change: Decimal | None = None
    explanation: Text
    currency: str

    @field_serializer("current", "at_tie", "change")
    def _figure(self, value: Decimal | None) -> str | None:
        if value is None:
            return None
        if self.unit == "money":
            return display_money(value, self.currency)
        return display_score(value)


class LotSensitivity(_Out):
    lot: str
    first: str
    second: str
    items: tuple[SensitivityItem, ...]


class EvaluationResult(_Out):
    engine_version: str
    method: str
    mode: str | None = None
    price_scoring: str | None = None
    price_scoring_kind: Literal["relative", "absolute"] | None = None
    currency: str
    warnings: tuple[EngineWarning, ...] = ()
    lots: tuple[LotResult, ...]
    sensitivity: tuple[LotSensitivity, ...] = ()
    unresolved_ties: tuple[UnresolvedTie, ...] = ()
