"""Strict scalar types for the engine's pydantic models.

Numbers arrive as decimal strings (JSON integers are accepted where a whole number is meant);
a float is refused everywhere, because a binary float cannot carry a price or a fraction
exactly (STYLE.md, pitfall 15). Each type serialises to one canonical text, so the same input
always gives the same bytes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from scoring.engine.decimal_context import normalised, ratio_text
from scoring.engine.messages import MESSAGES

DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_RATIO_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

FLOAT_MESSAGE = MESSAGES["float_refused"]


def _error(kind: str, message_id: str | None = None, **params: str) -> PydanticCustomError:
    """A refusal of type ``kind`` (the code) whose message is the template ``message_id``."""
    key = message_id or kind
    return PydanticCustomError(kind, MESSAGES[key], {"message_id": key, **params})


def _refuse_float(value: Any) -> None:
    if isinstance(value, float):
        raise PydanticCustomError("float_refused", FLOAT_MESSAGE)


def parse_decimal(value: Any) -> Decimal:
    """A decimal string, an int or a Decimal; never a float, a bool, NaN or an exponent."""
    _refuse_float(value)
    if isinstance(value, bool):
        raise _error("decimal_type", "number_not_boolean")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _error("decimal_type", "number_not_finite")
        return value
    if isinstance(value, str):
        text = value.strip()
        if DECIMAL_RE.match(text):
            return Decimal(text)
        raise _error("decimal_parsing", text=value[:40])
    raise _error("decimal_type")


def parse_ratio(value: Any) -> Fraction:
    """A fraction in [0, 1] written as a decimal ("0.5") or an exact ratio ("2/3")."""
    _refuse_float(value)
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, str) and (match := _RATIO_RE.match(value)):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if denominator == 0:
            raise _error("ratio_zero_denominator")
        result = Fraction(numerator, denominator)
    else:
        result = Fraction(parse_decimal(value))
    if not 0 <= result <= 1:
        raise _error("fraction_out_of_range", value=ratio_text(result))
    return result


def parse_whole(value: Any) -> int:
    """A whole number: a JSON integer, or a string of digits."""
    _refuse_float(value)
    if isinstance(value, bool):
        raise _error("int_type", "whole_not_boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise _error("int_type")


def parse_answer(value: Any) -> bool | str | None:
    """A bid's answer or a supplier fact: true/false, a text or null.

    A whole number is kept as its decimal text (12 -> "12"), so that every number reads the
    same however it was sent, and an answer's type alone tells a yes/no from a text."""
    _refuse_float(value)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return normalised(value)
    raise PydanticCustomError(
        "answer_type", "an answer must be true/false, a number as a string, or a text"
    )


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 time with a zone, kept in UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime_parsing", "not an ISO 8601 time, e.g. 2026-12-01T12:00:00Z"
            ) from None
    else:
        raise PydanticCustomError(
            "datetime_type", "an ISO 8601 time as a string is expected, e.g. 2026-12-01T12:00:00Z"
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError("datetime_naive", "the time needs a zone, e.g. a final Z")
    return parsed.astimezone(UTC)


def timestamp_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


DecimalStr = Annotated[
    Decimal,
    PlainValidator(parse_decimal),
    PlainSerializer(normalised, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$", "examples": ["12.5"]}),
]
Ratio = Annotated[
    Fraction,
    PlainValidator(parse_ratio),
    PlainSerializer(ratio_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(\d+(\.\d+)?|\d+/\d+)$",
            "description": 'a fraction in [0, 1]: "0.5" or an exact ratio such as "2/3"',
        }
    ),
]
Whole = Annotated[int, PlainValidator(parse_whole), WithJsonSchema({"type": "integer"})]
Answer = Annotated[
    bool | str | None,
    PlainValidator(parse_answer),
    WithJsonSchema({"type": ["boolean", "integer", "string", "null"]}),
]
Timestamp = Annotated[
    datetime,
    PlainValidator(parse_timestamp),
    PlainSerializer(timestamp_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
