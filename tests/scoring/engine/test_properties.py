"""Properties that hold for any tender, checked with Hypothesis on generated ones."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.engine import EvaluationInput, canonical_json, evaluate
from scoring.engine.checks import _first_inversion
from scoring.engine.decimal_context import engine_context, tie_figure

PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

RULES: dict[str, dict[str, Any]] = {
    "boolean": {"type": "boolean"},
    "linear": {"type": "linear", "worst": "0", "best": "60"},
    "falling": {"type": "linear", "worst": "120", "best": "30"},
    "thresholds": {
        "type": "thresholds",
        "steps": [{"at_least": "10", "fulfilment": "1/3"}, {"at_least": "50", "fulfilment": "1"}],
    },
    "choice": {"type": "choice", "options": {"none": "0", "some": "2/3", "all": "1"}},
}
# answers in increasing fulfilment, so "a higher index" means "at least as much fulfilment"
LADDERS: dict[str, list[Any]] = {
    "boolean": [False, True],
    "linear": ["0", "7.5", "30", "42", "59.99", "60", "75"],
    "falling": ["150", "120", "100", "64.5", "30", "5"],
    "thresholds": ["0", "9.99", "10", "49", "50", "80"],
    "choice": ["none", "some", "all"],
}

METHODS = [
    {"method": "weighted_points", "price_weight": "40", "price_scoring": "proportional"},
    {"method": "weighted_points", "price_weight": "40", "price_scoring": "linear_range"},
    {
        "method": "weighted_points",
        "price_weight": "40",
        "price_scoring": "absolute",
        "price_ceiling": "2000000",
    },
    {"method": "lowest_price"},
    {"method": "added_value", "mode": "deduction"},
    {"method": "added_value", "mode": "surcharge"},
    {"method": "added_value", "mode": "percent_surcharge"},
    {"method": "value_for_money"},
    {
        "method": "lowest_cost",
        "lifetime_years": 4,
        "discount_rate": "0.035",
        "co2_price_per_tonne": "1200",
    },
]
ABSOLUTE = [m for m in METHODS if m.get("price_scoring") not in ("proportional", "linear_range")]


@st.composite
def tenders(draw: st.DrawFn, methods: list[dict[str, Any]] = METHODS) -> dict[str, Any]:
    method = draw(st.sampled_from(methods))
    kinds = draw(st.lists(st.sampled_from(sorted(RULES)), min_size=1, max_size=4))
    # integer weights that sum to 60, so with the price weight 40 the total is 100
    cuts = sorted(
        draw(st.lists(st.integers(0, 60), min_size=len(kinds) - 1, max_size=len(kinds) - 1))
    )
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 60], strict=True)]
    criteria = []
    for i, (kind, weight) in enumerate(zip(kinds, weights, strict=True)):
        extra: dict[str, str] = {}
        name = method["method"]
        if name in ("weighted_points", "value_for_money"):
            extra["weight"] = str(weight)
        elif method.get("mode") == "percent_surcharge":
            extra["percent"] = str(draw(st.integers(0, 30)))
        elif name in ("added_value", "lowest_cost"):
            extra["value"] = str(draw(st.integers(0, 300)) * 1000)
        criteria.append(
            {
                "id": f"c{i}",
                "code": f"K{i}",
                "title": f"Criterion {i}",
                "category": draw(st.sampled_from(["environmental", "social", "quality"])),
                "kind": "award",
                "rule": RULES[kind],
                **extra,
            }
        )
    count = draw(st.integers(2, 6))
    bids = []
    for n in range(count):
        price = draw(st.integers(100_000, 1_500_000))
        bids.append(
            {
                "id": f"bid-{n:02d}",
                "lot": "L1",
                "supplier": {"id": f"s{n}", "name": f"Supplier {n}"},
                "price": f"{price}.{draw(st.integers(0, 99)):02d}",
                "submitted_at": f"2026-11-{draw(st.integers(1, 3)):02d}T10:00:00Z",
                "cost": {
                    "acquisition_cost": str(price),
                    "annual_operating_cost": str(draw(st.integers(0, 100_000))),
                    "annual_co2e_tonnes": str(draw(st.integers(0, 50))),
                },
                "responses": {
                    f"c{i}": draw(st.sampled_from(LADDERS[kind])) for i, kind in enumerate(kinds)
                },
            }
        )
    return {
        "currency": "SEK",
        "method": method,
        "lots": [{"id": "L1", "number": 1}],
        "criteria": criteria,
        "bids": bids,
    }


def _run(payload: dict[str, Any]):
    return evaluate(EvaluationInput.model_validate(payload))


def _figure(bid_result) -> Decimal:
    if bid_result.total_score is not None:
        return bid_result.total_score
    return bid_result.comparison_price.amount


def _ranks(result) -> dict[str, int | None]:
    return {b.bid: b.rank for b in result.lots[0].bids}


@PROPERTY
@given(tenders())
def test_same_input_same_bytes(payload):
    assert canonical_json(_run(payload)) == canonical_json(_run(payload))


@PROPERTY
@given(tenders())
def test_canonical_json_of_a_result_is_its_sorted_dump(payload):
    result = _run(payload)
    dump = json.dumps(
        result.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )

    assert canonical_json(result) == dump.encode()


@PROPERTY
@given(tenders(), st.randoms(use_true_random=False))
def test_bid_order_does_not_matter(payload, random):
    shuffled = dict(payload, bids=list(payload["bids"]))
    random.shuffle(shuffled["bids"])

    assert canonical_json(_run(shuffled)) == canonical_json(_run(payload))


@PROPERTY
@given(tenders(ABSOLUTE), st.data())
def test_absolute_methods_a_bid_never_changes_another_bids_figure(payload, data):
    removed = data.draw(st.integers(0, len(payload["bids"]) - 1))
    fewer = dict(payload, bids=[b for i, b in enumerate(payload["bids"]) if i != removed])

    before = {b.bid: _figure(b) for b in _run(payload).lots[0].bids}
    after = {b.bid: _figure(b) for b in _run(fewer).lots[0].bids}

    assert after == {k: v for k, v in before.items() if k in after}


@PROPERTY
@given(tenders(), st.data())
def test_a_lower_price_never_lowers_standing(payload, data):
    index = data.draw(st.integers(0, len(payload["bids"]) - 1))
    target = payload["bids"][index]
    cut = Decimal(target["price"]) * Decimal(data.draw(st.sampled_from(["0.5", "0.9", "0.99"])))
    cheaper = dict(payload, bids=list(payload["bids"]))
    cheaper["bids"][index] = dict(target, price=str(cut.quantize(Decimal("0.01"))))

    before, after = _ranks(_run(payload))[target["id"]], _ranks(_run(cheaper))[target["id"]]

    assert before is not None and after is not None
    assert after <= before


@PROPERTY
@given(tenders(), st.data())
def test_more_fulfilment_never_lowers_a_total(payload, data):
    index = data.draw(st.integers(0, len(payload["bids"]) - 1))
    criterion = data.draw(st.integers(0, len(payload["criteria"]) - 1))
    target = payload["bids"][index]
    kind = next(k for k, r in RULES.items() if r == payload["criteria"][criterion]["rule"])
    ladder = LADDERS[kind]
    answer = target["responses"][f"c{criterion}"]
    better = data.draw(st.sampled_from(ladder[ladder.index(answer) :]))
    improved = dict(payload, bids=list(payload["bids"]))
    improved["bids"][index] = dict(
        target, responses=target["responses"] | {f"c{criterion}": better}
    )

    before = next(b for b in _run(payload).lots[0].bids if b.bid == target["id"])
    after = next(b for b in _run(improved).lots[0].bids if b.bid == target["id"])

    if before.total_score is not None:  # points: more is better
        assert after.total_score >= before.total_score
    else:  # money: less is better
        assert _figure(after) <= _figure(before)
    assert after.rank <= before.rank


@PROPERTY
@given(tenders(METHODS[:3]))
def test_weighted_totals_never_exceed_100(payload):
    result = _run(payload)

    with engine_context():  # sums of 50-digit figures need the engine's precision
        for b in result.lots[0].bids:
            assert 0 <= b.total_score <= 100
            others = sum((v for k, v in b.categories.items() if k != "price"), Decimal(0))
            assert b.categories["price"] + others == b.total_score
            points = sum((c.points for c in b.criteria), Decimal(0))
            assert tie_figure(points) == tie_figure(b.total_score - b.categories["price"])


@PROPERTY
@given(tenders())
def test_the_category_profile_adds_up_to_the_figure_exactly(payload):
    """A bid's quality figure is the sum of its category figures, to the last digit of the
    engine's precision, so a report built from the profile matches the ranking figure."""
    result = _run(payload)
    method, mode = payload["method"]["method"], payload["method"].get("mode")

    with engine_context():
        for b in result.lots[0].bids:
            price = b.price.amount
            quality = sum((v for k, v in b.categories.items() if k != "price"), Decimal(0))
            if method == "weighted_points":
                assert b.total_score == b.categories["price"] + quality
            elif method == "value_for_money":
                assert b.total_score == quality * 1_000_000 / price
            elif method == "lowest_price":
                assert b.categories == {} and b.comparison_price.amount == price
            elif method == "lowest_cost":
                assert b.comparison_price.amount == b.lcc.total.amount - quality
            elif mode == "deduction":
                assert b.comparison_price.amount == price - quality
            elif mode == "surcharge":
                assert b.comparison_price.amount == price + quality
            else:  # percent_surcharge: each category's money is price x its rates
                assert tie_figure(b.comparison_price.amount) == tie_figure(price + quality)


def _inversion_by_definition(before, after):
    """The first bid (in rank order) that some bid strictly above it would fall below, and
    the one of those above with the lowest new figure (the first such)."""
    for below in range(len(before)):
        above = [i for i in range(below) if before[i] > before[below]]
        if above:
            lowest = min(above, key=lambda i: (after[i], i))
            if after[below] > after[lowest]:
                return lowest, below
    return None


@PROPERTY
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=12),
)
def test_the_rank_reversal_check_finds_the_first_swapped_pair(figures):
    """Bids in rank order (figures best first, ties allowed) and their figures without
    another bid: the check names the same pair as the definition, with or without ties."""

    before = sorted((Decimal(b) for b, _ in figures), reverse=True)
    after = [Decimal(a) for _, a in figures]

    assert _first_inversion(before, after) == _inversion_by_definition(before, after)


def _records(value):
    """Every NamedTuple record in a result, nested ones included."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        yield value
    if isinstance(value, tuple | list):
        for item in value:
            yield from _records(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _records(item)


@PROPERTY
@given(tenders())
def test_every_record_has_exactly_its_fields(payload):
    """The engine builds its records from tuples of all their fields (fast); each one has
    its fields in order, as one built field by field with keywords would."""
    result = _run(payload)
    seen = 0
    for lot in result.lots:
        for record in _records(lot.bids):
            seen += 1
            assert len(record) == len(record._fields)
            assert type(record)(**record._asdict()) == record
    assert seen > 0
