"""Evaluations, by sub-domain: declarations, scores and consensus, runs, lottery, award,
simulation. Every state change is audited in its transaction. Reads are in scoring.selectors.

Callers may use the sub-modules or these names."""

from scoring.selectors import EVALUABLE
from scoring.services.award import STANDSTILL_DAYS, award_tender
from scoring.services.declarations import declare_conflict, record_conflict_measure
from scoring.services.lottery import draw_lottery
from scoring.services.runs import (
    MAX_ATTEMPTS,
    STUCK_AFTER,
    run_evaluation,
    start_evaluation,
    sweep_stuck_evaluations,
    verify_evaluation,
)
from scoring.services.scores import set_consensus, submit_scores
from scoring.services.simulation import simulate

__all__ = [
    "EVALUABLE",
    "MAX_ATTEMPTS",
    "STANDSTILL_DAYS",
    "STUCK_AFTER",
    "award_tender",
    "declare_conflict",
    "draw_lottery",
    "record_conflict_measure",
    "run_evaluation",
    "set_consensus",
    "simulate",
    "start_evaluation",
    "submit_scores",
    "sweep_stuck_evaluations",
    "verify_evaluation",
]
