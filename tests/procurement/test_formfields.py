"""Numbers as a person types them, in the page's language; nothing read two ways is changed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from procurement.formfields import LocalDecimalField, parse_decimal


@pytest.mark.parametrize(
    ("text", "language", "number"),
    [
        ("0,5", "sv", "0.5"),
        ("0.5", "sv", "0.5"),
        ("2 400 000,50", "sv", "2400000.50"),
        ("2\u00a0400\u00a0000,50", "sv", "2400000.50"),
        ("-1,25", "sv", "-1.25"),
        ("0.5", "en", "0.5"),
        ("2,400,000.50", "en", "2400000.50"),
        ("1,234", "en", "1234"),
        ("80", "en", "80"),
    ],
)
def test_a_number_is_read_as_it_is_meant(text, language, number):
    assert parse_decimal(text, language) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("0,5", "en"),  # not 5
        ("2.400.000,50", "sv"),
        ("1,2,3", "sv"),
        ("abc", "sv"),
        ("NaN", "en"),
        ("Infinity", "sv"),
    ],
)
def test_what_could_be_read_two_ways_is_refused(text, language):
    with pytest.raises(ValidationError):
        parse_decimal(text, language)


def test_the_field_shows_and_reads_the_swedish_way():
    field = LocalDecimalField(max_digits=18, decimal_places=6)
    with translation.override("sv"):
        assert field.clean("0,5") == Decimal("0.5")
        assert field.widget.attrs["inputmode"] == "decimal"
        assert "0,5" in field.widget.render("x", field.prepare_value(Decimal("0.5")))
