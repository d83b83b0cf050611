"""Drawing lots for an unresolved tie, with a witness. Every state change is audited in its
transaction."""

import random
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, evaluation_status, field_error
from procurement.models import Lot, User
from procurement.policy import Action
from scoring.models import (
    Evaluation,
    LotteryDraw,
)
from scoring.selectors import result_of
from scoring.services.runs import start_evaluation


@transaction.atomic
def draw_lottery(
    *, evaluation: Evaluation, actor: User, witness: User
) -> tuple[list[LotteryDraw], Evaluation]:
    """Draw by lot the ties the chain left unresolved, with a second officer as witness.

    The seed comes from ``secrets``; seed, witnesses and resulting order are recorded. Since a
    completed evaluation never changes, the draw is applied by a new evaluation run.
    """
    tender = evaluation.tender
    policy.require(actor, Action.LOTTERY_DRAW, organization_id=tender.organization_id)
    if (
        witness.pk == actor.pk
        or witness.organization_id != tender.organization_id
        or witness.role not in policy.roles_for(Action.LOTTERY_DRAW)
    ):
        raise InvalidInput(
            _("The witness must be another officer of your organisation."),
            errors=[
                field_error("/witness", "invalid_witness", _("another officer of the organisation"))
            ],
        )
    if evaluation.status != Evaluation.Status.DONE:
        raise StateConflict(
            _("The evaluation is %(status)s.") % {"status": evaluation_status(evaluation.status)},
            current_status=evaluation.status,
        )
    ties = result_of(evaluation).get("unresolved_ties") or []
    if not ties:
        raise StateConflict(_("This evaluation has no unresolved tie."), code="no_tie")
    if LotteryDraw.objects.filter(evaluation=evaluation).exists():
        raise StateConflict(
            _("Lots have already been drawn for this evaluation."), code="already_drawn"
        )
    draws = []
    by_lot: dict[str, list[str]] = {}
    for tie in ties:
        by_lot.setdefault(tie["lot"], []).extend(sorted(tie["bids"]))
    for lot_id, bid_ids in sorted(by_lot.items()):
        seed = secrets.token_hex(16)
        order = sorted(bid_ids)
        random.Random(seed).shuffle(order)  # noqa: S311 - the seed is from secrets and recorded
        draw = LotteryDraw.objects.create(
            evaluation=evaluation,
            lot=Lot.objects.get(pk=lot_id, tender=tender),
            tied_bids=sorted(bid_ids),
            order=order,
            seed=seed,
            drawn_by=actor,
            witness=witness,
        )
        record(
            action="lottery.drawn",
            actor=actor,
            obj=draw,
            object_type="lottery_draw",
            tender_id=tender.pk,
            data={
                "evaluation": evaluation.pk,
                "lot": lot_id,
                "seed": seed,
                "order": order,
                "witnesses": [actor.pk, witness.pk],
            },
        )
        draws.append(draw)
    new = start_evaluation(tender=tender, actor=actor, derived_from=evaluation)
    LotteryDraw.objects.filter(pk__in=[d.pk for d in draws]).update(result_evaluation=new)
    return draws, new
