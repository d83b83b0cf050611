"""Form fields that read what a person types, in the page's language, and never change it
silently.

A Swedish officer types ``0,5`` and ``2 400 000,50``; an English one ``0.5`` and
``2,400,000.50``. Both are read as they are meant. What could be read two ways is refused with
a message that says how to write it, never turned into another number (``0,5`` on an English
page is not 5).
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

_SPACES = (" ", "\u00a0", "\u202f", "\u2009")
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
