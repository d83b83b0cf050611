"""The evaluation settings' vocabulary has one owner, the engine's typed configuration: the
settings' validation, the workbench's forms and the OpenAPI document take their choices from
it, and nothing offers a choice the engine does not know."""

from typing import get_args

from procurement.evaluation import EvaluationSettings
from scoring.engine import inputs as engine
from tests.api.helpers import openapi_document
from workbench import forms


def test_the_settings_validation_takes_the_engines_types():
    fields = EvaluationSettings.model_fields
    assert fields["method"].annotation is engine.Method
    assert set(get_args(fields["price_scoring"].annotation)) >= {engine.PriceScoring}
    assert set(get_args(fields["mode"].annotation)) >= {engine.AddedValueMode}
    assert fields["aggregation"].annotation is engine.Aggregation


def test_the_forms_offer_exactly_the_engines_choices():
    assert [key for key, _ in forms.METHODS] == list(engine.METHODS)
    assert [key for key, _ in forms.PRICE_SCORINGS if key] == list(engine.PRICE_SCORINGS)
    assert [key for key, _ in forms.MODES if key] == list(engine.ADDED_VALUE_MODES)
    assert [key for key, _ in forms.AGGREGATIONS] == list(engine.AGGREGATIONS)


def test_the_openapi_document_lists_the_engines_choices():
    def found(node):
        if isinstance(node, dict):
            if "price_scoring" in node.get("properties", {}):
                yield node["properties"]
            for value in node.values():
                yield from found(value)
        elif isinstance(node, list):
            for value in node:
                yield from found(value)

    evaluation = next(found(openapi_document()["components"]["schemas"]))
    assert evaluation["method"]["enum"] == list(engine.METHODS)
    assert evaluation["price_scoring"]["enum"] == list(engine.PRICE_SCORINGS)
    assert evaluation["mode"]["enum"] == list(engine.ADDED_VALUE_MODES)
    assert evaluation["aggregation"]["enum"] == list(engine.AGGREGATIONS)


def test_every_method_names_the_amount_its_criteria_carry():
    amounts = {method: engine.amount_field(method) for method in engine.METHODS}
    assert amounts == {
        "lowest_price": None,
        "weighted_points": "weight",
        "added_value": "value",
        "value_for_money": "weight",
        "lowest_cost": "value",
    }
    assert engine.amount_field("added_value", "percent_surcharge") == "percent"
