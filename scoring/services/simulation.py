"""Simulations of fictitious bids against a draft tender's criteria. Every state change is audited
in its transaction."""

from typing import Any

from django.db import transaction
from pydantic import ValidationError

from audit.services import record
from criteria.models import TenderCriterion
from procurement.errors import InvalidInput, field_error
from procurement.models import OFFICER_ROLES, Tender, User
from procurement.services.common import require_role
from scoring import snapshot
from scoring.engine import (
    EngineInputError,
    EvaluationInput,
    canonical_json,
    evaluate,
)
from scoring.models import (
    Simulation,
)


@transaction.atomic
def simulate(
    *,
    tender: Tender,
    actor: User,
    bids: list[dict[str, Any]],
    scores: list[dict[str, Any]] | None = None,
) -> Simulation:
    """Run the tender's (draft or frozen) configuration against fictitious bids.

    Nothing real is read or written: only the configuration and the typed-in bids.
    """
    require_role(
        actor, OFFICER_ROLES, organization_id=tender.organization_id, action="run simulations"
    )
    lots = list(tender.lots.all().order_by("number"))
    lot_by_number = {lot.number: lot for lot in lots}
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    by_code = {tc.code: tc for tc in criteria}
    errors = []
    engine_bids = []
    for i, item in enumerate(bids):
        lot = lot_by_number.get(item.get("lot", 1))
        if lot is None:
            errors.append(field_error(f"/bids/{i}/lot", "unknown_lot", "no such lot number"))
            continue
        responses = {}
        for code, value in (item.get("responses") or {}).items():
            if code not in by_code:
                errors.append(
                    field_error(
                        f"/bids/{i}/responses/{code}",
                        "unknown_criterion",
                        "no criterion with this code",
                    )
                )
                continue
            responses[str(by_code[code].pk)] = value
        engine_bids.append(
            {
                "id": f"sim-{i + 1}",
                "lot": str(lot.pk),
                "supplier": {
                    "id": f"sim-supplier-{i + 1}",
                    "name": item.get("name") or f"Bid {i + 1}",
                    "profile": item.get("profile") or {},
                },
                "price": item.get("price"),
                "submitted_at": item.get("submitted_at") or f"2000-01-01T00:00:{i % 60:02d}Z",
                **({"cost": item["cost"]} if item.get("cost") else {}),
                "responses": responses,
            }
        )
    if errors:
        raise InvalidInput("Some fictitious bids do not fit the tender.", errors=errors)
    consensus = []
    for i, item in enumerate(scores or []):
        tc = by_code.get(item.get("code"))
        if tc is None:
            raise InvalidInput(
                "Unknown criterion code.",
                errors=[
                    field_error(
                        f"/scores/{i}/code", "unknown_criterion", "no criterion with this code"
                    )
                ],
            )
        consensus.append(
            {
                "bid": f"sim-{item.get('bid')}",
                "criterion": str(tc.pk),
                "score": item.get("score"),
                "justification": "simulation",
            }
        )
    data = {
        "currency": tender.currency,
        "method": snapshot.method_config(tender),
        "lots": [{"id": str(lot.pk), "number": lot.number, "title": lot.title} for lot in lots],
        "criteria": [snapshot.criterion_input(tc) for tc in criteria],
        "bids": engine_bids,
        "consensus": consensus,
    }
    if (tender.evaluation or {}).get("aggregation", "consensus") != "consensus":
        data["method"]["aggregation"] = "consensus"
    try:
        engine_input = EvaluationInput.model_validate(data)
        result = evaluate(engine_input)
    except ValidationError as exc:
        raise InvalidInput(
            "The simulation input is invalid.",
            code="invalid_simulation",
            errors=[
                field_error("/" + "/".join(str(p) for p in e["loc"]), e["type"], e["msg"])
                for e in exc.errors()
            ],
        ) from exc
    except EngineInputError as exc:
        raise InvalidInput(exc.message, code=exc.code, errors=[], details=exc.details) from exc
    simulation = Simulation.objects.create(
        tender=tender,
        input_json=canonical_json(engine_input).decode("utf-8"),
        result_json=canonical_json(result).decode("utf-8"),
        created_by=actor,
    )
    record(
        action="simulation.run",
        actor=actor,
        obj=simulation,
        tender_id=tender.pk,
        data={"bids": len(engine_bids)},
    )
    return simulation
