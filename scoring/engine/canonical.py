"""Canonical JSON and SHA-256 of the engine's inputs and results.

One text for one value, in any process: keys sorted, no whitespace, UTF-8 (no \\u escapes
for non-ASCII), no floats. A ``Decimal`` is written as a string in its normalised form (fixed
point, no exponent, no trailing zeros: "1.50" -> "1.5", "1E+2" -> "100", "-0" -> "0"); an
exact fraction as a decimal when it terminates, else "n/d"; a time as UTC
"YYYY-MM-DDTHH:MM:SS.ffffffZ". Engine models already serialise their figures this way
(results with their fixed display places, see ``results.py``), so a model and the dict it
dumps to give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from scoring.engine.decimal_context import display_money, display_score, normalised, ratio_text
from scoring.engine.results import (
    BidResult,
    CriterionResult,
    EvaluationResult,
    LifeCycleCost,
    Money,
    money_json,
    shown_texts,
    text_json,
)
from scoring.engine.scalars import timestamp_text


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return normalised(value)
    if isinstance(value, Fraction):
        return ratio_text(value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, tuple | frozenset | set):
        items = list(value)
        return sorted(items) if not isinstance(value, tuple) else items
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not canonical JSON: {type(value).__name__}")


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats have no canonical form here: use Decimal or a string")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


# What ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# allow_nan=False, default=_default)`` calls, built once.
_dumps = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=_default,
).encode


_string = json.encoder.encode_basestring  # how the encoder above writes a str (C version)


def _j(value: Any) -> str:
    """One value as ``_dumps`` writes it, quickly for the common scalars."""
    if value.__class__ is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _dumps(value)


def _money(money: Money | None) -> str:
    if money is None:
        return "null"
    amount = display_money(money.amount, money.currency)
    return f'{{"amount":{_j(amount)},"currency":{_j(money.currency)}}}'


def _score(value: Decimal | None) -> str:
    return "null" if value is None else _j(display_score(value))


# An object without whitespace is "{" + ",".join(key + ":" + value, in sorted key order) +
# "}", and a value is written the same wherever it stands; so the writers below emit the
# members of a record in sorted key order themselves. Tests check them, byte for byte,
# against ``_dumps`` of the same record's ``model_dump``.


def _criterion_bytes(c: CriterionResult) -> bytes:
    """``_dumps(criterion_json(c))`` as bytes."""
    fulfilment, points, amount, sv, en, spread, scores = shown_texts(c)
    evaluator_scores = ",".join(
        [f'{{"evaluator":{_j(e)},"score":{_j(score)}}}' for e, score in scores]
    )
    money = c.money
    money_text = (
        "null" if money is None else f'{{"amount":{_j(amount)},"currency":{_j(money.currency)}}}'
    )
    return (
        f'{{"category":{_j(c.category)},"code":{_j(c.code)},"criterion":{_j(c.criterion)},'
        f'"evaluator_scores":[{evaluator_scores}],'
        f'"explanation":{{"en":{_j(en)},"sv":{_j(sv)}}},"flagged":{_j(c.flagged)},'
        f'"fulfilment":{_j(fulfilment)},"kind":{_j(c.kind)},"money":{money_text},'
        f'"passed":{_j(c.passed)},"points":{_j(points)},"spread":{_j(spread)},'
        f'"value":{_j(c.value)}}}'
    ).encode()


def _bid_parts(b: BidResult) -> tuple[bytes, bytes]:
    """``_dumps(bid_json(b))`` as bytes, cut where the criteria go (between the brackets)."""
    if b.categories_unit == "money":
        currency = b.price.currency
        categories = {k: display_money(v, currency) for k, v in b.categories.items()}
    else:
        categories = {k: display_score(v) for k, v in b.categories.items()}
    reasons = b.disqualification_reasons
    tie = b.tie_break
    lcc = b.lcc
    rank = b.rank
    supplier = b.supplier
    opening = (
        f'{{"bid":{_j(b.bid)},"categories":{_dumps(categories)},'
        f'"categories_unit":{_j(b.categories_unit)},'
        f'"comparison_price":{_money(b.comparison_price)},"criteria":['
    )
    closing = (
        '],"disqualification_reasons":'
        + (
            _dumps(
                [
                    {"criterion": r.criterion, "code": r.code, "message": text_json(r.message)}
                    for r in reasons
                ]
            )
            if reasons
            else "[]"
        )
        + ',"lcc":'
        + (
            "null"
            if lcc is None
            else _dumps({name: money_json(getattr(lcc, name)) for name in LifeCycleCost._fields})
        )
        + f',"lot":{_j(b.lot)},"price":{_money(b.price)},'
        f'"price_score":{_score(b.price_score)},"qualified":{_j(b.qualified)},'
        f'"rank":{int.__repr__(rank) if rank.__class__ is int else _j(rank)},'
        f'"supplier":{{"id":{_j(supplier.id)},"name":{_j(supplier.name)}}},'
        '"tie_break":'
        + (
            "null"
            if tie is None
            else _dumps(
                {
                    "rule": tie.rule,
                    "tied_with": list(tie.tied_with),
                    "unresolved_with": list(tie.unresolved_with),
                }
            )
        )
        + f',"total_score":{_score(b.total_score)}}}'
    )
    return opening.encode(), closing.encode()


def _split(data: dict[str, Any], key: str) -> tuple[bytes, bytes]:
    """``_dumps(data | {key: ...})`` as bytes, cut where the value of ``key`` goes."""
    before = {k: v for k, v in data.items() if k < key}
    after = {k: v for k, v in data.items() if k > key}
    opening = "{" + (_dumps(before)[1:-1] + "," if before else "") + _dumps(key) + ":"
    closing = ("," + _dumps(after)[1:-1] if after else "") + "}"
    return opening.encode(), closing.encode()


def _result_json(result: EvaluationResult) -> bytes:
    """The canonical bytes of a result, written piece by piece and joined once: the same
    bytes as ``_dumps(result.to_json_data())``, several times faster. A criterion record
    that many bids share (the same answer gives the same record) is written once; the
    records stay alive during this call, so their ids are a safe memo key."""
    memo: dict[int, bytes] = {}
    parts: list[bytes] = []
    add = parts.append
    opening, closing = _split(result.model_dump(mode="json", exclude={"lots"}), "lots")
    add(opening + b"[")
    for n, lot in enumerate(result.lots):
        lot_opening, lot_closing = _split(
            {"lot": lot.lot, "number": lot.number, "title": lot.title}, "bids"
        )
        add((b"," if n else b"") + lot_opening + b"[")
        for i, b in enumerate(lot.bids):
            bid_opening, bid_closing = _bid_parts(b)
            add(b"," + bid_opening if i else bid_opening)
            records = b.criteria
            texts = list(map(memo.get, map(id, records)))
            if None in texts:
                for j, c in enumerate(records):
                    if texts[j] is None:
                        text = memo.get(id(c))
                        if text is None:
                            text = memo[id(c)] = _criterion_bytes(c)
                        texts[j] = text
            add(b",".join(texts))  # type: ignore[arg-type]
            add(bid_closing)
        add(b"]" + lot_closing)
    add(b"]" + closing)
    return b"".join(parts)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of an engine model or of plain JSON-like data."""
    if isinstance(value, EvaluationResult):
        return _result_json(value)
    if isinstance(value, BaseModel):
        data = value.model_dump(mode="json")  # engine models hold no floats: inputs refuse them
    else:
        data = value
        _reject_floats(data)
    return _dumps(data).encode("utf-8")


def sha256_of(value: Any) -> str:
    """Hex SHA-256 of ``canonical_json(value)``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
