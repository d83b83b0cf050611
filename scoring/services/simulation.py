"""Simulations of fictitious bids against a draft tender's criteria. Every state change is audited
in its transaction."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, field_error
from procurement.models import Tender, User
from procurement.policy import Action
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
    policy.require(actor, Action.TENDER_SIMULATE, organization_id=tender.organization_id)
    data = snapshot.simulation_input_data(tender, bids, scores or [])
    try:
        engine_input = EvaluationInput.model_validate(data)
        result = evaluate(engine_input)
    except ValidationError as exc:
        raise InvalidInput(
            _("The simulation input is invalid."),
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
        data={"bids": len(data["bids"])},
    )
    return simulation
