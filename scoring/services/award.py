"""The award decision: per lot the winning bid, checked against the ranking. Every state change is
audited in its transaction."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error, tender_status
from procurement.models import Tender, User
from procurement.policy import Action
from scoring.models import (
    Award,
    AwardedBid,
    Evaluation,
)
from scoring.selectors import result_of

STANDSTILL_DAYS = 10  # LOU 20 kap. 1 §: ten days when the decision is sent electronically


def match_to_ranking(
    result: dict[str, Any], lots: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool, list[dict[str, str]]]:
    """Match an award to an evaluation's result: pure, no database.

    ``result`` is the stored engine result (``lots`` with their ``bids``: ``bid``, ``rank``,
    ``qualified``); ``lots`` is what the officer names: ``[{"lot", "bids"}]``, where ``lot`` may
    be None for a one-lot tender. Returns ``(decided, deviates, errors)``: per lot the named
    bids and whether they are the top-ranked qualified bids (``follows_ranking``), whether any
    lot deviates from the ranking, and the field errors (JSON pointers into ``lots``).
    """
    ranked = {
        lot["lot"]: [b for b in lot["bids"] if b["qualified"]] for lot in result.get("lots", [])
    }
    qualified_ids = {lot: {b["bid"] for b in bids} for lot, bids in ranked.items()}
    errors: list[dict[str, str]] = []
    decided: list[dict[str, Any]] = []
    deviates = False
    seen_lots = set()
    for i, item in enumerate(lots):
        lot_id, bids = item.get("lot"), [str(b) for b in item.get("bids") or []]
        if lot_id is None:  # a one-lot tender may leave the lot out
            if len(ranked) != 1:
                errors.append(
                    field_error(
                        f"/lots/{i}/lot", "required", _("the tender has several lots: name the lot")
                    )
                )
                continue
            (lot_id,) = ranked
        lot_id = str(lot_id)
        if lot_id not in ranked:
            errors.append(
                field_error(f"/lots/{i}/lot", "unknown_lot", _("not a lot of this evaluation"))
            )
            continue
        if lot_id in seen_lots:
            errors.append(field_error(f"/lots/{i}/lot", "duplicate", _("named twice")))
            continue
        seen_lots.add(lot_id)
        if not bids:
            errors.append(field_error(f"/lots/{i}/bids", "required", _("name at least one bid")))
            continue
        bad = [b for b in bids if b not in qualified_ids[lot_id]]
        if bad:
            errors.append(
                field_error(
                    f"/lots/{i}/bids",
                    "not_qualified",
                    _("not qualified in this evaluation: %(bids)s") % {"bids": ", ".join(bad)},
                )
            )
            continue
        top = [b["bid"] for b in sorted(ranked[lot_id], key=lambda b: b["rank"] or 10**9)][
            : len(bids)
        ]
        follows = sorted(top) == sorted(bids) and all(
            b["rank"] is not None for b in ranked[lot_id] if b["bid"] in bids
        )
        deviates = deviates or not follows
        decided.append({"lot": lot_id, "bids": bids, "follows_ranking": follows})
    return decided, deviates, errors


@transaction.atomic
def award_tender(
    *,
    tender: Tender,
    actor: User,
    evaluation: Evaluation,
    lots: list[dict[str, Any]],
    justification: str,
) -> Award:
    """Name the winning bid(s) per lot from one completed evaluation (``lot`` may be None
    when the tender has one lot). Winners that do not
    follow the evaluation's ranking need a justification of the deviation; the standstill
    period starts (LOU 20 kap.)."""
    policy.require(actor, Action.TENDER_AWARD, organization_id=tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not policy.in_state(Action.TENDER_AWARD, tender):
        raise StateConflict(
            _("The tender is %(status)s; award follows an evaluation.")
            % {"status": tender_status(tender.effective_status)},
            current_status=tender.effective_status,
        )
    if evaluation.tender_id != tender.pk or evaluation.status != Evaluation.Status.DONE:
        raise InvalidInput(
            _("Name a completed evaluation of this tender."),
            errors=[
                field_error(
                    "/evaluation", "invalid", _("not a completed evaluation of this tender")
                )
            ],
        )
    if not (justification or "").strip():
        raise InvalidInput(
            _("Give the justification of the decision."),
            errors=[field_error("/justification", "required", _("required"))],
        )
    decided, deviates, errors = match_to_ranking(result_of(evaluation), lots)
    if errors:
        raise InvalidInput(
            _("The award does not fit the evaluation."), code="invalid_award", errors=errors
        )
    if deviates and len(justification.strip()) < 40:
        raise InvalidInput(
            _(
                "The award deviates from the evaluation's ranking: explain why in the "
                "justification (at least 40 characters)."
            ),
            code="deviation_needs_justification",
            errors=[
                field_error(
                    "/justification", "too_short", _("explain the deviation from the ranking")
                )
            ],
        )
    now = timezone.now()
    award = Award.objects.create(
        tender=tender,
        evaluation=evaluation,
        lots=decided,
        justification=justification.strip(),
        deviates_from_ranking=deviates,
        decided_by=actor,
        decided_at=now,
        standstill_ends_at=now + dt.timedelta(days=STANDSTILL_DAYS),
    )
    AwardedBid.objects.bulk_create(
        AwardedBid(
            award=award,
            lot_id=item["lot"],
            bid_id=bid,
            follows_ranking=item.get("follows_ranking", True),
        )
        for item in decided
        for bid in item["bids"]
    )
    tender.status = Tender.Status.AWARDED
    tender.version += 1
    tender.save(update_fields=["status", "version", "updated_at"])
    record(
        action="tender.awarded",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={
            "evaluation": evaluation.pk,
            "result_sha256": evaluation.result_sha256,
            "lots": decided,
            "deviates_from_ranking": deviates,
            "standstill_ends_at": award.standstill_ends_at,
        },
    )
    return award
