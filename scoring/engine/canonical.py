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

from scoring.engine.decimal_context import normalised, ratio_text
from scoring.engine.results import EvaluationResult
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


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of an engine model or of plain JSON-like data."""
    if isinstance(value, EvaluationResult):
        data = value.to_json_data()
    elif isinstance(value, BaseModel):
        data = value.model_dump(mode="json")  # engine models hold no floats: inputs refuse them
    else:
        data = value
        _reject_floats(data)
    return json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    ).encode("utf-8")


def sha256_of(value: Any) -> str:
    """Hex SHA-256 of ``canonical_json(value)``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
