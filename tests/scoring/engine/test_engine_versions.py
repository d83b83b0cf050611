"""Engine 1.1.0 records contract conditions without scoring them; an evaluation stored by
1.0.0, which scored manual ones, still replays to the same hashes with 1.0.0's rules."""

import json
from pathlib import Path

import pytest

from scoring.engine import (
    ENGINE_VERSION,
    ENGINE_VERSIONS,
    EngineInputError,
    EvaluationInput,
    evaluate,
    sha256_of,
)

STORED = json.loads((Path(__file__).parent / "stored" / "evaluation-1.0.0.json").read_text())


def _conditions(result):
    return {
        (b.bid, c.code): c.fulfilment
        for lot in result.lots
        for b in lot.bids
        for c in b.criteria
        if c.kind == "contract_condition"
    }


def test_an_evaluation_stored_by_1_0_0_replays_to_its_hashes():
    data = EvaluationInput.model_validate(STORED["input"])
    assert sha256_of(data) == STORED["input_sha256"]
    replayed = evaluate(data, version="1.0.0")
    assert replayed.engine_version == "1.0.0"
    assert sha256_of(replayed) == STORED["result_sha256"]
    # 1.0.0 gave the manual contract condition a fulfilment from its scores.
    assert _conditions(replayed)[("A", "COND-REPORT")] is not None


def test_the_current_engine_records_contract_conditions_unscored():
    assert ENGINE_VERSION == "1.1.0" and ENGINE_VERSIONS == ("1.0.0", "1.1.0")
    data = EvaluationInput.model_validate(STORED["input"])
    result = evaluate(data)
    assert result.engine_version == "1.1.0"
    assert set(_conditions(result).values()) == {None}
    assert sha256_of(result) != STORED["result_sha256"]
    # The scored criteria and the ranking are the same: conditions never counted.
    old = evaluate(data, version="1.0.0")
    totals = {b.bid: b.total_score for lot in result.lots for b in lot.bids}
    assert totals == {b.bid: b.total_score for lot in old.lots for b in lot.bids}


def test_a_contract_condition_needs_no_scores():
    data = EvaluationInput.model_validate(
        {
            **STORED["input"],
            "scores": [s for s in STORED["input"]["scores"] if s["criterion"] != "c-COND-REPORT"],
            "consensus": [
                c for c in STORED["input"]["consensus"] if c["criterion"] != "c-COND-REPORT"
            ],
        }
    )
    assert _conditions(evaluate(data))[("A", "COND-REPORT")] is None
    with pytest.raises(EngineInputError) as refused:
        evaluate(data, version="1.0.0")
    assert refused.value.code == "missing_manual_scores"


def test_an_unknown_engine_version_is_refused():
    with pytest.raises(EngineInputError) as refused:
        evaluate(EvaluationInput.model_validate(STORED["input"]), version="0.9.0")
    assert refused.value.code == "unknown_engine_version"
