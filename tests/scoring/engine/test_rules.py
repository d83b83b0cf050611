"""Rules: validation with JSON Pointers a buyer can act on, and fulfilment per rule type."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from scoring.engine import RuleValidationError, parse_rule, rule_errors
from scoring.engine.fulfilment import AnswerError, compile_rule
from scoring.engine.rules import ChoiceRule


def _f(rule: dict, answer):
    num, den = compile_rule(parse_rule(rule))(answer)
    return num / den


@pytest.mark.parametrize(
    ("rule", "pointer", "code"),
    [
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "50", "fulfilment": "0.5"},
                    {"at_least": "40", "fulfilment": "1"},
                ],
            },
            "/steps/1/at_least",
            "steps_out_of_order",
            id="steps_out_of_order_case",
        ),
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_most": "120", "fulfilment": "0.5"},
                    {"at_most": "130", "fulfilment": "1"},
                ],
            },
            "/steps/1/at_most",
            "steps_out_of_order",
            id="at_most_must_descend_case",
        ),
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "50", "fulfilment": "0.5"},
                    {"at_least": "80", "fulfilment": "1.5"},
                ],
            },
            "/steps/1/fulfilment",
            "fraction_out_of_range",
            id="fulfilment_above_one_case",
        ),
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "50", "fulfilment": "1"},
                    {"at_least": "80", "fulfilment": "1/2"},
                ],
            },
            "/steps/1/fulfilment",
            "fulfilment_decreasing",
            id="fulfilment_decreasing_case",
        ),
        pytest.param(
            {
                "type": "thresholds",
                "steps": [
                    {"at_least": "50", "fulfilment": "0.5"},
                    {"at_most": "80", "fulfilment": "1"},
                ],
            },
            "/steps/1/at_most",
            "mixed_bounds",
            id="mixed_bounds_case",
        ),
        pytest.param(
            {"type": "linear", "worst": "10", "best": "10.0"},
            "/best",
            "best_equals_worst",
            id="best_equals_worst_case",
        ),
        pytest.param(
            {"type": "choice", "options": {"none": "0", "partial": "1/2"}},
            "/options",
            "no_full_option",
            id="no_full_option_case",
        ),
        pytest.param(
            {"type": "choice", "options": {"full": "1", "odd": "-1/2"}},
            "/options/odd",
            "decimal_parsing",
            id="negative_ratio_case",
        ),
        pytest.param(
            {"type": "manual", "scale_max": 0},
            "/scale_max",
            "scale_below_one",
            id="manual_scale_below_one_case",
        ),
        pytest.param(
            {"type": "linear", "worst": "0", "best": "1", "bets": "2"},
            "/bets",
            "unknown_key",
            id="unknown_key_case",
        ),
        pytest.param({"type": "percentage"}, "/type", "unknown_rule_type", id="unknown_type_case"),
        pytest.param({"worst": "0"}, "/type", "required", id="missing_type_case"),
        pytest.param({"type": "linear", "worst": "0"}, "/best", "required", id="missing_key_case"),
        pytest.param(
            {"type": "linear", "worst": "0", "best": 1.0},
            "/best",
            "float_refused",
            id="float_refused_case",
        ),
    ],
)
def test_rule_errors_point_at_the_offending_value(rule, pointer, code):
    errors = rule_errors(rule)

    assert (pointer, code) in [(e.pointer, e.code) for e in errors]
    assert all(e.message for e in errors)
    with pytest.raises(RuleValidationError) as caught:
        parse_rule(rule)
    assert (pointer, code) in [(e.pointer, e.code) for e in caught.value.errors]


def test_rule_errors_lists_every_problem_at_once():
    rule = {
        "type": "thresholds",
        "steps": [
            {"at_least": "50", "fulfilment": "0.5"},
            {"at_least": "40", "fulfilment": "0.4"},
        ],
    }

    assert [e.pointer for e in rule_errors(rule)] == ["/steps/1/at_least", "/steps/1/fulfilment"]


@pytest.mark.parametrize(
    "rule",
    [
        {"type": "boolean"},
        {"type": "linear", "worst": "0", "best": "100"},
        {"type": "linear", "worst": "120", "best": 30},
        {"type": "thresholds", "steps": [{"at_most": "120", "fulfilment": "1"}]},
        {"type": "choice", "options": {"none": "0", "partial": "1/2", "full": "1"}},
        {"type": "manual", "scale_max": 5},
    ],
)
def test_valid_rules_have_no_errors(rule):
    assert rule_errors(rule) == []


def test_ratios_stay_exact():
    rule = parse_rule({"type": "choice", "options": {"two_thirds": "2/3", "full": "1"}})

    assert isinstance(rule, ChoiceRule)
    assert rule.options["two_thirds"] == Fraction(2, 3)
    assert rule.model_dump(mode="json") == {
        "type": "choice",
        "options": {"two_thirds": "2/3", "full": "1"},
    }


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("0", "0"), ("42", "0.7"), ("60", "1"), ("75", "1"), ("-5", "0"), (30, "0.5")],
)
def test_linear_clamps_to_the_scale(answer, expected):
    """42 % recycled on a 0-60 % scale: 42 / 60 = 0.7."""
    assert _f({"type": "linear", "worst": "0", "best": "60"}, answer) == Decimal(expected)


@pytest.mark.parametrize(
    ("answer", "expected"), [("120", "0"), ("150", "0"), ("90", "0.5"), ("60", "1"), ("10", "1")]
)
def test_linear_lower_is_better(answer, expected):
    """Delivery in minutes, worst 120, best 60: 90 minutes is half-way, (120 - 90) / 60."""
    assert _f({"type": "linear", "worst": "120", "best": "60"}, answer) == Decimal(expected)


@pytest.mark.parametrize(
    ("answer", "expected"), [("49.99", "0"), ("50", "0.5"), ("79", "0.5"), ("80", "1"), ("99", "1")]
)
def test_thresholds_at_least(answer, expected):
    rule = {
        "type": "thresholds",
        "steps": [{"at_least": "50", "fulfilment": "0.5"}, {"at_least": "80", "fulfilment": "1"}],
    }
    assert _f(rule, answer) == Decimal(expected)


@pytest.mark.parametrize(("answer", "expected"), [("121", "0"), ("120", "1"), ("8", "1")])
def test_thresholds_at_most_as_a_requirement_rule(answer, expected):
    rule = {"type": "thresholds", "steps": [{"at_most": "120", "fulfilment": "1"}]}
    assert _f(rule, answer) == Decimal(expected)


def test_boolean_and_choice():
    assert _f({"type": "boolean"}, True) == 1
    assert _f({"type": "boolean"}, False) == 0
    choice = {"type": "choice", "options": {"none": "0", "partial": "1/2", "full": "1"}}
    assert _f(choice, "partial") == Decimal("0.5")


@pytest.mark.parametrize(
    ("rule", "answer"),
    [
        ({"type": "boolean"}, "yes"),
        ({"type": "boolean"}, 1),
        ({"type": "linear", "worst": "0", "best": "1"}, "a lot"),
        ({"type": "linear", "worst": "0", "best": "1"}, True),
        ({"type": "choice", "options": {"full": "1"}}, "fully"),
    ],
)
def test_answers_a_rule_cannot_read_are_refused(rule, answer):
    with pytest.raises(AnswerError):
        _f(rule, answer)
