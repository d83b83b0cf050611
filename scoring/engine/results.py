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

from dataclasses import dataclass
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


# Per-bid and per-criterion records are frozen slotted dataclasses, not pydantic models:
# 2,000 bids x 25 criteria make 50,000 of them, and a dataclass is built several times faster
# than a validated model. They are written to JSON by the functions below (attached with
# PlainSerializer), which render figures in their display form.
_record = dataclass(frozen=True, slots=True, kw_only=True)


@_record
class Text:
    """A sentence in Swedish and English."""

    sv: str
    en: str


@_record
class Money:
    amount: Decimal
    currency: str


@_record
class SupplierRef:
    id: str
    name: str


@_record
class DisqualificationReason:
    criterion: str
    code: str
    message: Text


@_record
class TieBreak:
    """How a tie at 6 places was settled.

    ``rule`` is the tie-break rule that decided this bid's place (``lower_price``,
    ``earlier_submission``, ``criterion:<code>``, ``lottery``) or ``needs_lottery`` when the
    chain could not; ``tied_with`` are the other bids with the same figure, and
    ``unresolved_with`` those this bid still shares its rank with.
    """

    rule: str
    tied_with: tuple[str, ...]
    unresolved_with: tuple[str, ...] = ()


@_record
class ManualScoreShown:
    evaluator: str
    score: Decimal


@_record
class CriterionResult:
    """One criterion for one bid: the answer, the fulfilment, what it earned, and why.

    ``points`` is set under weighted_points and value_for_money, ``money`` under added_value
    and lowest_cost (for a deduction: the amount deducted; for a surcharge: the amount added);
    ``passed`` is set for requirements. One record may be shared by every bid that gave the
    same answer (it holds nothing about the bid).
    """

    criterion: str
    code: str
    kind: str
    category: str
    value: bool | str | None
    fulfilment: Decimal | None
    points: Decimal | None = None
    money: Money | None = None
    passed: bool | None = None
    explanation: Text
    flagged: bool = False
    spread: Decimal | None = None
    evaluator_scores: tuple[ManualScoreShown, ...] = ()


@_record
class LifeCycleCost:
    """lowest_cost: present values over the lifetime; ``external`` is the priced CO2e."""

    acquisition: Money
    operating: Money
    end_of_life: Money
    internal: Money
    external: Money
    total: Money


@_record
class BidResult:
    bid: str
    supplier: SupplierRef
    lot: str
    qualified: bool
    disqualification_reasons: tuple[DisqualificationReason, ...] = ()
    price: Money
    comparison_price: Money | None = None
    total_score: Decimal | None = None
    price_score: Decimal | None = None
    rank: int | None = None
    tie_break: TieBreak | None = None
    categories: dict[str, Decimal]
    categories_unit: Literal["points", "money"]
    lcc: LifeCycleCost | None = None
    criteria: tuple[CriterionResult, ...]


def _score(value: Decimal | None) -> str | None:
    return None if value is None else display_score(value)


def text_json(text: Text) -> dict[str, str]:
    return {"sv": text.sv, "en": text.en}


def money_json(money: Money | None) -> dict[str, str] | None:
    if money is None:
        return None
    return {"amount": display_money(money.amount, money.currency), "currency": money.currency}


def criterion_json(c: CriterionResult) -> dict[str, Any]:
    return {
        "criterion": c.criterion,
        "code": c.code,
        "kind": c.kind,
        "category": c.category,
        "value": c.value,
        "fulfilment": _score(c.fulfilment),
        "points": _score(c.points),
        "money": money_json(c.money),
        "passed": c.passed,
        "explanation": text_json(c.explanation),
        "flagged": c.flagged,
        "spread": _score(c.spread),
        "evaluator_scores": [
            {"evaluator": s.evaluator, "score": normalised(s.score)} for s in c.evaluator_scores
        ],
    }


def bid_json(b: BidResult) -> dict[str, Any]:
    if b.categories_unit == "money":
        currency = b.price.currency
        categories = {k: display_money(v, currency) for k, v in b.categories.items()}
    else:
        categories = {k: display_score(v) for k, v in b.categories.items()}
    tie = b.tie_break
    lcc = b.lcc
    return {
        "bid": b.bid,
        "supplier": {"id": b.supplier.id, "name": b.supplier.name},
        "lot": b.lot,
        "qualified": b.qualified,
        "disqualification_reasons": [
            {"criterion": r.criterion, "code": r.code, "message": text_json(r.message)}
            for r in b.disqualification_reasons
        ],
        "price": money_json(b.price),
        "comparison_price": money_json(b.comparison_price),
        "total_score": _score(b.total_score),
        "price_score": _score(b.price_score),
        "rank": b.rank,
        "tie_break": None
        if tie is None
        else {
            "rule": tie.rule,
            "tied_with": list(tie.tied_with),
            "unresolved_with": list(tie.unresolved_with),
        },
        "categories": categories,
        "categories_unit": b.categories_unit,
        "lcc": None
        if lcc is None
        else {
            name: money_json(getattr(lcc, name))
            for name in ("acquisition", "operating", "end_of_life", "internal", "external", "total")
        },
        "criteria": [criterion_json(c) for c in b.criteria],
    }


TextField = Annotated[
    Text,
    PlainSerializer(text_json),
    WithJsonSchema({"type": "object", "properties": {"sv": {}, "en": {}}}),
]
BidResultField = Annotated[
    BidResult,
    PlainSerializer(bid_json),
    WithJsonSchema({"type": "object", "description": "one bid's result (see API.md)"}),
]


class LotResult(_Out):
    lot: str
    number: int
    title: str
    bids: tuple[BidResultField, ...]


class EngineWarning(_Out):
    code: str
    message: TextField
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
    explanation: TextField
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
