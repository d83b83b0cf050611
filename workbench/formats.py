"""How the workbench writes numbers, money, shares, times and yes/no: one way per language.

Swedish: ``2 400 000,00 kr``, ``87,3218``, ``60 %``, ``1 mars 2027 kl. 12.00``, ``Ja``/``Nej``.
English: ``SEK 2,400,000.00``, ``87.3218``, ``60%``, ``1 March 2027, 12:00``, ``Yes``/``No``.
Times are the workbench's (``TIME_ZONE``); where the zone matters (deadlines, receipts,
protocols) it is named: ``kl. 12.00 CET``. Pages use them as template filters
(``{% load anbud %}``: ``money``, ``points``, ``share``, ``when``, ``when_zoned``, ``yes_no``).
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

DASH = "—"


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value: Any, places: int | None = None) -> str:
    """A number with the language's decimal sign and thousands grouping."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    return formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


def money(amount: Any, currency: str = "SEK") -> str:
    """``2 400 000,00 kr`` / ``SEK 2,400,000.00``; other currencies by their code."""
    text = number(amount, 2)
    if text == DASH:
        return DASH
    if _language() == "sv":
        return f"{text}\u00a0kr" if currency == "SEK" else f"{text}\u00a0{currency}"
    return f"{currency}\u00a0{text}"


def money_of(value: dict | None) -> str:
    """A money object of the API's shape, ``{"amount", "currency"}``."""
    if not value:
        return DASH
    return money(value.get("amount"), value.get("currency") or "SEK")


def points(value: Any, places: int = 4) -> str:
    """Scores and points as DOMAIN.md shows them: 4 places, in the language's way."""
    return number(value, places)


def share(value: Any, places: int = 0) -> str:
    """A share 0..1 as a percentage: ``60 %`` / ``60%``."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    text = number(amount * 100, places)
    return f"{text}\u00a0%" if _language() == "sv" else f"{text}%"


def _moment(value: Any) -> datetime.datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return timezone.localtime(value)
    return None


def when(value: Any) -> str:
    """A time in the workbench's zone: ``1 mars 2027 kl. 12.00`` / ``1 March 2027, 12:00``."""
    moment = _moment(value)
    if moment is None:
        return DASH if value in (None, "") else str(value)
    return formats.date_format(moment, "DATETIME_FORMAT", use_l10n=True)


def when_zoned(value: Any) -> str:
    """``when`` with the zone named (``CET``, ``CEST``): deadlines, receipts, protocols."""
    moment = _moment(value)
    if moment is None:
        return when(value)
    return f"{when(moment)} {moment.tzname()}"


def when_short(value: Any) -> str:
    """A time in a list column: ``2026-12-07 10.59 CET``, kept on one line."""
    moment = _moment(value)
    if moment is None:
        return when(value)
    text = formats.date_format(moment, "SHORT_DATETIME_FORMAT", use_l10n=True)
    return f"{text} {moment.tzname()}".replace(" ", "\u00a0")


def day(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT", use_l10n=True)
    return DASH if value in (None, "") else str(value)


def yes_no(value: Any) -> str:
    if value is None:
        return DASH
    return _("Yes") if value else _("No")


def answer(value: Any) -> str:
    """A supplier's answer as a person reads it: Ja/Nej, a number in the language's way, or
    the text as written."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, str):
        amount = (
            _decimal(value.strip()) if value.strip()[:1].isdigit() or value[:1] == "-" else None
        )
        return number(amount.normalize()) if amount is not None else value
    if isinstance(value, int | Decimal):
        return number(value)
    return str(value)
