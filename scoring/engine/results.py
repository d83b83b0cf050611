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

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_serializer,
)

from scoring.engine.decimal_context import display_money, display_score, normalised

Score = Annotated[
    Decimal,
    PlainSerializer(display_score, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["90.0000"]}),
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Per-bid and per-criterion records are NamedTuples, not pydantic models: 2,000 bids x 25
# criteria make 50,000 of them, and a NamedTuple is immutable and built several times faster
# than a validated model (or a frozen dataclass). They are written to JSON by the functions
# below (attached with PlainSerializer), which render figures in their display form.


class Text(tuple):  # type: ignore[type-arg]
    """A sentence in Swedish and English.

    ``Text(sv=..., en=...)``, or ``Text.deferred(render, *args)``: the sentence is written
    when it is read (``render(*args)`` returns a ``Text``). The evaluation creates 50,000
    explanations for a large tender; writing them only when a result is read or serialised
    keeps the scoring loop lean, and a record shared by many bids is written once (the JSON
    writers read each record once). ``pair()`` gives both languages from one writing.

    Immutable: a tuple, (sv, en) or (None, render, *args), so that the scoring loop can
    build thousands of them with C calls (``tuple.__new__(Text, (None, render, ...))``)
    and a written one holds no other object. It reads the same every time.
    """

    __slots__ = ()

    def __new__(cls, *, sv: str, en: str) -> Text:
        return tuple.__new__(cls, (sv, en))

    @classmethod
    def deferred(cls, render: Callable[..., Text], *args: Any) -> Text:
        return tuple.__new__(cls, (None, render, *args))

    def pair(self) -> tuple[str, str]:
        """(sv, en)."""
        if self[0] is not None:
            return self[0], self[1]
        written = self[1](*self[2:])
        return written[0], written[1]

    @property
    def sv(self) -> str:
        return self.pair()[0]

    @property
    def en(self) -> str:
        return self.pair()[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and self.pair() == other.pair()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.pair())

    def __repr__(self) -> str:
        sv, en = self.pair()
        return f"Text(sv={sv!r}, en={en!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        sv, en = self.pair()
        return _written, (sv, en)


def _written(sv: str, en: str) -> Text:
    return Text(sv=sv, en=en)


def _text_from(value: Any) -> Text:
    if isinstance(value, Text):
        return value
    if (
        isinstance(value, dict)
        and isinstance(value.get("sv"), str)
        and isinstance(value.get("en"), str)
    ):
        return Text(sv=value["sv"], en=value["en"])
    raise ValueError("a text needs sv and en")


def text_json(text: Text) -> dict[str, str]:
    sv, en = text.pair()
    return {"sv": sv, "en": en}


TextField = Annotated[
    Text,
    PlainValidator(_text_from),
    PlainSerializer(text_json),
    WithJsonSchema(
        {"type": "object", "properties": {"sv": {"type": "string"}, "en": {"type": "string"}}}
    ),
]


# A record built from the full tuple of its fields in one call, without the generated
# keyword ``__new__`` (the scoring loop builds thousands): ``from_fields(Money, (amount,
# currency))``. Every use passes all fields in field order (a test checks every record of
# every method against its fields).
from_fields = tuple.__new__


class Money(NamedTuple):
    amount: Decimal
    currency: str


class SupplierRef(NamedTuple):
    id: str
    name: str


class DisqualificationReason(NamedTuple):
    criterion: str
    code: str
    message: TextField


class TieBreak(NamedTuple):
    """How a tie at 6 places was settled.

    ``rule`` is the tie-break rule that decided this bid's place (``lower_price``,
    ``earlier_submission``, ``criterion:<code>``, ``lottery``) or ``needs_lottery`` when the
    chain could not; ``tied_with`` are the other bids with the same figure, and
    ``unresolved_with`` those this bid still shares its rank with.
    """

    rule: str
    tied_with: tuple[str, ...]
    unresolved_with: tuple[str, ...] = ()


class ManualScoreShown(NamedTuple):
    evaluator: str
    score: Decimal


class _CriterionFields(NamedTuple):
    criterion: str
    code: str
    kind: str
    category: str
    value: bool | str | None
    fulfilment: Decimal | None
    text: Any  # a Text, or an explainer shared by the criterion's records (see below)
    points: Decimal | None = None
    money: Money | None = None
    passed: bool | None = None
    flagged: bool = False
    spread: Decimal | None = None
    evaluator_scores: tuple[ManualScoreShown, ...] = ()


class CriterionResult(_CriterionFields):
    """One criterion for one bid: the answer, the fulfilment, what it earned, and why.

    ``points`` is set under weighted_points and value_for_money, ``money`` under added_value
    and lowest_cost (for a deduction: the amount deducted; for a surcharge: the amount added);
    ``passed`` is set for requirements. One record may be shared by every bid that gave the
    same answer (it holds nothing about the bid).

    ``explanation`` is the sentence that says why. A rule-scored award answer (thousands of
    them in a large tender) stores, in ``text``, its criterion's explainer (one object for
    all the criterion's records: ``explain(record) -> Text``) instead of a sentence of its
    own, and the sentence is made from the record when it is read.
    """

    __slots__ = ()

    @property
    def explanation(self) -> Text:
        text = self.text
        return text if isinstance(text, Text) else text.explain(self)


class LifeCycleCost(NamedTuple):
    """lowest_cost: present values over the lifetime; ``external`` is the priced CO2e."""

    acquisition: Money
    operating: Money
    end_of_life: Money
    internal: Money
    external: Money
    total: Money


class BidResult(NamedTuple):
    """One bid in one lot. Qualified bids carry ``total_score`` (weighted_points,
    value_for_money: points, or points per million) or ``comparison_price`` (lowest_price,
    added_value, lowest_cost), a ``rank`` and ``categories`` (points or money per category,
    ``"price"`` included under weighted_points, see ``categories_unit``). A disqualified
    bid has ``rank``, totals and ``categories`` empty, its ``disqualification_reasons``, and
    its criteria as scored, for the record. ``price_score`` (0..1) is set under
    weighted_points."""

    bid: str
    supplier: SupplierRef
    lot: str
    qualified: bool
    price: Money
    categories: dict[str, Decimal]
    categories_unit: Literal["points", "money"]
    criteria: tuple[CriterionResult, ...]
    disqualification_reasons: tuple[DisqualificationReason, ...] = ()
    comparison_price: Money | None = None
    total_score: Decimal | None = None
    price_score: Decimal | None = None
    rank: int | None = None
    tie_break: TieBreak | None = None
    lcc: LifeCycleCost | None = None


def _score(value: Decimal | None) -> str | None:
    return None if value is None else display_score(value)


def money_json(money: Money | None) -> dict[str, str] | None:
    if money is None:
        return None
    return {"amount": display_money(money.amount, money.currency), "currency": money.currency}


_Shown = tuple[
    str | None, str | None, str | None, str, str, str | None, tuple[tuple[str, str], ...]
]


def shown_texts(c: CriterionResult) -> _Shown:
    """The display texts of a criterion record (the costly part of writing it)."""
    money = c.money
    return (
        _score(c.fulfilment),
        _score(c.points),
        None if money is None else display_money(money.amount, money.currency),
        *c.explanation.pair(),
        _score(c.spread),
        tuple((s.evaluator, normalised(s.score)) for s in c.evaluator_scores),
    )


def criterion_json(c: CriterionResult, shown: _Shown | None = None) -> dict[str, Any]:
    fulfilment, points, amount, sv, en, spread, scores = shown or shown_texts(c)
    money = c.money
    return {
        "criterion": c.criterion,
        "code": c.code,
        "kind": c.kind,
        "category": c.category,
        "value": c.value,
        "fulfilment": fulfilment,
        "points": points,
        "money": None if money is None else {"amount": amount, "currency": money.currency},
        "passed": c.passed,
        "explanation": {"sv": sv, "en": en},
        "flagged": c.flagged,
        "spread": spread,
        "evaluator_scores": [{"evaluator": e, "score": score} for e, score in scores],
    }


def bid_head_json(b: BidResult) -> dict[str, Any]:
    """One bid's result as JSON without its ``criteria`` (which ``bid_json`` adds last)."""
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
    }


def bid_json(b: BidResult, memo: dict[int, _Shown] | None = None) -> dict[str, Any]:
    """One bid's result as JSON. ``memo`` (by record id, for one call only) lets the records
    that many bids share be rendered once; every dict returned is new."""
    data = bid_head_json(b)
    data["criteria"] = (
        [_criterion_memo(c, memo) for c in b.criteria]
        if memo is not None
        else [criterion_json(c) for c in b.criteria]
    )
    return data


def _criterion_memo(c: CriterionResult, memo: dict[int, _Shown]) -> dict[str, Any]:
    shown = memo.get(id(c))
    if shown is None:
        shown = memo[id(c)] = shown_texts(c)
    return criterion_json(c, shown)


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

    def to_json_data(self) -> dict[str, Any]:
        """The same data as ``model_dump(mode="json")``, built faster (``canonical_json``)."""
        data = self.model_dump(mode="json", exclude={"lots"})
        data["lots"] = self._lots(self.lots)
        return data

    @field_serializer("lots")
    def _lots(self, lots: tuple[LotResult, ...]) -> list[dict[str, Any]]:
        # the records stay alive during this call, so their ids are a safe memo key
        memo: dict[int, _Shown] = {}
        return [
            {
                "lot": lot.lot,
                "number": lot.number,
                "title": lot.title,
                "bids": [bid_json(b, memo) for b in lot.bids],
            }
            for lot in lots
        ]
