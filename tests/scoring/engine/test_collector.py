"""The engine and Python's cyclic garbage collector: an evaluation is a library call inside
a web or Celery worker, so it leaves the process's collector alone (no disable, freeze or
threshold change), and it creates no reference cycles, so what it does not return is freed
at once by reference counting."""

from __future__ import annotations

import gc

from scoring.engine import evaluate
from tests.scoring.engine import bid, criterion, make_input, points_criterion


def _tender():
    return make_input(
        {"method": "weighted_points", "price_weight": "40", "aggregation": "mean"},
        [
            points_criterion("Q", "30"),
            criterion("M", {"type": "manual", "scale_max": 5}, weight="20"),
            criterion("R", {"type": "boolean"}, kind="requirement"),
            criterion(
                "C", {"type": "choice", "options": {"a": "0", "b": "2/3", "c": "1"}}, weight="10"
            ),
        ],
        [
            bid("A", "100000", {"Q": "30", "R": True, "C": "b"}),
            bid("B", "90000", {"Q": "12", "R": True, "C": "a"}),
            bid("D", "80000", {"Q": "20", "R": False, "C": "a"}),
        ],
        scores=[
            {"bid": b, "criterion": "c-M", "evaluator": e, "score": s}
            for b, e, s in [("A", "e1", "4"), ("A", "e2", "5"), ("B", "e1", "1"), ("B", "e2", "5")]
        ],
    )


def test_an_evaluation_leaves_no_reference_cycles_behind():
    """What the engine does not return is freed at once, without the cyclic collector: a
    worker evaluating many tenders does not grow between collections."""
    data = _tender()
    evaluate(data)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        result = evaluate(data)
        del result
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_an_evaluation_does_not_touch_the_process_collector(monkeypatch):
    """Switching the collector off, freezing objects or changing its thresholds would act
    on every thread of the worker, not just this evaluation."""
    data = _tender()
    calls = []
    for name in ("disable", "enable", "freeze", "unfreeze", "set_threshold", "collect"):
        monkeypatch.setattr(gc, name, lambda *a, name=name, **k: calls.append(name))

    result = evaluate(data)

    assert result.lots[0].bids[0].bid == "A"
    assert calls == []


def test_the_collector_is_left_on_or_off_as_it_was():
    data = _tender()
    assert gc.isenabled()
    evaluate(data)
    assert gc.isenabled()
    gc.disable()
    try:
        evaluate(data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_a_server_froze_stay_frozen():
    """A pre-fork server may freeze its start-up objects (gc.freeze) so that workers share
    their memory pages; an evaluation must not unfreeze them."""
    data = _tender()
    start_up = [["loaded before the fork"]]
    gc.freeze()
    try:
        result = evaluate(data)
        assert result.lots[0].bids[0].bid == "A"
        # frozen objects belong to no generation: the collector does not see them
        assert not any(o is start_up for o in gc.get_objects())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert any(o is start_up for o in gc.get_objects())
