"""Exact JSON numbers without a text marker: only a Decimal (or an int) becomes a number."""

import json
from decimal import Decimal

import pytest

from publication import exactjson


@pytest.mark.parametrize(
    "text", ["@number:42", "42", '@number:1"}', '\u2028\n"\\', "Ägg & kött <b>"]
)
def test_text_is_always_a_string(text):
    written = exactjson.dumps({"title": text})
    assert json.loads(written) == {"title": text}


def test_decimals_are_exact_numbers():
    written = exactjson.dumps(
        {"a": Decimal("5000000.00"), "b": Decimal("1E+3"), "c": Decimal("-0.10"), "n": 2}
    )
    assert written == '{"a":5000000.00,"b":1000,"c":-0.10,"n":2}'
    assert exactjson.loads(written)["c"] == Decimal("-0.10")


@pytest.mark.parametrize("value", [0.1, Decimal("NaN"), Decimal("Infinity"), object()])
def test_inexact_or_unknown_values_are_refused(value):
    with pytest.raises((TypeError, ValueError)):
        exactjson.dumps({"x": value})
