"""The engine's messages about input it refuses: one template per code, in English.

A refusal carries its code and the values it names (``params``); the message is the template
filled in. The engine stays free of Django, but its templates are marked for the translation
catalogue (``gettext_noop`` is the keyword makemessages looks for), so that a page in Swedish
says the same thing in Swedish: the presentation layer translates the template by its msgid
and fills in the same values (``criteria.rules``, ``procurement.evaluation``).
"""

from __future__ import annotations


def gettext_noop(text: str) -> str:
    """Marks ``text`` for the catalogue; changes nothing."""
    return text


MESSAGES: dict[str, str] = {
    # rules
    "best_equals_worst": gettext_noop(
        "best and worst are both {value}: the scale needs two different ends"
    ),
    "step_needs_one_bound": gettext_noop("each step needs exactly one bound: at_least or at_most"),
    "mixed_bounds": gettext_noop("all steps must use the same bound; the first step uses {first}"),
    "steps_not_ascending": gettext_noop(
        "steps must go up: at_least {bound} must be greater than the previous step's {previous}"
    ),
    "steps_not_descending": gettext_noop(
        "steps must go down: at_most {bound} must be less than the previous step's {previous}"
    ),
    "fulfilment_decreasing": gettext_noop(
        "a better step cannot give less: fulfilment {value} is below the previous step's {previous}"
    ),
    "empty_option_key": gettext_noop("an option needs a name"),
    "no_full_option": gettext_noop("at least one option must be worth 1 (full fulfilment)"),
    "scale_below_one": gettext_noop("the score scale must reach at least 1 (got {value})"),
    "unknown_key": gettext_noop('unknown key "{key}": remove it (check the spelling)'),
    "unknown_key_here": gettext_noop("unknown key: remove it (check the spelling)"),
    "required": gettext_noop("this key is required"),
    "empty": gettext_noop("at least one entry is needed"),
    "unknown_rule_type": gettext_noop("unknown rule type: use {types}"),
    "rule_type_missing": gettext_noop("the rule needs a type: {types}"),
    "object_expected": gettext_noop("an object is expected"),
    "list_expected": gettext_noop("a list is expected"),
    # numbers and other scalars
    "float_refused": gettext_noop(
        'floats are not accepted: send the number as a decimal string, e.g. "0.5" or "1250.00"'
    ),
    "number_not_boolean": gettext_noop("a number is expected, not true/false"),
    "number_not_finite": gettext_noop("the number must be finite"),
    "decimal_parsing": gettext_noop('not a decimal number: "{text}" (write it like "12.5")'),
    "decimal_type": gettext_noop("a decimal number as a string is expected"),
    "ratio_zero_denominator": gettext_noop("a ratio cannot divide by 0"),
    "fraction_out_of_range": gettext_noop("a fulfilment must lie between 0 and 1 (got {value})"),
    "whole_not_boolean": gettext_noop("a whole number is expected, not true/false"),
    "int_type": gettext_noop("a whole number is expected"),
    # answers
    "number_expected": gettext_noop("a number is expected"),
    "number_expected_not": gettext_noop('a number is expected, not "{answer}"'),
    "boolean_expected": gettext_noop("yes or no (true/false) is expected"),
    "unknown_option": gettext_noop('"{answer}" is not one of the options: {options}'),
    # the evaluation settings
    "unknown_tie_rule": gettext_noop(
        'unknown tie-break rule "{rule}": use lower_price, earlier_submission, '
        "criterion:<code> or lottery"
    ),
    "tie_rule_twice": gettext_noop("a tie-break rule is listed twice"),
    "setting_not_for_method": gettext_noop("{name} does not apply to method {method}"),
    "price_weight_missing": gettext_noop("weighted_points needs price_weight"),
    "price_weight_negative": gettext_noop("price_weight cannot be negative"),
    "price_ceiling_missing": gettext_noop("absolute price scoring needs price_ceiling"),
    "ceiling_not_above_floor": gettext_noop("price_ceiling must be above price_floor"),
    "price_floor_negative": gettext_noop("price_floor cannot be negative"),
    "bounds_without_absolute": gettext_noop(
        "price_floor and price_ceiling apply to absolute price scoring"
    ),
    "life_cycle_setting_missing": gettext_noop("lowest_cost needs {name}"),
    "lifetime_out_of_range": gettext_noop("lifetime_years must be between 1 and 100"),
    "discount_rate_too_low": gettext_noop("discount_rate must be above -1"),
    "co2_price_negative": gettext_noop("co2_price_per_tonne cannot be negative"),
    "spread_out_of_range": gettext_noop("spread_threshold must lie between 0 and 1"),
}


def text(code: str, **params: object) -> str:
    """The message of ``code`` with its values filled in."""
    return MESSAGES[code].format(**params)
