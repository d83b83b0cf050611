"""Reads of evaluations and scores, scoped to the acting user."""

from django.db.models import QuerySet

from procurement.models import BID_READING_ROLES, Role, Tender, User
from scoring.models import (
    ConflictDeclaration,
    ConsensusScore,
    Evaluation,
    EvaluatorScore,
    Simulation,
)

RESULT_READERS = BID_READING_ROLES


def evaluations_for(user: User) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("tender", "created_by")
    if not (user.is_authenticated and user.organization_id) or user.role not in RESULT_READERS:
        return qs.none()
    return qs.filter(tender__organization_id=user.organization_id)


def declarations_for(user: User, tender: Tender) -> QuerySet[ConflictDeclaration]:
    qs = ConflictDeclaration.objects.filter(tender=tender).select_related("evaluator")
    if user.role == Role.EVALUATOR:
        return qs.filter(evaluator=user)
    if user.role in RESULT_READERS and user.organization_id == tender.organization_id:
        return qs
    return qs.none()


def own_scores(user: User, tender: Tender, *, history: bool = False) -> QuerySet[EvaluatorScore]:
    """An evaluator's own scores only: others' stay hidden (blind scoring)."""
    qs = EvaluatorScore.objects.filter(tender=tender, evaluator=user)
    return qs if history else qs.filter(is_current=True)


def all_scores(user: User, tender: Tender) -> QuerySet[EvaluatorScore]:
    if user.role in RESULT_READERS and user.organization_id == tender.organization_id:
        return EvaluatorScore.objects.filter(tender=tender).select_related("evaluator")
    return EvaluatorScore.objects.none()


def consensus_for(user: User, tender: Tender) -> QuerySet[ConsensusScore]:
    if user.role in RESULT_READERS and user.organization_id == tender.organization_id:
        return ConsensusScore.objects.filter(tender=tender, is_current=True).select_related(
            "set_by"
        )
    return ConsensusScore.objects.none()


def simulations_for(user: User, tender: Tender) -> QuerySet[Simulation]:
    if user.role in RESULT_READERS and user.organization_id == tender.organization_id:
        return Simulation.objects.filter(tender=tender).order_by("-created_at")
    return Simulation.objects.none()
