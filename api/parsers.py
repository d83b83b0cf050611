"""JSON bodies with a bound on nesting: a deeply nested body is a 400, never a 500."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


def _depth_exceeds(data, limit: int) -> bool:
    """Walk the parsed value without recursion; True when it nests deeper than ``limit``."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser; nesting deeper than MAX_DEPTH levels is refused (no request needs
    more than a handful, and deep values would exhaust the recursion of what reads them)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(
                _("The JSON is nested deeper than %(limit)s levels.") % {"limit": MAX_DEPTH}
            ) from exc
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(
                _("The JSON is nested deeper than %(limit)s levels.") % {"limit": MAX_DEPTH}
            )
        return data
