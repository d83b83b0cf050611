"""Canonical JSON, hashing, strict inputs (no floats), and the engine's purity."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from scoring.engine import ENGINE_VERSION, EvaluationInput, canonical_json, evaluate, sha256_of
from tests.scoring.engine import bid, criterion, make_input, points_criterion
from tests.scoring.engine.test_worked_examples import WE6_BIDS, WE6_CRITERIA

REPO = Path(__file__).resolve().parents[3]


def _we6_payload() -> dict:
    return {
        "currency": "SEK",
        "method": {"method": "added_value", "mode": "deduction"},
        "lots": [{"id": "L1", "number": 1, "title": "Kött"}],
        "criteria": WE6_CRITERIA,
        "bids": WE6_BIDS,
    }


def test_canonical_json_has_one_text_per_value():
    data = {
        "b": Decimal("1.50"),
        "a": [Decimal("1E+2"), Decimal("-0.00"), Decimal("0.000100")],
        "ö": "Gård AB",
    }

    assert canonical_json(data) == '{"a":["100","0","0.0001"],"b":"1.5","ö":"Gård AB"}'.encode()


def test_canonical_json_refuses_floats():
    with pytest.raises(TypeError):
        canonical_json({"price": 0.1})


def test_equal_inputs_written_differently_hash_alike():
    one = EvaluationInput.model_validate(_we6_payload())
    other = _we6_payload()
    other["bids"] = [dict(b, price=b["price"] + ".00") for b in WE6_BIDS]

    assert sha256_of(one) == sha256_of(EvaluationInput.model_validate(other))
    assert canonical_json(one) == canonical_json(json.loads(canonical_json(one)))


def test_an_input_survives_a_canonical_round_trip():
    data = EvaluationInput.model_validate(_we6_payload())

    again = EvaluationInput.model_validate_json(canonical_json(data))

    assert again == data
    assert canonical_json(evaluate(again)) == canonical_json(evaluate(data))


def test_the_result_carries_the_engine_version_and_display_figures():
    result = json.loads(canonical_json(evaluate(EvaluationInput.model_validate(_we6_payload()))))

    assert result["engine_version"] == ENGINE_VERSION
    first = result["lots"][0]["bids"][0]
    assert first["comparison_price"] == {"amount": "4630000.00", "currency": "SEK"}
    d3 = first["criteria"][2]
    assert (d3["fulfilment"], d3["value"]) == ("0.6667", "2")


def test_results_are_byte_identical_in_a_fresh_process():
    payloads = [_we6_payload(), _weighted_payload()]
    here = [canonical_json(evaluate(EvaluationInput.model_validate(p))) for p in payloads]
    script = (
        "import json, sys\n"
        "from scoring.engine import EvaluationInput, canonical_json, evaluate\n"
        "for p in json.load(sys.stdin):\n"
        "    r = evaluate(EvaluationInput.model_validate(p))\n"
        "    sys.stdout.write(canonical_json(r).hex() + '\\n')\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(payloads),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        check=True,
    )

    assert [bytes.fromhex(line) for line in done.stdout.split()] == here


def _weighted_payload() -> dict:
    return make_input(
        {"method": "weighted_points", "price_weight": "50"},
        [points_criterion("ENV", "30", "environmental"), points_criterion("SOC", "20", "social")],
        [
            bid("A", "100000", {"ENV": "16", "SOC": "12"}),
            bid("B", "120000", {"ENV": "20", "SOC": "14"}),
            bid("C", "80000", {"ENV": "8", "SOC": "6"}),
        ],
    ).model_dump(mode="json")


def test_the_engine_imports_no_django():
    code = (
        "import scoring.engine, sys; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )

    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(("bids", 0, "price"), 5000000.0, id="price_case"),
        pytest.param(("bids", 0, "responses", "c-D2"), 0.3, id="response_case"),
        pytest.param(("criteria", 0, "value"), 150000.0, id="criterion_value_case"),
        pytest.param(("criteria", 2, "rule", "options", "1"), 0.333, id="rule_fraction_case"),
        pytest.param(("bids", 0, "supplier", "profile", "employees"), 12.0, id="profile_case"),
    ],
)
def test_floats_are_refused_everywhere(path, value):
    payload = json.loads(json.dumps(_we6_payload()))
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(ValidationError) as caught:
        EvaluationInput.model_validate(payload)
    with pytest.raises(ValidationError):
        EvaluationInput.model_validate_json(json.dumps(payload))

    assert "floats are not accepted" in str(caught.value)


def test_floats_are_refused_in_method_parameters_and_scores():
    method = {
        "method": "lowest_cost",
        "lifetime_years": 5.0,
        "discount_rate": "0.04",
        "co2_price_per_tonne": "1200",
    }
    with pytest.raises(ValidationError, match="floats are not accepted"):
        make_input(method, [], [])
    manual = [criterion("PLAN", {"type": "manual", "scale_max": 5}, weight="10")]
    score = {"bid": "A", "criterion": "c-PLAN", "evaluator": "e1", "score": 4.0}
    with pytest.raises(ValidationError, match="floats are not accepted"):
        make_input(
            {"method": "weighted_points", "price_weight": "90"},
            manual,
            [bid("A", "1", {"PLAN": "x"})],
            scores=[score],
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"bids": [bid("A", "1", {"NOPE": True})]},
            "unknown criterion",
            id="unknown_response_case",
        ),
        pytest.param(
            {"method": {"method": "weighted_points", "price_weight": "50"}},
            "needs a weight",
            id="weight_missing_case",
        ),
        pytest.param(
            {"method": {"method": "added_value", "tie_break": ["criterion:NOPE"]}},
            "unknown criterion",
            id="tie_break_code_case",
        ),
        pytest.param(
            {"method": {"method": "added_value", "tie_break": ["coin_toss"]}},
            "unknown tie-break rule",
            id="tie_break_rule_case",
        ),
        pytest.param(
            {"method": {"method": "added_value", "price_weight": "10"}},
            "does not apply",
            id="parameter_of_another_method_case",
        ),
        pytest.param(
            {"bids": [bid("A", "-1", {}), bid("A", "1", {})]}, "negative", id="negative_price_case"
        ),
        pytest.param(
            {"bids": [bid("A", "1", {}), bid("A", "2", {})]}, "unique", id="duplicate_bid_case"
        ),
        pytest.param({"bids": [bid("A", "1", {}, lot="L9")]}, "unknown lot", id="unknown_lot_case"),
        pytest.param(
            {"bids": [bid("A", "1", {}, submitted_at="2026-12-01T10:00:00")]},
            "zone",
            id="naive_time_case",
        ),
    ],
)
def test_inconsistent_inputs_are_refused(change, message):
    payload = _we6_payload() | change

    with pytest.raises(ValidationError, match=message):
        EvaluationInput.model_validate(payload)


def test_inputs_are_frozen():
    data = EvaluationInput.model_validate(_we6_payload())

    with pytest.raises(ValidationError):
        data.currency = "EUR"  # type: ignore[misc]


def _sorted_dump(result) -> bytes:
    """What canonical JSON of a result is defined as: its dump, keys sorted, no spaces."""
    return json.dumps(
        result.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def test_the_fast_result_writer_matches_pydantic():
    result = evaluate(EvaluationInput.model_validate(_we6_payload()))

    assert result.to_json_data() == json.loads(json.dumps(result.model_dump(mode="json")))
    assert json.loads(canonical_json(result)) == result.model_dump(mode="json")
    assert canonical_json(result) == _sorted_dump(result)


@pytest.mark.parametrize(
    "method",
    [
        {"method": "weighted_points", "price_weight": "40"},
        {"method": "added_value", "mode": "percent_surcharge"},
        {"method": "lowest_price"},
        {
            "method": "lowest_cost",
            "lifetime_years": 3,
            "discount_rate": "0.04",
            "co2_price_per_tonne": "1000",
        },
    ],
    ids=lambda m: m.get("mode", m["method"]),
)
def test_the_piecewise_result_writer_gives_the_bytes_of_the_sorted_dump(method):
    """Every kind of record: requirements met and not (a disqualified bid with reasons),
    manual scores with a flagged spread, a contract condition, shared and unique answers,
    ties, life-cycle costs, non-ASCII and quotes in texts, two lots."""
    extra = {"percent": "10"} if method.get("mode") == "percent_surcharge" else {}
    extra |= {"value": "50000"} if method["method"] == "lowest_cost" else {}
    extra |= {"weight": "30"} if method["method"] == "weighted_points" else {}
    criteria = [
        criterion("REQ", {"type": "boolean"}, kind="requirement"),
        criterion("MIL", {"type": "linear", "worst": "0", "best": "60"}, unit="%", **extra),
        criterion(
            "VAL",
            {"type": "choice", "options": {"nej": "0", 'ja "helt"': "1", "delvis": "2/3"}},
            category="environmental",
            **extra,
        ),
        criterion(
            "MAN",
            {"type": "manual", "scale_max": 5},
            category="social",
            **({"weight": "30"} if method["method"] == "weighted_points" else extra),
        ),
        criterion("CC", {"type": "boolean"}, kind="contract_condition"),
    ]
    if method["method"] == "weighted_points":
        criteria[2]["weight"] = "0"
    answers = [
        {"REQ": True, "MIL": "42.5", "VAL": 'ja "helt"', "CC": True},
        {"REQ": True, "MIL": "42.5", "VAL": "delvis", "CC": False},
        {"REQ": False, "MIL": "7", "VAL": "nej", "CC": True},
        {"REQ": True, "MIL": "60", "VAL": "delvis"},
    ]
    bids = [
        bid(
            name,
            price,
            answer,
            lot=lot,
            cost={"acquisition_cost": price, "annual_operating_cost": "1000"},
        )
        for name, price, answer, lot in zip(
            ["Å", "B", "C", "D"],
            ["1000.50", "1000.50", "900", "800"],
            answers,
            ["L1", "L1", "L1", "L2"],
            strict=True,
        )
    ]
    scores = [
        {"bid": b, "criterion": "c-MAN", "evaluator": e, "score": s}
        for b, given in (("Å", (1, 5)), ("B", (3, 3)), ("C", (2, 4)), ("D", (5, 5)))
        for e, s in zip(("e1", "e2"), given, strict=True)
    ]
    lots = [{"id": "L1", "number": 1, "title": "Kött & fågel"}, {"id": "L2", "number": 2}]
    method = method | {"aggregation": "mean"}
    result = evaluate(make_input(method, criteria, bids, scores=scores, lots=lots))

    assert any(not b.qualified for b in result.lots[0].bids)
    assert canonical_json(result) == _sorted_dump(result)


def test_whole_number_answers_are_kept_as_decimal_text():
    data = make_input(
        {"method": "lowest_price"},
        [criterion("STAFF", {"type": "boolean"}, kind="contract_condition")],
        [bid("A", "1", {"STAFF": 12}, profile={"employees": 12})],
    )

    assert data.bids[0].responses == {"c-STAFF": "12"}
    assert data.bids[0].supplier.profile == {"employees": "12"}


def test_an_explanation_is_written_when_first_read_and_then_fixed():
    result = evaluate(EvaluationInput.model_validate(_we6_payload()))
    text = result.lots[0].bids[0].criteria[0].explanation

    assert text.en == text.en and text == type(text)(sv=text.sv, en=text.en)
    assert "150000.00 SEK deducted" in text.en
    assert "avdrag" in text.sv
    with pytest.raises(AttributeError):
        text.en = "changed"  # type: ignore[misc]


def test_scores_are_objects_with_their_keys_not_lists():
    """Scores are kept as tuples inside the engine, but the input stays objects: a list, an
    unknown key or a missing one is refused with the place named."""

    base = {
        "currency": "SEK",
        "method": {"method": "lowest_price"},
        "lots": [{"id": "L", "number": 1}],
    }
    good = {"bid": "b", "criterion": "c", "evaluator": "e", "score": "1"}
    for scores, where in (
        ([["b", "c", "e", "1"]], ("scores", 0)),
        ([good | {"extra": 1}], ("scores", 0, "extra")),
        ([{k: v for k, v in good.items() if k != "score"}], ("scores", 0, "score")),
    ):
        with pytest.raises(ValidationError) as raised:
            EvaluationInput.model_validate(base | {"scores": scores})
        assert raised.value.errors()[0]["loc"] == where
    with pytest.raises(ValidationError) as raised:
        EvaluationInput.model_validate(base | {"consensus": [["b", "c", "1", ""]]})
    assert raised.value.errors()[0]["loc"] == ("consensus", 0)


def test_choice_options_in_any_key_order_give_the_same_result_bytes():
    """Found by a black-box run: options written none/partial/full were explained in that
    order, but the stored (canonical, key-sorted) input replays them as full/none/partial,
    so verify said "not reproducible". Options are explained by fulfilment, then name."""

    def run(options: dict[str, str]):
        crit = criterion("FUEL", {"type": "choice", "options": options}, weight="40")
        data = make_input(
            {"method": "weighted_points", "price_weight": "60", "price_scoring": "proportional"},
            [crit],
            [bid("a", "100", {"FUEL": "partial"}), bid("b", "120", {"FUEL": "full"})],
        )
        return data, evaluate(data)

    written, result = run({"none": "0", "partial": "0.5", "full": "1"})
    _, reordered = run({"full": "1", "none": "0", "partial": "0.5"})
    replayed = evaluate(EvaluationInput.model_validate_json(canonical_json(written)))

    assert canonical_json(result) == canonical_json(reordered) == canonical_json(replayed)
    text = canonical_json(result).decode()
    assert 'options \\"none\\" = 0, \\"partial\\" = ' in text
