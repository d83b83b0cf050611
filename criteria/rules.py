"""Django-side helpers around the engine's rule union: field errors with JSON Pointers, answer
checks against a frozen rule, and labels. The rule vocabulary itself lives in
``scoring.engine.rules`` so that the engine can read frozen rules without Django."""

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from procurement.errors import field_error
from scoring.engine.explain import describe_rule
from scoring.engine.fulfilment import AnswerError, compile_rule
from scoring.engine.inputs import amount_field as amount_field  # re-exported for criteria.checks
from scoring.engine.messages import MESSAGES
from scoring.engine.rules import (
    ChoiceRule,
    ManualRule,
    RuleValidationError,
    parse_rule,
    rule_errors,
)

RULE_TYPES = ("boolean", "linear", "thresholds", "choice", "manual")

# Supplier-profile facts about who the bidder *is*: scoring them is not allowed (equal
# treatment; small-supplier measures are lots, proportionate requirements, subcontracting).
IDENTITY_FIELDS = frozenset(
    {
        "sme_class",
        "employees",
        "annual_turnover",
        "balance_sheet_total",
        "country",
        "non_profit",
        "org_number",
    }
)
PROFILE_FIELDS = IDENTITY_FIELDS


def field_errors(rule: Any, *, base: str = "/rule") -> list[dict[str, str]]:
    """Every problem of a rule as API field errors, e.g. field ``/rule/steps/1/fulfilment``."""
    floats = [p for p, v in _walk_paths(rule, base) if isinstance(v, float)]
    if floats:
        return [
            field_error(p, "float_not_allowed", _('give numbers as decimal strings, e.g. "0.5"'))
            for p in floats
        ]
    return [
        field_error(base + e.pointer, e.code, engine_message(e.message_id, e.params, e.message))
        for e in rule_errors(rule)
    ]


# Values a message names that are numbers the engine wrote ("0.5"), shown as the page writes
# numbers; what a person typed (a text, an option, a key) is shown as typed.
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_NUMBER_VALUES = frozenset({"value", "bound", "previous"})
_BOUND_WORDS = {"at_least": gettext_lazy("at least"), "at_most": gettext_lazy("at most")}


def engine_message(message_id: str, params: Iterable[tuple[str, str]], english: str) -> str:
    """The engine's message in the active language: its template (scoring.engine.messages)
    translated by the catalogue, filled in with the same values."""
    template = MESSAGES.get(message_id)
    if not template:
        return english
    values = dict(params)
    if _lang() == "sv":
        # In Swedish, the engine's keys a message names are words too.
        values = {
            name: str(_BOUND_WORDS[value]) if name == "first" and value in _BOUND_WORDS else value
            for name, value in values.items()
        }
        values = {
            name: value.replace(".", ",")
            if name in _NUMBER_VALUES and _NUMBER.match(value)
            else value
            for name, value in values.items()
        }
    try:
        return _(template).format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that names other values
        return english


def _walk_paths(value: Any, path: str):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_paths(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_paths(v, f"{path}/{i}")
    else:
        yield path, value


def answer_error(rule: dict, value: Any) -> dict[str, str] | None:
    """None when ``value`` is a valid answer to the frozen ``rule``, else {code, message}."""
    parsed = parse_rule(rule)
    if isinstance(parsed, ManualRule):
        if value is None or (isinstance(value, str) and not value.strip()):
            return {"code": "text_expected", "message": _("describe your offer in text")}
        if not isinstance(value, str):
            return {"code": "text_expected", "message": _("a text answer is expected")}
        return None
    if isinstance(value, float):
        return {
            "code": "float_not_allowed",
            "message": _('give numbers as decimal strings, e.g. "80"'),
        }
    try:
        compile_rule(parsed)(value)
    except AnswerError as exc:
        return {
            "code": exc.code,
            "message": engine_message(exc.message_id, exc.params, exc.message),
        }
    return None


def rule_type(rule: dict) -> str:
    return str(rule.get("type", "")) if isinstance(rule, dict) else ""


def _lang() -> str:
    return "sv" if (get_language() or "en").startswith("sv") else "en"


def option_words(labels: dict | None, key: str) -> str:
    """A choice option in words: its label in the chosen language, else the key made
    readable (``no_measurement`` -> "no measurement"), never the bare code."""
    words = (labels or {}).get(key) or {}
    return words.get(_lang()) or words.get("en") or key.replace("_", " ").strip()


def rule_in_words(rule: dict, unit: str = "", labels: dict | None = None) -> str:
    try:
        parsed = parse_rule(rule)
    except RuleValidationError:
        return _("(the rule is not valid)")
    en, sv = describe_rule(parsed, f" {unit}" if unit else "")
    text = sv if _lang() == "sv" else en
    if isinstance(parsed, ChoiceRule):
        # The engine names options by key; a reader gets their words.
        for key in parsed.options:
            for quote_open, quote_close in (('"', '"'), ("”", "”")):
                text = text.replace(
                    f"{quote_open}{key}{quote_close}",
                    f"{quote_open}{option_words(labels, key)}{quote_close}",
                )
    return text


# The OCDS sustainability codelists a criterion is published with (goal, strategies).
OCDS_GOALS = {
    "economic": gettext_lazy("economic"),
    "environmental": gettext_lazy("environmental"),
    "social": gettext_lazy("social"),
}
OCDS_STRATEGIES = {
    "awardCriteria": gettext_lazy("award criteria"),
    "contractPerformanceConditions": gettext_lazy("contract performance conditions"),
    "selectionCriteria": gettext_lazy("selection criteria"),
    "technicalSpecifications": gettext_lazy("technical specifications"),
}


def ocds_in_words(ocds: dict | None) -> str:
    """How a criterion is published as open data, in words: its goal and strategies."""
    if not ocds:
        return "—"
    goal = ocds.get("goal")
    strategies = ", ".join(str(OCDS_STRATEGIES.get(s, s)) for s in ocds.get("strategies") or ())
    parts = []
    if goal:
        parts.append(str(_("goal: %(goal)s") % {"goal": OCDS_GOALS.get(goal, goal)}))
    if strategies:
        parts.append(str(_("used in: %(strategies)s") % {"strategies": strategies}))
    return "; ".join(parts) or "—"
