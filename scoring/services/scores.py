"""Evaluators' blind scores and the officers' consensus, versioned. Every state change is audited
in its transaction."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from criteria.models import TenderCriterion
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error, tender_status
from procurement.models import Bid, Tender, User
from procurement.policy import Action
from scoring.models import (
    ConsensusScore,
    EvaluatorScore,
)
from scoring.selectors import EVALUABLE, evaluator_may_access, manual_criteria, submitted_bids


def _check_items(
    tender: Tender, items: list[dict[str, Any]], *, text_field: str
) -> list[tuple[Bid, TenderCriterion, Decimal, str]]:
    manual = {str(tc.pk): tc for tc in manual_criteria(tender)}
    bids = {str(b.pk): b for b in submitted_bids(tender)}
    errors, checked = [], []
    for i, item in enumerate(items):
        bid = bids.get(str(item.get("bid")))
        tc = manual.get(str(item.get("tender_criterion")))
        if bid is None:
            errors.append(
                field_error(
                    f"/scores/{i}/bid", "unknown_bid", _("not a submitted bid of this tender")
                )
            )
            continue
        if tc is None:
            errors.append(
                field_error(
                    f"/scores/{i}/tender_criterion",
                    "not_manual",
                    _("not a manual criterion of this tender"),
                )
            )
            continue
        if tc.lot_id not in (None, bid.lot_id):
            errors.append(
                field_error(
                    f"/scores/{i}/tender_criterion",
                    "other_lot",
                    _("the criterion does not apply to the bid's lot"),
                )
            )
            continue
        raw = item.get("score")
        try:
            if isinstance(raw, float | bool):
                raise InvalidOperation
            score = Decimal(str(raw))
        except InvalidOperation:
            errors.append(
                field_error(f"/scores/{i}/score", "invalid", _('a number such as 4 or "3.5"'))
            )
            continue
        scale = int(tc.rule.get("scale_max", 0))
        if not (0 <= score <= scale):
            errors.append(
                field_error(
                    f"/scores/{i}/score",
                    "out_of_scale",
                    _("between 0 and %(scale)s") % {"scale": scale},
                )
            )
            continue
        checked.append((bid, tc, score, (item.get(text_field) or "").strip()))
    if errors:
        raise InvalidInput(_("Some scores are invalid."), code="invalid_scores", errors=errors)
    return checked


def _next_version(model, current, **fields):
    """Scores are never overwritten: the current row is retired and a new version added."""
    version = 1
    if current is not None:
        model.objects.filter(pk=current.pk).update(is_current=False)
        version = current.version + 1
    return model.objects.create(version=version, **fields)


@transaction.atomic
def submit_scores(
    *, tender: Tender, actor: User, items: list[dict[str, Any]]
) -> list[EvaluatorScore]:
    """An evaluator's own scores on manual criteria, blind to the others'. A changed score
    becomes a new version; the earlier one is kept with its time."""
    policy.require(actor, Action.BIDS_SCORE, organization_id=tender.organization_id)
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in EVALUABLE:
        raise StateConflict(
            _("The tender is %(status)s; scoring happens after opening.")
            % {"status": tender_status(tender.effective_status)},
            current_status=tender.effective_status,
        )
    if not evaluator_may_access(actor, tender):
        raise StateConflict(
            _("Declare that you have no conflict of interest before scoring."),
            code="declaration_missing",
        )
    saved = []
    for bid, tc, score, comment in _check_items(tender, items, text_field="comment"):
        current = EvaluatorScore.objects.filter(
            bid=bid, tender_criterion=tc, evaluator=actor, is_current=True
        ).first()
        if current is not None and current.score == score and current.comment == comment:
            saved.append(current)
            continue
        new = _next_version(
            EvaluatorScore,
            current,
            tender=tender,
            bid=bid,
            tender_criterion=tc,
            evaluator=actor,
            score=score,
            comment=comment,
        )
        version = new.version
        record(
            action="score.submitted",
            actor=actor,
            obj=new,
            object_type="evaluator_score",
            tender_id=tender.pk,
            data={"bid": bid.pk, "tender_criterion": tc.pk, "score": score, "version": version},
        )
        saved.append(new)
    return saved


@transaction.atomic
def set_consensus(
    *, tender: Tender, actor: User, items: list[dict[str, Any]]
) -> list[ConsensusScore]:
    """The officer settles a manual item with a written justification (history kept)."""
    policy.require(actor, Action.CONSENSUS_SET, organization_id=tender.organization_id)
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in EVALUABLE:
        raise StateConflict(
            _("The tender is %(status)s.") % {"status": tender_status(tender.effective_status)},
            current_status=tender.effective_status,
        )
    checked = _check_items(tender, items, text_field="justification")
    missing = [
        field_error(
            f"/scores/{i}/justification", "required", _("a written justification is required")
        )
        for i, (*_checked, text) in enumerate(checked)
        if not text
    ]
    if missing:
        raise InvalidInput(_("Every consensus score needs a justification."), errors=missing)
    saved = []
    for bid, tc, score, justification in checked:
        current = ConsensusScore.objects.filter(
            bid=bid, tender_criterion=tc, is_current=True
        ).first()
        new = _next_version(
            ConsensusScore,
            current,
            tender=tender,
            bid=bid,
            tender_criterion=tc,
            score=score,
            justification=justification,
            set_by=actor,
        )
        version = new.version
        record(
            action="consensus.set",
            actor=actor,
            obj=new,
            object_type="consensus_score",
            tender_id=tender.pk,
            data={
                "bid": bid.pk,
                "tender_criterion": tc.pk,
                "score": score,
                "justification": justification,
                "version": version,
            },
        )
        saved.append(new)
    return saved
