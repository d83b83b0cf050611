"""JSON text with exact decimal numbers.

OCDS amounts are JSON numbers. A float would round them, so Anbud keeps amounts as ``Decimal``
and writes each one as its exact decimal text (``Decimal("5000000.00")`` -> ``5000000.00``,
never an exponent). Only a ``Decimal`` (or an int) ever becomes a number: every ``str`` is
written as a JSON string by the standard library's own string encoder, whatever it contains,
so no user text (a title ``@number:42``) can turn into a number. Read stored text back with
``loads`` to keep the numbers exact.
"""

import json
from decimal import Decimal
from typing import Any

_string = json.encoder.encode_basestring  # escapes ", \ and control characters; keeps UTF-8


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Decimal):
        out.append(_number(value))
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, not {type(key).__name__}")
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:  # a float (inexact) or anything else is a programming error, never rounded silently
        raise TypeError(f"not exact JSON: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Compact JSON text of ``value`` (dicts keep their order)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def loads(text: str | bytes) -> Any:
    """JSON text back to Python, every non-integer number as an exact ``Decimal``."""
    return json.loads(text, parse_float=Decimal)
