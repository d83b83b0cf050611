"""Anbud's scoring engine: pure, exact, explainable. Imports the standard library and pydantic
only (an import-linter contract and a test enforce it).

    from scoring.engine import EvaluationInput, evaluate, canonical_json, sha256_of
    result = evaluate(EvaluationInput.model_validate(snapshot))
    result_json, result_sha256 = canonical_json(result), sha256_of(result)

``evaluate`` raises ``EngineInputError`` (``code``, ``message``, ``details``) for inputs it
cannot evaluate; building an ``EvaluationInput`` raises pydantic's ``ValidationError``.
"""

from scoring.engine.canonical import canonical_json, sha256_of
from scoring.engine.inputs import (
    Bid,
    ConsensusScore,
    CostInputs,
    Criterion,
    EngineInputError,
    EvaluationConfig,
    EvaluationInput,
    EvaluatorScore,
    Lot,
    LotteryDraw,
    Supplier,
)
from scoring.engine.methods import ENGINE_VERSION, ENGINE_VERSIONS, evaluate
from scoring.engine.results import (
    BidResult,
    CriterionResult,
    EngineWarning,
    EvaluationResult,
    LotResult,
    LotSensitivity,
    SensitivityItem,
    TieBreak,
    UnresolvedTie,
)
from scoring.engine.rules import Rule, RuleError, RuleValidationError, parse_rule, rule_errors

__all__ = [
    "ENGINE_VERSION",
    "ENGINE_VERSIONS",
    "Bid",
    "BidResult",
    "ConsensusScore",
    "CostInputs",
    "Criterion",
    "CriterionResult",
    "EngineInputError",
    "EngineWarning",
    "EvaluationConfig",
    "EvaluationInput",
    "EvaluationResult",
    "EvaluatorScore",
    "Lot",
    "LotResult",
    "LotSensitivity",
    "LotteryDraw",
    "Rule",
    "RuleError",
    "RuleValidationError",
    "SensitivityItem",
    "Supplier",
    "TieBreak",
    "UnresolvedTie",
    "canonical_json",
    "evaluate",
    "parse_rule",
    "rule_errors",
    "sha256_of",
]
