"""The evaluation: criteria per bid, qualification, the method's figure, ranking per lot.

``evaluate`` runs four steps, each in its own module:
1. compile (``compile.py``): each criterion once, its rule into a plain function;
2. score (``score.py``): every criterion of a lot for every bid, into records, amounts and
   fulfilments; the engine's hot loop;
3. fold (``fold.py``): the amounts into each bid's category sums and quality figure,
   qualification, and the method's figure per qualified bid (DOMAIN.md, "Evaluation
   methods": lowest_price, weighted_points, added_value, value_for_money, lowest_cost);
4. rank (``ranking.py``): the qualified bids by figure at 6 places, ties broken by the
   tender's chain, and the result records.
Then the warnings (``checks.py``) and the sensitivity analysis (``sensitivity.py``).
"""

from __future__ import annotations

from collections import defaultdict

from scoring.engine.checks import warnings_for
from scoring.engine.compile import CompiledCriterion, compile_criteria
from scoring.engine.decimal_context import engine_context
from scoring.engine.fold import LotWork, lot_work, method_figures
from scoring.engine.inputs import Bid, EngineInputError, EvaluationInput, Lot
from scoring.engine.price import RELATIVE
from scoring.engine.ranking import HIGHER_IS_BETTER, rank_lot
from scoring.engine.results import EvaluationResult, LotResult, UnresolvedTie
from scoring.engine.score import Scorer, lot_spec
from scoring.engine.sensitivity import sensitivity_for

# 1.1.0: a contract condition is recorded, never scored (1.0.0 asked evaluators to score a
# manual one, waited for the scores and recorded a fulfilment). Every stored evaluation
# replays with the version that made it.
ENGINE_VERSION = "1.1.0"
ENGINE_VERSIONS = ("1.0.0", "1.1.0")

__all__ = ["ENGINE_VERSION", "ENGINE_VERSIONS", "HIGHER_IS_BETTER", "evaluate", "evaluate_core"]


def _lot(
    data: EvaluationInput,
    scorer: Scorer,
    compiled: list[CompiledCriterion],
    lot: Lot,
    bids: list[Bid],
) -> LotWork:
    """One lot's bids scored, folded and given the method's figure (not ranked yet)."""
    criteria = [cc for cc in compiled if cc.criterion.lot in (None, lot.id)]
    tie_codes = {
        rule.removeprefix("criterion:")
        for rule in data.method.tie_break
        if rule.startswith("criterion:")
    }
    columns = scorer.score_lot(bids, lot_spec(criteria, tie_codes))
    work = lot_work(lot, criteria, bids, columns)
    method_figures(work, data.method, data.currency)
    return work


def _missing_scores(scorer: Scorer) -> EngineInputError:
    missing = scorer.missing
    first = missing[0]
    return EngineInputError(
        "missing_manual_scores",
        f"bid {first['bid']} has no {scorer.needed_score()} on manual criterion {first['code']}"
        + (f" (and {len(missing) - 1} more items)" if len(missing) > 1 else ""),
        {"missing": missing},
    )


def evaluate_core(
    data: EvaluationInput, version: str = ENGINE_VERSION
) -> tuple[EvaluationResult, list[LotWork], Scorer]:
    """Score, qualify and rank (no warnings or sensitivity); inside the engine context."""
    if version not in ENGINE_VERSIONS:
        raise EngineInputError(
            "unknown_engine_version",
            f"engine version {version} is not one of {', '.join(ENGINE_VERSIONS)}",
            {"engine_version": version},
        )
    config, method = data.method, data.method.method
    compiled = compile_criteria(data, scores_conditions=version == "1.0.0")
    scorer = Scorer(data)
    by_lot: dict[str, list[Bid]] = defaultdict(list)
    for bid in sorted(data.bids, key=lambda bid: bid.id):
        by_lot[bid.lot].append(bid)
    lots = sorted(data.lots, key=lambda lot: (lot.number, lot.id))
    works = [_lot(data, scorer, compiled, lot, by_lot.get(lot.id, [])) for lot in lots]
    if scorer.missing:
        raise _missing_scores(scorer)
    unresolved = [
        UnresolvedTie(lot=work.lot.id, rank=shared_rank, bids=ids)
        for work in works
        for shared_rank, ids in rank_lot(work, data)
    ]
    weighted = method == "weighted_points"
    result = EvaluationResult(
        engine_version=version,
        method=method,
        mode=config.effective_mode if method == "added_value" else None,
        price_scoring=config.effective_price_scoring if weighted else None,
        price_scoring_kind=(
            ("relative" if config.effective_price_scoring in RELATIVE else "absolute")
            if weighted
            else None
        ),
        currency=data.currency,
        lots=tuple(
            LotResult.model_construct(  # the records are built here, not parsed
                lot=w.lot.id, number=w.lot.number, title=w.lot.title, bids=tuple(w.ranked)
            )
            for w in works
        ),
        unresolved_ties=tuple(unresolved),
    )
    return result, works, scorer


def evaluate(data: EvaluationInput, *, version: str = ENGINE_VERSION) -> EvaluationResult:
    """Evaluate one tender: pure, deterministic, exact. See the package docstring.

    ``version``: the engine version whose rules apply (``ENGINE_VERSIONS``); a stored
    evaluation is replayed with the version that made it."""

    with engine_context():
        result, works, scorer = evaluate_core(data, version)
        warnings = warnings_for(data, works, scorer.flagged)
        sensitivity = sensitivity_for(data, works, scorer.ratio_for)
        return result.model_copy(update={"warnings": warnings, "sensitivity": sensitivity})
