"""Benchmark of the scoring engine: 2,000 bids x 25 criteria of mixed rule types.

Run from the repository root: ``.venv/bin/python bench/engine.py [--runs 15] [--bids 2000]``.
For weighted_points and added_value it prints, per case, lines ending in "N criterion
scores/s" (bids x criteria / a median CPU time; CPU time because this is a one-core figure
and the machine may be shared: the wall time is printed too). The last line of a case is
the full ``evaluate`` (scoring, qualification, ranking, warnings, sensitivity, result
records), with the peak memory of one evaluation (tracemalloc, in a separate untimed run);
another is scoring + ranking alone (``evaluate_core``: no warnings or sensitivity). The two
are run in turns, each run just after a reference loop (a plain 1,000,000-step Python loop),
because a shared VM's speed changes from minute to minute; the median ratio of a run to its
reference loop is printed too, with the rate it means on a core that runs the reference
loop in 0.05 s (the slow end of an idle desktop core). Freeing the previous run's result is
not timed. Input validation, and canonical JSON + SHA-256 of the result (which also writes
the explanations: they are written when first read) are timed separately.
Goal: >= 500,000 criterion scores/s on one core.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.engine import EvaluationInput, evaluate, sha256_of
from scoring.engine.decimal_context import engine_context
from scoring.engine.methods import evaluate_core

CRITERIA = 25
EVALUATORS = 3


def _criteria(method: str) -> list[dict[str, Any]]:
    """25 criteria: 2 requirements and 23 award criteria of every rule type."""
    kinds = (
        ["req-boolean", "req-minutes"]
        + ["boolean"] * 5
        + ["linear"] * 6
        + ["falling"] * 2
        + ["thresholds"] * 4
        + ["choice"] * 4
        + ["manual"] * 2
    )
    assert len(kinds) == CRITERIA
    rules = {
        "req-boolean": {"type": "boolean"},
        "req-minutes": {"type": "thresholds", "steps": [{"at_most": "120", "fulfilment": "1"}]},
        "boolean": {"type": "boolean"},
        "linear": {"type": "linear", "worst": "0", "best": "100"},
        "falling": {"type": "linear", "worst": "48", "best": "8"},
        "thresholds": {
            "type": "thresholds",
            "steps": [
                {"at_least": "25", "fulfilment": "1/3"},
                {"at_least": "50", "fulfilment": "2/3"},
                {"at_least": "75", "fulfilment": "1"},
            ],
        },
        "choice": {
            "type": "choice",
            "options": {"none": "0", "basic": "1/3", "advanced": "2/3", "spearhead": "1"},
        },
        "manual": {"type": "manual", "scale_max": 5},
    }
    categories = ["environmental", "social", "animal_welfare", "small_supplier", "quality"]
    award_count = sum(1 for k in kinds if not k.startswith("req"))
    criteria = []
    for i, kind in enumerate(kinds):
        requirement = kind.startswith("req")
        entry: dict[str, Any] = {
            "id": f"crit-{i:02d}",
            "code": f"K{i:02d}",
            "title": f"Kriterium {i}",
            "category": categories[i % len(categories)],
            "kind": "requirement" if requirement else "award",
            "rule": rules[kind],
            "unit": "%" if kind == "linear" else "",
        }
        if not requirement:
            if method == "weighted_points":
                entry["weight"] = str(round(60 / award_count, 4)) if i % 2 else "2.5"
            else:
                entry["value"] = str(10_000 * (1 + i % 7))
        criteria.append(entry)
    if method == "weighted_points":  # make the weights sum to exactly 100 with price 40
        weights = [Decimal(c["weight"]) for c in criteria if "weight" in c]
        criteria[-1]["weight"] = str(Decimal(60) - sum(weights[:-1]))
    return criteria


def _answer(kind: str, rng: random.Random) -> Any:
    if kind.startswith("req-boolean"):
        return rng.random() > 0.01
    if kind == "req-minutes":
        return str(rng.randint(30, 125))
    if kind == "boolean":
        return rng.random() > 0.4
    if kind == "linear":
        return f"{rng.randint(0, 1000) / 10:.1f}"  # one decimal: 1,001 different answers
    if kind == "falling":
        return str(rng.randint(4, 60))
    if kind == "thresholds":
        return str(rng.randint(0, 100))
    if kind == "choice":
        return rng.choice(["none", "basic", "advanced", "spearhead"])
    return "Our plan is ..."


def build(method: dict[str, Any], bids: int, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    criteria = _criteria(method["method"])
    kinds = [
        "req-boolean" if c["kind"] == "requirement" and c["rule"]["type"] == "boolean"
        else "req-minutes" if c["kind"] == "requirement"
        else "falling" if c["rule"]["type"] == "linear" and c["rule"]["worst"] == "48"
        else c["rule"]["type"]
        for c in criteria
    ]  # fmt: skip
    payload_bids, scores = [], []
    for n in range(bids):
        bid_id = f"bid-{n:05d}"
        payload_bids.append(
            {
                "id": bid_id,
                "lot": "L1",
                "supplier": {"id": f"sup-{n:05d}", "name": f"Leverantör {n} AB"},
                "price": f"{rng.randint(2_000_000, 6_000_000)}.{rng.randint(0, 99):02d}",
                "submitted_at": f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z",
                "responses": {
                    c["id"]: _answer(k, rng) for c, k in zip(criteria, kinds, strict=True)
                },
            }
        )
        for c in criteria:
            if c["rule"]["type"] == "manual":
                for e in range(EVALUATORS):
                    scores.append(
                        {
                            "bid": bid_id,
                            "criterion": c["id"],
                            "evaluator": f"eval-{e}",
                            "score": rng.randint(0, 5),
                        }
                    )
    return {
        "currency": "SEK",
        "method": method | {"aggregation": "mean"},
        "lots": [{"id": "L1", "number": 1, "title": "Livsmedel"}],
        "criteria": criteria,
        "bids": payload_bids,
        "scores": scores,
    }


def _timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any, list[float]]:
    """Wall-clock and CPU times of ``runs`` calls (CPU time is what one core spent; on a
    shared machine the wall clock also counts waiting for the core)."""
    times, cpu, value = [], [], None
    for _ in range(runs):
        value = None  # free the previous run's result before the clock starts
        start, start_cpu = time.perf_counter(), time.process_time()
        value = fn()
        cpu.append(time.process_time() - start_cpu)
        times.append(time.perf_counter() - start)
    return times, value, cpu


def _reference() -> float:
    """CPU seconds of a plain 1,000,000-step Python loop: how fast this core is right now."""
    start = time.process_time()
    total = 0
    for step in range(1_000_000):
        total += step
    return time.process_time() - start


def _core(data: EvaluationInput) -> Any:
    with engine_context():
        return evaluate_core(data)


def _paired(
    data: EvaluationInput, runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], list[float]]:
    """CPU (and wall) times of ``evaluate`` and ``evaluate_core``, taken in turns, each run
    just after a reference loop: the machine's speed changes from minute to minute (a
    shared VM: seen from 0.08 to 0.23 s per reference loop), so a run is measured against
    the reference loop beside it."""
    cpu: dict[str, list[float]] = {"evaluate": [], "core": []}
    wall: dict[str, list[float]] = {"evaluate": [], "core": []}
    references = []
    for _ in range(runs):
        for name, fn in (("evaluate", evaluate), ("core", _core)):
            references.append(_reference())
            spent, value, spent_cpu = _timed(lambda f=fn: f(data), 1)
            del value
            cpu[name] += spent_cpu
            wall[name] += spent
    return cpu, wall, references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--bids", type=int, default=2000)
    args = parser.parse_args()
    cases = {
        "weighted_points": {
            "method": "weighted_points",
            "price_weight": "40",
            "price_scoring": "proportional",
        },
        "added_value": {"method": "added_value", "mode": "deduction"},
    }
    for name, method in cases.items():
        payload = build(method, args.bids)
        scores = args.bids * CRITERIA
        validate_times, data, _ = _timed(lambda p=payload: EvaluationInput.model_validate(p), 3)
        evaluate(data)  # first-call costs (imports, caches) are not timed
        cpu, wall, references = _paired(data, args.runs)
        result = evaluate(data)
        hash_times, _, _ = _timed(lambda r=result: sha256_of(r), 3)
        del result
        tracemalloc.start()
        evaluate(data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        median_cpu, core = statistics.median(cpu["evaluate"]), statistics.median(cpu["core"])
        reference = statistics.median(references)
        # each run over the reference loop measured just before it
        relative = statistics.median(
            run / ref for run, ref in zip(cpu["evaluate"], references[::2], strict=True)
        )
        print(
            f"{name}: reference loop (1,000,000 Python steps) median {reference:.3f} s of CPU "
            f"over the runs, min {min(references):.3f}, max {max(references):.3f} (an idle "
            "desktop core: about 0.03-0.05 s)"
        )
        print(
            f"{name}: input validation {statistics.median(validate_times):.3f} s; "
            f"scoring + ranking {core:.3f} s CPU; warnings + sensitivity "
            f"{max(median_cpu - core, 0):.3f} s CPU; canonical JSON + SHA-256 of the result "
            f"{statistics.median(hash_times):.3f} s (writes the explanations)"
        )
        print(
            f"{name}: scoring + ranking alone (evaluate_core, no warnings or sensitivity), "
            f"median {core:.3f} s CPU over {args.runs} runs (CPU min {min(cpu['core']):.3f}, "
            f"max {max(cpu['core']):.3f}): {scores / core:,.0f} criterion scores/s"
        )
        print(
            f"{name}: one evaluate costs {relative:.2f} reference loops (median of the runs, "
            f"each against the loop just before it): {scores / (relative * 0.05):,.0f} "
            "criterion scores/s on a core that runs the loop in 0.05 s"
        )
        print(
            f"{name}: {args.bids} bids x {CRITERIA} criteria, evaluate median "
            f"{statistics.median(wall['evaluate']):.3f} s wall / {median_cpu:.3f} s CPU over "
            f"{args.runs} runs (CPU min {min(cpu['evaluate']):.3f}, max "
            f"{max(cpu['evaluate']):.3f}), peak memory {peak / 2**20:.1f} MiB: "
            f"{scores / median_cpu:,.0f} criterion scores/s"
        )


if __name__ == "__main__":
    main()
