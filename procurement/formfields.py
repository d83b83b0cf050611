"""Form fields that read what a person types, in the page's language, and never change it
silently.

A Swedish officer types ``0,5`` and ``2 400 000,50``; an English one ``0.5`` and
``2,400,000.50``. Both are read as they are meant. What could be read two ways is refused with
a message that says how to write it, never turned into another number (``0,5`` on an English
page is not 5).
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

_SPACES = (" ", "\u00a0", "\u202f", "\u2009")
_PLAIN_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_decimal(text: str, language: str | None = None) -> Decimal:
    """The number a person typed, in ``language`` (the active one by default)."""
    language = (language or translation.get_language() or "en").split("-")[0]
    raw = text.strip()
    for space in _SPACES:
        raw = raw.replace(space, "")
    if "," in raw:
        if language == "sv":
            if "." in raw:
                raise ValidationError(
                    _("Write the number with one decimal sign, e.g. 2400000,50."),
                    code="ambiguous",
                )
            raw = raw.replace(",", ".")
        elif _GROUPED.match(raw):
            raw = raw.replace(",", "")
        else:
            raise ValidationError(
                _("Write decimals with a point, e.g. 0.5 (a comma groups thousands)."),
                code="ambiguous",
            )
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_("Enter a number."), code="invalid") from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    return number


class LocalDecimalField(forms.DecimalField):
    """A decimal number as the page's language writes it (see the module); a text input with
    the decimal keypad, so that the browser changes nothing either."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.pop("step", None)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)  # a text input takes no step
        return attrs

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return parse_decimal(str(value))

    def prepare_value(self, value):
        # A stored decimal string ("0.4", as settings keep numbers) is shown as the page
        # writes numbers ("0,4"), like a Decimal is.
        if isinstance(value, str) and _PLAIN_DECIMAL.match(value.strip()):
            value = Decimal(value.strip())
        return super().prepare_value(value)


# --- dates and times: what the page shows ("1 mars 2027 kl. 12.00") is also what it reads -----

_MONTHS = {
    # Swedish and English month names and their usual abbreviations.
    **{
        name: number
        for number, name in enumerate(
            (
                "januari",
                "februari",
                "mars",
                "april",
                "maj",
                "juni",
                "juli",
                "augusti",
                "september",
                "oktober",
                "november",
                "december",
            ),
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ),
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
            start=1,
        )
    },
    "may.": 5,
    "oct": 10,
}
_NAMED_DATE = re.compile(r"^(\d{1,2})\s*\.?\s+([a-zåäö]+)\.?\s+(\d{4})$")
_TIME = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})[.:](\d{2})$")


class LocalDateField(forms.DateField):
    """A date as the page writes it ("1 mars 2027") or as ISO ("2027-03-01")."""

    def to_python(self, value):
        if isinstance(value, str) and (match := _NAMED_DATE.match(value.strip().lower())):
            day, month, year = match.groups()
            if month in _MONTHS:
                try:
                    return datetime.date(int(year), _MONTHS[month], int(day))
                except ValueError:
                    pass
        return super().to_python(value)


class LocalTimeField(forms.TimeField):
    """A time as the page writes it ("kl. 12.00") or with a colon ("12:00")."""

    def to_python(self, value):
        if isinstance(value, str) and (match := _TIME.match(value.strip().lower())):
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour < 24 and minute < 60:
                return datetime.time(hour, minute)
        return super().to_python(value)


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time in the time zone of the workbench (Europe/Stockholm by default),
    each with the admin's picker; the help text says which zone and how to write them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", AdminSplitDateTime)
        super().__init__(**kwargs)
        self.fields = (
            LocalDateField(error_messages={"invalid": self.error_messages["invalid_date"]}),
            LocalTimeField(error_messages={"invalid": self.error_messages["invalid_time"]}),
        )
        self.help_text = _with_zone_hint(self.help_text)


def _zone_hint(before: str) -> str:
    hint = _("Local time (%(zone)s); write e.g. 2027-03-01 or 1 mars 2027, and 12:00.") % {
        "zone": timezone.get_default_timezone_name()
    }
    return f"{before} {hint}".strip()


# Fields are made when their form class is (at import): the hint is put together in the
# language of the page that shows it.
_with_zone_hint = lazy(_zone_hint, str)
