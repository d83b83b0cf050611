"""Reads of evaluations and scores, scoped to the acting user."""

import json
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from criteria.models import Kind, TenderCriterion
from procurement import policy
from procurement.errors import StateConflict
from procurement.models import Bid, Role, Tender, User
from procurement.policy import Action
from scoring.models import (
    Award,
    ConflictDeclaration,
    ConsensusScore,
    Evaluation,
    EvaluatorScore,
    Simulation,
)

RESULT_READERS = policy.roles_for(Action.EVALUATION_READ)


# The statuses a tender is evaluated in: the policy's transitions decide.
EVALUABLE = tuple(sorted(policy.TRANSITIONS[Action.EVALUATION_RUN]))


def manual_criteria(tender: Tender) -> list[TenderCriterion]:
    """The criteria evaluators score: manual award criteria and requirements. A contract
    condition is recorded and reported, never scored (DOMAIN.md), whatever its rule."""
    return [
        tc
        for tc in TenderCriterion.objects.filter(tender=tender).exclude(
            kind=Kind.CONTRACT_CONDITION
        )
        if (tc.rule or {}).get("type") == "manual"
    ]


def submitted_bids(tender: Tender) -> list[Bid]:
    return list(
        Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED).select_related("lot")
    )


def evaluator_may_access(user: User, tender: Tender) -> bool:
    """An evaluator sees a tender's bids only after declaring no conflict of interest."""
    return ConflictDeclaration.objects.filter(
        tender=tender, evaluator=user, has_conflict=False
    ).exists()


def moderation_items(tender: Tender) -> list[dict[str, Any]]:
    """Items whose evaluators' scores spread more than the tender's threshold."""
    threshold = Decimal(str((tender.evaluation or {}).get("spread_threshold", "0.4")))
    manual = {tc.pk: tc for tc in manual_criteria(tender)}
    by_item: dict[tuple, list[Decimal]] = {}
    for bid_id, tc_id, score in EvaluatorScore.objects.filter(
        tender=tender, is_current=True
    ).values_list("bid_id", "tender_criterion_id", "score"):
        by_item.setdefault((bid_id, tc_id), []).append(score)
    flagged = []
    for (bid_id, tc_id), scores in sorted(
        by_item.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
    ):
        scale = Decimal(manual[tc_id].rule.get("scale_max", 1))
        spread = (max(scores) - min(scores)) / scale
        if spread > threshold:
            flagged.append(
                {
                    "bid": str(bid_id),
                    "tender_criterion": str(tc_id),
                    "code": manual[tc_id].code,
                    "spread": format(spread.quantize(Decimal("0.0001")), "f"),
                    "scores": len(scores),
                }
            )
    return flagged


def missing_items(tender: Tender) -> list[dict[str, Any]]:
    """What stops an evaluation: declarations, scores and consensus, with bid and criterion."""
    manual = manual_criteria(tender)
    if not manual:
        return []
    missing: list[dict[str, Any]] = []
    declared = ConflictDeclaration.objects.filter(tender=tender, has_conflict=False).count()
    if declared == 0:
        missing.append(
            {
                "kind": "declaration",
                "message": _("No evaluator has declared freedom from conflicts of interest."),
            }
        )
    aggregation = (tender.evaluation or {}).get("aggregation", "consensus")
    consensus = set(
        ConsensusScore.objects.filter(tender=tender, is_current=True).values_list(
            "bid_id", "tender_criterion_id"
        )
    )
    scored = set(
        EvaluatorScore.objects.filter(tender=tender, is_current=True).values_list(
            "bid_id", "tender_criterion_id"
        )
    )
    for bid in submitted_bids(tender):
        for tc in manual:
            if tc.lot_id not in (None, bid.lot_id):
                continue
            key = (bid.pk, tc.pk)
            if aggregation == "consensus" and key not in consensus:
                missing.append(
                    {
                        "kind": "consensus",
                        "bid": str(bid.pk),
                        "tender_criterion": str(tc.pk),
                        "code": tc.code,
                    }
                )
            elif aggregation != "consensus" and key not in scored and key not in consensus:
                missing.append(
                    {
                        "kind": "scores",
                        "bid": str(bid.pk),
                        "tender_criterion": str(tc.pk),
                        "code": tc.code,
                    }
                )
    return missing


def result_of(evaluation: Evaluation) -> dict[str, Any]:
    return json.loads(evaluation.result_json) if evaluation.result_json else {}


def supplier_view(*, bid: Bid) -> dict[str, Any]:
    """After award: the supplier's own result, and the winner's total and category profile."""
    award = Award.objects.filter(tender_id=bid.tender_id).select_related("evaluation").first()
    if award is None:
        raise StateConflict(
            _("The tender has not been awarded yet; results are secret until the award decision."),
            code="not_awarded",
        )
    result = result_of(award.evaluation)
    lot_result = next(
        (lot for lot in result.get("lots", []) if lot["lot"] == str(bid.lot_id)), None
    )
    own = next((b for b in (lot_result or {}).get("bids", []) if b["bid"] == str(bid.pk)), None)
    winners: list[str] = next(
        (item["bids"] for item in award.lots if item["lot"] == str(bid.lot_id)), []
    )
    winner_results = [
        {
            k: b.get(k)
            for k in ("total_score", "comparison_price", "rank", "categories", "categories_unit")
        }
        for b in (lot_result or {}).get("bids", [])
        if b["bid"] in winners
    ]
    return {
        "bid": str(bid.pk),
        "evaluation": str(award.evaluation_id),
        "method": result.get("method"),
        "awarded": str(bid.pk) in winners,
        "own": own,
        "winners": winner_results,
        "decided_at": award.decided_at,
        "standstill_ends_at": award.standstill_ends_at,
    }


def evaluations_for(user: User) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("tender", "created_by")
    if not policy.may(user, Action.EVALUATION_READ) or user.organization_id is None:
        return qs.none()
    return qs.filter(tender__organization_id=user.organization_id)


def declarations_for(user: User, tender: Tender) -> QuerySet[ConflictDeclaration]:
    qs = ConflictDeclaration.objects.filter(tender=tender).select_related("evaluator")
    if user.role == Role.EVALUATOR:
        return qs.filter(evaluator=user)
    if policy.may(user, Action.EVALUATION_READ, tender):
        return qs
    return qs.none()


def own_scores(user: User, tender: Tender, *, history: bool = False) -> QuerySet[EvaluatorScore]:
    """An evaluator's own scores only: others' stay hidden (blind scoring)."""
    qs = EvaluatorScore.objects.filter(tender=tender, evaluator=user)
    return qs if history else qs.filter(is_current=True)


def all_scores(user: User, tender: Tender) -> QuerySet[EvaluatorScore]:
    if policy.may(user, Action.EVALUATION_READ, tender):
        return EvaluatorScore.objects.filter(tender=tender).select_related("evaluator")
    return EvaluatorScore.objects.none()


def consensus_for(user: User, tender: Tender) -> QuerySet[ConsensusScore]:
    if policy.may(user, Action.EVALUATION_READ, tender):
        return ConsensusScore.objects.filter(tender=tender, is_current=True).select_related(
            "set_by"
        )
    return ConsensusScore.objects.none()


def simulations_for(user: User, tender: Tender) -> QuerySet[Simulation]:
    if policy.may(user, Action.EVALUATION_READ, tender):
        return Simulation.objects.filter(tender=tender).order_by("-created_at")
    return Simulation.objects.none()


def result_items(evaluation: Evaluation, lang: str = "en") -> list[dict]:
    """The stored result as API.md's result items, ordered by lot, then rank (disqualified last)."""
    result = result_of(evaluation)
    items = []
    for lot in result.get("lots", []):
        for bid in lot["bids"]:
            money_unit = bid.get("categories_unit") == "money"
            items.append(
                {
                    "bid": bid["bid"],
                    "supplier": bid["supplier"],
                    "lot": bid["lot"],
                    "lot_number": lot.get("number"),
                    "qualified": bid["qualified"],
                    "disqualification_reasons": [
                        {**r, "message": r["message"].get(lang, r["message"].get("en"))}
                        for r in bid.get("disqualification_reasons", [])
                    ],
                    "price": bid["price"],
                    "total_score": bid.get("total_score"),
                    "comparison_price": bid.get("comparison_price"),
                    "rank": bid.get("rank"),
                    "tie_break": bid.get("tie_break"),
                    "categories": bid.get("categories", {}),
                    "categories_unit": "money" if money_unit else "points",
                    "lcc": bid.get("lcc"),
                    "criteria": [
                        {
                            "tender_criterion": c["criterion"],
                            "code": c["code"],
                            "kind": c.get("kind"),
                            "value": c.get("value"),
                            "fulfilment": c.get("fulfilment"),
                            "points": c.get("points"),
                            "money": c.get("money"),
                            "passed": c.get("passed"),
                            "flagged": c.get("flagged", False),
                            "explanation": (c.get("explanation") or {}).get(lang)
                            or (c.get("explanation") or {}).get("en"),
                        }
                        for c in bid.get("criteria", [])
                    ],
                }
            )
    return items
